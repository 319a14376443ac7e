using System.Net;
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
        var silo = cluster.StartSilo();
        await silo.Process.WaitForHealthyAsync(silo.HealthUrl, TimeSpan.FromSeconds(90));
        var api = cluster.StartApi();
        var apiHealth = new Uri(api.BaseAddress, "/health").ToString();
        await api.Process.WaitForHealthyAsync(apiHealth, TimeSpan.FromSeconds(90));
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

    private static async Task<string> CreateDatabaseAsync(PrivatePostgres postgres)
    {
        await using var admin = TestEnvironment.OpenDatabase(postgres.Url());
        await using var create = admin.CreateCommand("CREATE DATABASE lc_health");
        await create.ExecuteNonQueryAsync();
        return postgres.Url("lc_health");
    }
}
