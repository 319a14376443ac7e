using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace LesCopains.Cluster.Tests;

/// <summary>An Api process that dies without closing its connections must not leave its users online.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PresenceExpiryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_user_connected_through_a_killed_Api_node_turns_offline_within_PRESENCE_TTL()
    {
        await using var cluster = new ProcessCluster(await TestEnvironment.CreateDatabaseAsync());
        var silo = cluster.StartSilo();
        await silo.Process.WaitForHealthyAsync(silo.HealthUrl, StartTimeout);
        var settings = new Dictionary<string, string> { ["PRESENCE_TTL"] = ((int)Ttl.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var doomed = cluster.StartApi(settings);
        var survivor = cluster.StartApi(settings);
        await Task.WhenAll(
            doomed.Process.WaitForHealthyAsync(new Uri(doomed.BaseAddress, "/health").ToString(), StartTimeout),
            survivor.Process.WaitForHealthyAsync(new Uri(survivor.BaseAddress, "/health").ToString(), StartTimeout));
        using var http = new HttpClient { BaseAddress = survivor.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        // A watcher and the user share a guild.
        var watcherToken = await Http.RegisterAndLoginAsync(http, $"watch_{Guid.NewGuid():N}"[..20]);
        var userToken = await Http.RegisterAndLoginAsync(http, $"gone_{Guid.NewGuid():N}"[..20]);
        var userId = (await Http.GetMeAsync(http, userToken)).GetProperty("id").GetGuid();
        var guild = await SendAsync(http, HttpMethod.Post, "/api/guilds", watcherToken, new { name = "Expiry" });
        var guildId = guild.GetProperty("id").GetGuid();
        var channelId = guild.GetProperty("channels").EnumerateArray().First(c => c.GetProperty("type").GetString() == "text").GetProperty("id").GetGuid();
        var invite = await SendAsync(http, HttpMethod.Post, $"/api/guilds/{guildId}/invites", watcherToken, new { channelId });
        await SendAsync(http, HttpMethod.Post, $"/api/invites/{invite.GetProperty("code").GetString()}", userToken);

        // The watcher listens on the surviving node; the user connects through the doomed one.
        var updates = new List<JsonElement>();
        await using var watcher = Connect(survivor.BaseAddress, watcherToken);
        watcher.On<JsonElement>("presence:update", e =>
        {
            lock (updates)
            {
                updates.Add(e);
            }
        });
        await watcher.StartAsync();
        await using var user = Connect(doomed.BaseAddress, userToken);
        await user.StartAsync();
        await Poll.UntilAsync(async () => await StatusAsync(http, watcherToken, guildId, userId) == "online", TimeSpan.FromSeconds(20), "the user online");
        await Poll.UntilAsync(() => Task.FromResult(Mentions(updates, userId, "online")), TimeSpan.FromSeconds(20), "presence:update online");

        doomed.Process.Kill();
        var killed = Stopwatch.StartNew();
        await Poll.UntilAsync(async () => await StatusAsync(http, watcherToken, guildId, userId) == "offline", Ttl * 4, "the user offline");
        var offlineAfter = killed.Elapsed;
        await Poll.UntilAsync(() => Task.FromResult(Mentions(updates, userId, "offline")), TimeSpan.FromSeconds(10), "presence:update offline");
        output.WriteLine($"offline {offlineAfter.TotalSeconds:0.0} s after SIGKILL (PRESENCE_TTL {Ttl.TotalSeconds:0} s)");

        // Lease TTL, plus one sweep (TTL/5), one coalescing window (1 s) and polling slack.
        Assert.True(offlineAfter <= Ttl + (Ttl / 5) + TimeSpan.FromSeconds(4), $"offline only {offlineAfter.TotalSeconds:0.0} s after the kill");
    }

    private static HubConnection Connect(Uri node, string token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(node, "/hubs/gateway"), o =>
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
            })
            .Build();

    private static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string path, string token, object? body = null)
    {
        using var response = await http.SendAsync(Http.Authorized(method, path, token, body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonSerializer.Deserialize<JsonElement>(text);
    }

    private static async Task<string> StatusAsync(HttpClient http, string token, Guid guildId, Guid userId)
    {
        return PresenceJson.StatusOf(await SendAsync(http, HttpMethod.Get, $"/api/guilds/{guildId}/presences", token), userId);
    }

    private static bool Mentions(List<JsonElement> updates, Guid userId, string status)
    {
        lock (updates)
        {
            return updates.SelectMany(PresenceJson.Entries).Contains((userId, status));
        }
    }
}
