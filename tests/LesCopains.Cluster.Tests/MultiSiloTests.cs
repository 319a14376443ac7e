using System.Diagnostics;
using System.Net;
using LesCopains.Grains.Users;
using LesCopains.Testing;
using Xunit.Abstractions;

namespace LesCopains.Cluster.Tests;

/// <summary>Three silo processes and one Api process on one database, as an operator runs them.</summary>
[Collection(ClusterCollection.Name)]
public sealed class MultiSiloTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Three_silos_starting_together_on_an_empty_database_all_join_and_migrate_once()
    {
        await using var cluster = new ProcessCluster(await TestEnvironment.CreateDatabaseAsync());
        var silos = Enumerable.Range(0, 3).Select(_ => cluster.StartSilo()).ToList();
        await Task.WhenAll(silos.Select(s => s.Process.WaitForHealthyAsync(s.HealthUrl, StartTimeout)));

        var client = await cluster.ClientAsync();
        var hosts = await Poll.UntilAsync(
            () => client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true),
            h => h.Count == 3, TimeSpan.FromSeconds(30), "three active silos");
        Assert.Equal(3, hosts.Count);

        // The dashboard and /metrics are for admins only; /health is public.
        using var http = new HttpClient();
        var silo = silos[0];
        var root = $"http://127.0.0.1:{silo.HttpPort}";
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"{root}/dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"{root}/metrics")).StatusCode);
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, $"{root}/metrics"))
        {
            wrong.Headers.Authorization = new("Basic", Convert.ToBase64String("admin:not-the-password"u8.ToArray()));
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
        }

        http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String("admin:test-admin-password"u8.ToArray()));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{root}/dashboard/")).StatusCode);
        Assert.Contains("orleans_", await http.GetStringAsync($"{root}/metrics"), StringComparison.Ordinal);

        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var count = db.CreateCommand("SELECT count(*) = count(DISTINCT version) AND count(*) > 0 FROM schema_migrations");
        Assert.True((bool)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Killing_a_silo_loses_no_state_and_the_Api_keeps_serving()
    {
        await using var cluster = new ProcessCluster(await TestEnvironment.CreateDatabaseAsync());
        var silos = Enumerable.Range(0, 3).Select(_ => cluster.StartSilo()).ToList();
        await Task.WhenAll(silos.Select(s => s.Process.WaitForHealthyAsync(s.HealthUrl, StartTimeout)));
        var api = cluster.StartApi();
        await api.Process.WaitForHealthyAsync(new Uri(api.BaseAddress, "/health").ToString(), StartTimeout);
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        // Enough users that their grains spread over the silos; each gets a distinct display name.
        var users = new List<(string Token, string DisplayName, Guid Id)>();
        for (var i = 0; i < 12; i++)
        {
            var token = await Http.RegisterAndLoginAsync(http, $"kill{i}_{Guid.NewGuid():N}"[..20]);
            var name = $"Survivor {i}";
            using var patch = await http.SendAsync(Http.Authorized(HttpMethod.Patch, "/api/users/@me", token, new { displayName = name }));
            patch.EnsureSuccessStatusCode();
            var me = await Http.GetMeAsync(http, token);
            users.Add((token, name, Guid.Parse(me.GetProperty("id").GetString()!)));
        }

        // Kill (SIGKILL) the silo that hosts the first user's grain.
        var client = await cluster.ClientAsync();
        var management = client.GetGrain<IManagementGrain>(0);
        var target = client.GetGrain<IUserGrain>(users[0].Id);
        var host = await management.GetActivationAddress(target);
        Assert.NotNull(host);
        var victim = silos.Single(s => s.SiloPort == host!.Endpoint.Port);
        victim.Process.Kill();
        var killedAt = Stopwatch.StartNew();

        // Every profile comes back intact through the same Api process, after a short blip.
        foreach (var user in users)
        {
            var me = await Poll.UntilAsync(() => Http.GetMeAsync(http, user.Token), _ => true, TimeSpan.FromSeconds(90), $"profile of {user.DisplayName}");
            Assert.Equal(user.DisplayName, me.GetProperty("displayName").GetString());
        }

        output.WriteLine($"All profiles served again {killedAt.Elapsed.TotalSeconds:0.0}s after the kill.");
        Assert.False(api.Process.HasExited);
        var newHost = await management.GetActivationAddress(target);
        Assert.NotNull(newHost);
        Assert.NotEqual(victim.SiloPort, newHost!.Endpoint.Port);

        // New writes work too, and the survivors report healthy.
        var fresh = await Poll.UntilAsync(
            () => Http.RegisterAndLoginAsync(http, $"after_{Guid.NewGuid():N}"[..20]), _ => true, TimeSpan.FromSeconds(60), "registration after the kill");
        Assert.False(string.IsNullOrEmpty(fresh));
        using var health = new HttpClient();
        foreach (var survivor in silos.Where(s => s != victim))
        {
            Assert.Equal(HttpStatusCode.OK, (await health.GetAsync(survivor.HealthUrl)).StatusCode);
        }
    }

    [Fact]
    public async Task Grain_state_survives_deactivation_and_is_read_back_from_PostgreSQL()
    {
        await using var cluster = new ProcessCluster(await TestEnvironment.CreateDatabaseAsync());
        var silos = Enumerable.Range(0, 2).Select(_ => cluster.StartSilo()).ToList();
        await Task.WhenAll(silos.Select(s => s.Process.WaitForHealthyAsync(s.HealthUrl, StartTimeout)));
        var client = await cluster.ClientAsync();

        var userId = Guid.CreateVersion7();
        var username = $"state_{Guid.NewGuid():N}"[..20];
        await client.GetGrain<IUsernameGrain>(IUsernameGrain.KeyFor(username)).Claim(userId);
        var user = client.GetGrain<IUserGrain>(userId);
        await user.Register(username, "Before", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g");
        await user.UpdateDisplayName("After");

        var management = client.GetGrain<IManagementGrain>(0);
        var firstHost = await management.GetActivationAddress(user);
        Assert.NotNull(firstHost);
        var grainId = ((GrainReference)user).GrainId;
        Assert.Contains(await management.GetDetailedGrainStatistics(), s => s.GrainId == grainId);
        await management.DeactivateGrain(grainId, CancellationToken.None);
        await Poll.UntilAsync(
            async () => (await management.GetDetailedGrainStatistics()).All(s => s.GrainId != grainId),
            TimeSpan.FromSeconds(30),
            "deactivation");

        // The stored row is readable JSON for an operator.
        await using (var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl))
        await using (var json = db.CreateCommand("SELECT convert_from(payloadbinary, 'UTF8') FROM orleansstorage WHERE payloadbinary IS NOT NULL AND convert_from(payloadbinary, 'UTF8') LIKE '%' || $1 || '%'"))
        {
            json.Parameters.AddWithValue(username);
            var stored = (string?)await json.ExecuteScalarAsync();
            Assert.NotNull(stored);
            Assert.Contains("\"After\"", stored, StringComparison.Ordinal);
        }

        var profile = await user.GetProfile();
        Assert.Equal("After", profile.DisplayName);
        Assert.Equal(username, profile.Username);
        Assert.Equal(userId, await client.GetGrain<IUsernameGrain>(IUsernameGrain.KeyFor(username)).GetOwner());
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "process-cluster";
}
