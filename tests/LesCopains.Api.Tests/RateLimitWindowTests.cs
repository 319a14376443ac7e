using System.Net;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR;

namespace LesCopains.Api.Tests;

/// <summary>An Api with a 2-second per-user window (<c>RATE_LIMIT_WINDOW_SECONDS</c>) for reads and writes, to watch budgets come back.</summary>
public sealed class ShortWindowCluster : InProcessCluster
{
    public const int PerUser = 3;

    protected override IEnumerable<string> ApiArguments => [$"--RATE_LIMIT_MAX={PerUser}", $"--RATE_LIMIT_READ_MAX={PerUser}", "--RATE_LIMIT_WINDOW_SECONDS=2"];
}

[CollectionDefinition(Name)]
public sealed class ShortWindowCollection : ICollectionFixture<ShortWindowCluster>
{
    public const string Name = "short-window";
}

[Collection(ShortWindowCollection.Name)]
public sealed class RateLimitWindowTests(ShortWindowCluster cluster)
{
    [Fact]
    public async Task Per_user_budget_comes_back_after_the_window()
    {
        var tokens = await cluster.NewUserAsync();
        using var http = cluster.CreateClient(tokens.AccessToken);

        // Spend the budget (a window may roll over meanwhile on a slow machine, hence the loop).
        var limited = await Poll.UntilAsync(
            () => http.GetAsync("/api/users/@me"),
            r => r.StatusCode == HttpStatusCode.TooManyRequests,
            TimeSpan.FromSeconds(20),
            "the budget to run out");
        Assert.InRange(limited.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        Assert.Equal("rate_limited", (await limited.ReadErrorAsync()).Code);

        await Poll.UntilAsync(
            async () => (await cluster.ProbeAsync(tokens.AccessToken)).Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10),
            "the budget to come back");
    }

    [Fact]
    public async Task Hub_calls_are_allowed_again_after_the_window()
    {
        var tokens = await cluster.NewUserAsync();
        await using var hub = await HubClient.ConnectAsync(cluster, tokens.AccessToken);

        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    await hub.PingAsync();
                    return false;
                }
                catch (HubException ex) when (ex.Message.Contains("rate_limited:", StringComparison.Ordinal))
                {
                    return true;
                }
            },
            TimeSpan.FromSeconds(20),
            "hub calls to be limited");

        await Poll.UntilAsync(
            async () =>
            {
                await hub.PingAsync();
                return true;
            },
            TimeSpan.FromSeconds(10),
            "hub calls to be allowed again");
        Assert.True(hub.IsConnected);
    }
}
