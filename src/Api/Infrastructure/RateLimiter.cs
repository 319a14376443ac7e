using System.Collections.Concurrent;
using StackExchange.Redis;

namespace LesCopains.Api.Infrastructure;

/// <summary>
/// Fixed-window counters in Redis, so a budget holds across every Api node. One round trip per
/// check (a Lua script: INCR, set the expiry on the first hit, return count and time left).
/// The per-user budgets, checked on every hub call, use <see cref="HitLeasedAsync"/> instead:
/// the node reserves tokens from the same counter in growing chunks and spends them locally.
/// </summary>
public sealed class RateLimiter(IConnectionMultiplexer redis, string clusterId, TimeProvider time)
{
    /// <summary>The largest chunk a node reserves at once is this fraction of the budget (and at most <see cref="MaxChunk"/>).</summary>
    private const int ChunkDivisor = 16;
    private const int MaxChunk = 64;
    private const int SweepAbove = 10_000;

    /// <summary>Tokens this node reserved in Redis for a bucket's current window and has not spent yet.</summary>
    private sealed class Lease
    {
        public long WindowEnds;
        public int Left;
        public int NextChunk = 1;

        /// <summary>Set when Redis refused this window's budget: later hits of the window are refused here.</summary>
        public bool Spent;

        /// <summary>The reservation in flight: hits that find no token wait for it instead of reserving their own.</summary>
        public Task? Refill;
    }

    private readonly ConcurrentDictionary<string, Lease> leases = new();

    private static readonly LuaScript Script = LuaScript.Prepare(
        """
        local count = redis.call('INCRBY', @key, @cost)
        if count == tonumber(@cost) then redis.call('PEXPIRE', @key, @window) end
        local ttl = redis.call('PTTL', @key)
        if ttl < 0 then redis.call('PEXPIRE', @key, @window); ttl = tonumber(@window) end
        return { count, ttl }
        """);

    public readonly record struct Decision(bool Allowed, long Count, TimeSpan RetryAfter);

