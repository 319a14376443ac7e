using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LesCopains.Testing;

namespace LesCopains.Cluster.Tests;

[Collection(ClusterCollection.Name)]
public sealed class HealthTests
{
    [Fact]
    public async Task Health_reports_503_naming_postgres_while_it_is_down_and_ok_once_it_is_back()
    {
        await using var postgres = await PrivatePostgres.StartAsync();
        await using var cluster = new ProcessCluster(await CreateDatabaseAsync(postgres));
        var (silo, api) = await StartHealthyAsync(cluster);
        var apiHealth = new Uri(api.BaseAddress, "/health").ToString();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };

        var ok = JsonDocument.Parse(await http.GetStringAsync(apiHealth)).RootElement;
        Assert.Equal("ok", ok.GetProperty("status").GetString());
        Assert.True(DateTimeOffset.TryParse(ok.GetProperty("timestamp").GetString(), out _));

        await postgres.StopServerAsync();
        foreach (var url in new[] { apiHealth, silo.HealthUrl })
        {
            var down = await Poll.UntilAsync(() => http.GetAsync(url), r => r.StatusCode == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30), $"503 from {url}");
            var body = JsonDocument.Parse(await down.Content.ReadAsStringAsync()).RootElement;
            Assert.Contains("postgres", body.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
            Assert.DoesNotContain("redis", body.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
        }

        await postgres.StartServerAsync();
        foreach (var url in new[] { apiHealth, silo.HealthUrl })
        {
            await Poll.UntilAsync(() => http.GetAsync(url), r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), $"200 from {url}");
        }

        Assert.False(api.Process.HasExited);
        Assert.False(silo.Process.HasExited);
    }

    [Fact]
    public async Task A_send_during_a_PostgreSQL_outage_fails_and_its_retry_with_the_same_nonce_is_stored_once_it_is_back()
    {
        await using var postgres = await PrivatePostgres.StartAsync();
        await using var cluster = new ProcessCluster(await CreateDatabaseAsync(postgres));
        var (_, api) = await StartHealthyAsync(cluster);
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var token = await Http.RegisterAndLoginAsync(http, "outage_" + Guid.NewGuid().ToString("N")[..8]);
        using var created = await http.SendAsync(Http.Authorized(HttpMethod.Post, "/api/guilds", token, new { name = "Outage" }));
        created.EnsureSuccessStatusCode();
        var guild = await created.Content.ReadFromJsonAsync<JsonElement>();
        var channelId = guild.GetProperty("channels").EnumerateArray().First(c => c.GetProperty("name").GetString() == "general").GetProperty("id").GetString();
        Task<HttpResponseMessage> SendAsync(string content, string nonce) =>
            http.SendAsync(Http.Authorized(HttpMethod.Post, "/api/messages", token, new { channelId, content, nonce }));

        // The group-commit writer keeps its connection open between batches.
        using (var first = await SendAsync("before", "n-before"))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        // The test server runs with synchronous_commit off and stops with -m immediate (a crash): make
        // the acknowledged row durable first, as synchronous_commit on does in production.
        await using (var admin = TestEnvironment.OpenDatabase(postgres.Url()))
        await using (var checkpoint = admin.CreateCommand("CHECKPOINT"))
        {
            await checkpoint.ExecuteNonQueryAsync();
        }

        await postgres.StopServerAsync();
        using (var failed = await SendAsync("during", "n-during"))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            var error = (await failed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
            Assert.Equal("internal_error", error.GetProperty("code").GetString());
            Assert.Contains("same nonce", error.GetProperty("message").GetString());
        }

        // Back: the writer opens a new connection, and the retried nonce is stored exactly once.
        await postgres.StartServerAsync();
        using var stored = await Poll.UntilAsync(() => SendAsync("during", "n-during"), r => r.StatusCode == HttpStatusCode.Created, TimeSpan.FromSeconds(60), "the retried send to be stored");
        using (var again = await SendAsync("during", "n-during"))
        {
            Assert.Equal(HttpStatusCode.Created, again.StatusCode);
            Assert.Equal(
                (await stored.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString(),
                (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        }

        using var history = await http.SendAsync(Http.Authorized(HttpMethod.Get, $"/api/channels/{channelId}/messages?limit=10", token));
        history.EnsureSuccessStatusCode();
        var contents = (await history.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()).ToList();
        Assert.Equal(["before", "during"], contents);
    }

    /// <summary>One silo, then one Api, each once its /health answers.</summary>
    private static async Task<(ProcessCluster.SiloProcess Silo, ProcessCluster.ApiProcess Api)> StartHealthyAsync(ProcessCluster cluster)
    {
        var silo = cluster.StartSilo();
        await silo.Process.WaitForHealthyAsync(silo.HealthUrl, TimeSpan.FromSeconds(90));
        var api = cluster.StartApi();
        await api.Process.WaitForHealthyAsync(new Uri(api.BaseAddress, "/health").ToString(), TimeSpan.FromSeconds(90));
        return (silo, api);
    }

    private static async Task<string> CreateDatabaseAsync(PrivatePostgres postgres)
    {
        await using var admin = TestEnvironment.OpenDatabase(postgres.Url());
        await using var create = admin.CreateCommand("CREATE DATABASE lc_health");
        await create.ExecuteNonQueryAsync();
        return postgres.Url("lc_health");
    }
}
