using LesCopains.Api.Infrastructure;
using LesCopains.Hosting.Configuration;
using LesCopains.Testing;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace LesCopains.Api.Tests;

/// <summary>
/// The leased per-user budget against the real Redis: a node reserves tokens in chunks and spends
/// them locally, and no mix of nodes, chunks and windows lets more than the budget through.
/// Each test uses its own cluster id, so its counters are its own.
/// </summary>
public sealed class RateLimitLeaseTests : IAsyncLifetime
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private readonly string clusterId = "lease-" + Guid.NewGuid().ToString("N");
    private ConnectionMultiplexer redis = null!;

    public async Task InitializeAsync()
    {
        var settings = new Settings(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [RedisSettings.Variable] = TestEnvironment.RedisUrl })
            .Build());
        redis = await ConnectionMultiplexer.ConnectAsync(RedisSettings.Load(settings).ToOptions());
    }

    public async Task DisposeAsync()
    {
        foreach (var server in redis.GetServers())
        {
            await foreach (var key in server.KeysAsync(pattern: $"lc:{clusterId}:*"))
            {
                await redis.GetDatabase().KeyDeleteAsync(key);
            }
        }

        await redis.DisposeAsync();
    }

    [Fact]
    public async Task One_node_lets_exactly_the_budget_through_and_reserves_ahead_in_chunks()
    {
        var node = new RateLimiter(redis, clusterId, TimeProvider.System);

        var allowed = 0;
        for (var i = 0; i < 50; i++)
        {
            allowed += (await node.HitLeasedAsync("b", 100, Minute)).Allowed ? 1 : 0;
        }

        // 50 hits were served from chunks 1, 2, 4, 6, 6, …: the counter ran ahead of the hits, by less than one chunk.
        var counted = (long)await redis.GetDatabase().StringGetAsync($"lc:{clusterId}:rl:b");
        Assert.Equal(50, allowed);
        Assert.InRange(counted, 51, 50 + 6);

        for (var i = 0; i < 100; i++)
        {
            allowed += (await node.HitLeasedAsync("b", 100, Minute)).Allowed ? 1 : 0;
        }

        Assert.Equal(100, allowed);
        var refused = await node.HitLeasedAsync("b", 100, Minute);
        Assert.False(refused.Allowed);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromSeconds(1), Minute);
    }

    [Fact]
    public async Task Hits_arriving_together_on_one_node_share_its_reservations_and_all_fit_the_budget()
    {
        var node = new RateLimiter(redis, clusterId, TimeProvider.System);
        Assert.True((await node.HitLeasedAsync("together", 100, Minute)).Allowed);

        // Redis holds every write for a moment, so the next 99 are all in flight before it answers
        // the first: each reserving a growing chunk of its own would count far more than the 99
        // tokens left and refuse most of them.
        var options = ConfigurationOptions.Parse(redis.Configuration);
        options.AllowAdmin = true;
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(options))
        {
            await admin.GetServers()[0].ExecuteAsync("CLIENT", "PAUSE", "300", "WRITE");
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 99).Select(_ => node.HitLeasedAsync("together", 100, Minute).AsTask()));

        Assert.Equal(99, results.Count(r => r.Allowed));
        var refused = await node.HitLeasedAsync("together", 100, Minute);
        Assert.False(refused.Allowed);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromSeconds(1), Minute);
    }

    [Fact]
    public async Task Nodes_hitting_one_budget_at_once_never_let_more_than_the_budget_through()
    {
        var nodes = Enumerable.Range(0, 3).Select(_ => new RateLimiter(redis, clusterId, TimeProvider.System)).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, 600).Select(i =>
            nodes[i % nodes.Length].HitLeasedAsync("shared", 200, Minute).AsTask()));

        // At most one chunk (200 / 16 = 12 tokens) per node can sit reserved and unspent.
        Assert.InRange(results.Count(r => r.Allowed), 200 - (3 * 12), 200);
    }

    [Fact]
    public async Task Tokens_reserved_in_one_window_are_not_spent_in_the_next()
    {
        var window = TimeSpan.FromSeconds(1);
        var first = new RateLimiter(redis, clusterId, TimeProvider.System);
        var second = new RateLimiter(redis, clusterId, TimeProvider.System);

        // Budget 32: chunks of 1 then 2, so after two hits the first node holds one token it has not spent.
        Assert.True((await first.HitLeasedAsync("w", 32, window)).Allowed);
        Assert.True((await first.HitLeasedAsync("w", 32, window)).Allowed);
        Assert.Equal(3, (long)await redis.GetDatabase().StringGetAsync($"lc:{clusterId}:rl:w"));

        await Poll.UntilAsync(
            async () => !(await redis.GetDatabase().KeyExistsAsync($"lc:{clusterId}:rl:w")),
            TimeSpan.FromSeconds(10),
            "the window to end");

        // The second node spends the whole new window; the first node's old token must not add to it.
        var spent = 0;
        while ((await second.HitLeasedAsync("w", 32, TimeSpan.FromMinutes(1))).Allowed)
        {
            spent++;
        }

        Assert.Equal(32, spent);
        Assert.False((await first.HitLeasedAsync("w", 32, window)).Allowed);
    }
}
