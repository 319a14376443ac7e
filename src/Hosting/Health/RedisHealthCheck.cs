using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace LesCopains.Hosting.Health;

/// <summary>Healthy when Redis answers PING.</summary>
public sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var ping = redis.GetDatabase().PingAsync();
            var finished = await Task.WhenAny(ping, Task.Delay(TimeSpan.FromSeconds(3), cancellationToken));
            return finished == ping
                ? HealthCheckResult.Healthy($"{(await ping).TotalMilliseconds:0.0} ms")
                : HealthCheckResult.Unhealthy("Redis did not answer PING within 3 s.");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            return HealthCheckResult.Unhealthy("Redis is unreachable: " + ex.Message);
        }
    }
}
