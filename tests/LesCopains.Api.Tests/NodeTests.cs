using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LesCopains.Api.Tests;

/// <summary>The silo and the Api in one host (<c>src/Node</c>), as a single-box install may run them.</summary>
public sealed class NodeCluster : InProcessCluster
{
    protected override bool SingleProcess => true;
}

[CollectionDefinition(Name)]
public sealed class NodeCollection : ICollectionFixture<NodeCluster>
{
    public const string Name = "node";
}

[Collection(NodeCollection.Name)]
public sealed class NodeTests(NodeCluster cluster)
{
    [Fact]
    public async Task One_port_serves_the_api_the_web_client_and_the_admin_only_dashboard_of_the_silo_inside()
    {
        // The grains are in this very process: the Api's cluster client is the silo's own.
        Assert.NotNull(cluster.ApiServices.GetService<Orleans.Runtime.ILocalSiloDetails>());

        using var http = cluster.CreateClient();
        var health = await http.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Contains("1 active silo", health.GetProperty("checks").GetProperty("orleans").GetProperty("detail").GetString(), StringComparison.Ordinal);
        foreach (var dependency in new[] { "postgres", "redis" })
        {
            Assert.Equal("ok", health.GetProperty("checks").GetProperty(dependency).GetProperty("status").GetString());
        }

        using (var anonymous = await http.GetAsync("/dashboard/"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/dashboard/"))
        {
            wrong.Headers.Authorization = new("Basic", Convert.ToBase64String("admin:not-the-password"u8.ToArray()));
            using var response = await http.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var admin = new HttpRequestMessage(HttpMethod.Get, "/dashboard/"))
        {
            admin.Headers.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("admin:" + InProcessCluster.AdminPassword)));
            using var response = await http.SendAsync(admin);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            // The dashboard's page has inline styles and embedded fonts: its own policy, not the web client's.
            Assert.Equal(LesCopains.Silo.SiloApplication.DashboardContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        }

        // The Api's routes are the same as in its own process.
        using (var unknown = await http.GetAsync("/api/no-such-route"))
        {
            Assert.Equal(LesCopains.Api.Infrastructure.SecurityHeaders.ContentSecurityPolicy, unknown.Headers.GetValues("Content-Security-Policy").Single());
            await unknown.AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
        }
    }

    [Fact]
    public async Task Messages_cross_both_ways_between_the_node_and_a_separate_Api_node_in_order()
    {
        var apiNode = await cluster.AddApiNodeAsync();
        using var owner = await GuildClient.NewAsync(cluster, "own");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1, "One box");
        using var member = members[0];
        var general = guild.General.Id;

        await using var onNode = await HubClient.ConnectAsync(cluster, owner.Tokens.AccessToken);
        await using var onApi = await HubClient.ConnectAsync(cluster, member.Tokens.AccessToken, apiNode);
        var received = new[] { onNode, onApi }.Select(hub =>
        {
            var seqs = new ConcurrentQueue<long>();
            hub.Connection.OnMessageCreate(e =>
            {
                if (e.GetProperty("channelId").GetGuid() == general)
                {
                    seqs.Enqueue(e.GetProperty("message").GetProperty("seq").GetInt64());
                }
            });
            return seqs;
        }).ToList();

        var sent = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            var (from, content) = i % 2 == 0 ? (onNode, $"from the node {i}") : (onApi, $"from the Api node {i}");
            var message = await from.Connection.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content, nonce = $"n{i}" });
            sent.Add(message.GetProperty("seq").GetInt64());
        }

        foreach (var seqs in received)
        {
            await Poll.UntilAsync(() => Task.FromResult(seqs.Count), n => n >= sent.Count, TimeSpan.FromSeconds(20), "every message at both nodes");
            Assert.Equal(sent, seqs.ToList());
        }
    }
}

/// <summary>A node whose Api serves every address (<c>BIND_ADDRESS=0.0.0.0</c>, <c>run.sh --bind 0.0.0.0</c>).</summary>
public sealed class LanNodeCluster : InProcessCluster
{
    protected override bool SingleProcess => true;

    protected override IEnumerable<string> ApiArguments => ["--BIND_ADDRESS=0.0.0.0"];
}

public sealed class LanNodeTests(LanNodeCluster cluster) : IClassFixture<LanNodeCluster>
{
    [Fact]
    public async Task Serving_the_api_on_every_address_keeps_the_silo_and_gateway_ports_on_the_advertised_loopback_address()
    {
        var silo = cluster.ApiServices.GetRequiredService<Orleans.Runtime.ILocalSiloDetails>();
        var listening = await File.ReadAllLinesAsync("/proc/net/tcp");

        // /proc/net/tcp: "sl local_address rem_address st ...", addresses as hex IP:port, 0A = LISTEN.
        string[] ListenersOn(int port) => listening.Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f[3] == "0A" && f[1].EndsWith($":{port:X4}", StringComparison.Ordinal))
            .Select(f => f[1][..8])
            .ToArray();

        Assert.Equal(["00000000"], ListenersOn(cluster.BaseAddress.Port));
        Assert.Equal(["0100007F"], ListenersOn(silo.SiloAddress.Endpoint.Port));
        Assert.Equal(["0100007F"], ListenersOn(silo.GatewayAddress!.Endpoint.Port));
    }
}

/// <summary>The whole message suite again, on the single-process node.</summary>
[Collection(NodeCollection.Name)]
public sealed class MessageTestsOnNode(NodeCluster cluster) : MessageTests(cluster);

/// <summary>Presence (observers, expiry) again, on the single-process node.</summary>
[Collection(NodeCollection.Name)]
public sealed class PresenceTestsOnNode(NodeCluster cluster) : PresenceTests(cluster);