    /// <summary>Counts one hit against <paramref name="bucket"/> and says whether it fits in <paramref name="limit"/>.</summary>
    public async Task<Decision> HitAsync(string bucket, int limit, TimeSpan window, int cost = 1)
    {
        var key = $"lc:{clusterId}:rl:{bucket}";
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
            Script, new { key = (RedisKey)key, cost, window = (long)window.TotalMilliseconds }))!;
        var count = (long)result[0];
        var ttl = TimeSpan.FromMilliseconds(Math.Max(0, (long)result[1]));
        return new Decision(count <= limit, count, ttl);
    }

    /// <summary>
    /// Counts one hit like <see cref="HitAsync"/>, but from tokens this node reserved before when it
    /// has some left in the current window: one Redis round trip per chunk instead of per hit.
    /// The chunk doubles (1, 2, 4, …) while a window's hits keep coming, up to 1/16 of the budget.
    /// The budget is never exceeded: every token spent was counted in Redis first, tokens are only
    /// spent in the window that counted them, and a node gets only what is left of the budget. The
    /// price is on the strict side: tokens reserved but unspent on one node are missing on another
    /// until the window ends (at most one chunk per node).
    /// </summary>
    public async ValueTask<Decision> HitLeasedAsync(string bucket, int limit, TimeSpan window)
    {
        var lease = leases.GetOrAdd(bucket, _ => new Lease());
        while (true)
        {
            var asked = time.GetTimestamp();
            Task? inFlight;
            TaskCompletionSource? mine = null;
            var chunk = 0;
            lock (lease)
            {
                if (asked < lease.WindowEnds)
                {
                    if (lease.Left > 0)
                    {
                        lease.Left--;
                        return new Decision(true, 0, TimeSpan.Zero);
                    }

                    if (lease.Spent)
                    {
                        return new Decision(false, limit, TimeSpan.FromSeconds((lease.WindowEnds - asked) / (double)time.TimestampFrequency));
                    }
                }

                // One reservation at a time: hits arriving together would each count a chunk in
                // Redis, and most of those tokens would sit unspent here until the window ends.
                inFlight = lease.Refill;
                if (inFlight is null)
                {
                    if (asked >= lease.WindowEnds)
                    {
                        lease.NextChunk = 1;
                        lease.Left = 0;
                        lease.Spent = false;
                    }

                    chunk = lease.NextChunk;
                    lease.NextChunk = Math.Min(Math.Clamp(limit / ChunkDivisor, 1, MaxChunk), chunk * 2);
                    mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    lease.Refill = mine.Task;
                }
            }

            if (inFlight is not null)
            {
                // Then spend what it brought, or reserve the next chunk.
                await inFlight;
                continue;
            }

            try
            {
                return await RefillAsync(lease, bucket, limit, window, asked, chunk);
            }
            finally
            {
                lock (lease)
                {
                    lease.Refill = null;
                }

                mine!.SetResult();
            }
        }
    }

    /// <summary>Reserves <paramref name="chunk"/> tokens in Redis; spends one on this hit and keeps the rest.</summary>
    private async Task<Decision> RefillAsync(Lease lease, string bucket, int limit, TimeSpan window, long asked, int chunk)
    {
        var counted = await HitAsync(bucket, limit, window, chunk);
        var granted = (int)Math.Clamp(limit - (counted.Count - chunk), 0, chunk);

        // The window ends no earlier than this (the time left was read after the request left).
        var windowEnds = asked + (long)(counted.RetryAfter.TotalSeconds * time.TimestampFrequency);
        lock (lease)
        {
            lease.WindowEnds = windowEnds;
            lease.Left = Math.Max(0, granted - 1);
            lease.Spent = granted < chunk;
        }

        if (leases.Count > SweepAbove)
        {
            Sweep(asked);
        }

        return granted == 0 ? counted with { Allowed = false } : counted with { Allowed = true };
    }

    private void Sweep(long now)
    {
        foreach (var (bucket, lease) in leases)
        {
            if (Volatile.Read(ref lease.WindowEnds) <= now)
            {
                leases.TryRemove(new KeyValuePair<string, Lease>(bucket, lease));
            }
        }
    }

    /// <summary>Throws <c>rate_limited</c> (429 with Retry-After) when a leased budget is spent.</summary>
    public async Task EnforceLeasedAsync(string bucket, int limit, TimeSpan window)
    {
        var decision = await HitLeasedAsync(bucket, limit, window);
        if (!decision.Allowed)
        {
            throw Limited(decision.RetryAfter);
        }
    }

    /// <summary>Reads a counter without counting (for "too many failures" checks).</summary>
    public async Task<Decision> PeekAsync(string bucket, int limit)
    {
        var key = $"lc:{clusterId}:rl:{bucket}";
        var db = redis.GetDatabase();
        var value = await db.StringGetAsync(key);
        var count = value.HasValue ? (long)value : 0;
        var ttl = await db.KeyTimeToLiveAsync(key) ?? TimeSpan.Zero;
        return new Decision(count < limit, count, ttl);
    }

    public Task ResetAsync(string bucket) =>
        redis.GetDatabase().KeyDeleteAsync($"lc:{clusterId}:rl:{bucket}");

    /// <summary>Throws <c>rate_limited</c> (429 with Retry-After) when over budget.</summary>
    public async Task EnforceAsync(string bucket, int limit, TimeSpan window)
    {
        var decision = await HitAsync(bucket, limit, window);
        if (!decision.Allowed)
        {
            throw Limited(decision.RetryAfter);
        }
    }

    public static ApiException Limited(TimeSpan retryAfter) =>
        new(LesCopains.Grains.ErrorCodes.RateLimited, $"Too many requests; retry in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} s.")
        {
            RetryAfter = retryAfter <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : retryAfter,
        };
}
