using StackExchange.Redis;

namespace LesCopains.Api.Infrastructure;

/// <summary>
/// Fixed-window counters in Redis, so a budget holds across every Api node. One round trip per
/// check (a Lua script: INCR, set the expiry on the first hit, return count and time left).
/// </summary>
public sealed class RateLimiter(IConnectionMultiplexer redis, ApiSettings settings)
{
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
        var key = $"lc:{settings.ClusterId}:rl:{bucket}";
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
            Script, new { key = (RedisKey)key, cost, window = (long)window.TotalMilliseconds }))!;
        var count = (long)result[0];
        var ttl = TimeSpan.FromMilliseconds(Math.Max(0, (long)result[1]));
        return new Decision(count <= limit, count, ttl);
    }

    /// <summary>Reads a counter without counting (for "too many failures" checks).</summary>
    public async Task<Decision> PeekAsync(string bucket, int limit)
    {
        var key = $"lc:{settings.ClusterId}:rl:{bucket}";
        var db = redis.GetDatabase();
        var value = await db.StringGetAsync(key);
        var count = value.HasValue ? (long)value : 0;
        var ttl = await db.KeyTimeToLiveAsync(key) ?? TimeSpan.Zero;
        return new Decision(count < limit, count, ttl);
    }

    public Task ResetAsync(string bucket) =>
        redis.GetDatabase().KeyDeleteAsync($"lc:{settings.ClusterId}:rl:{bucket}");

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
