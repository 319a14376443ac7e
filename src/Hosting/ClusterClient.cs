using LesCopains.Hosting.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace LesCopains.Hosting;

/// <summary>The cluster as the processes that are not silos (Api, SFU worker) reach it: an Orleans client found through Redis.</summary>
public static partial class ClusterClient
{
    /// <summary>Orleans' service id, the same for every process of every cluster (clusters differ by <c>CLUSTER_ID</c>).</summary>
    public const string ServiceId = "lescopains";

    /// <summary>
    /// An Orleans client of cluster <paramref name="clusterId"/>, finding gateways through Redis; it keeps
    /// retrying at start (silos may start after it) and fails a request after 10 s rather than 30.
    /// </summary>
    public static IServiceCollection AddClusterClient(this IServiceCollection services, string clusterId, RedisSettings redis) =>
        services.AddOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = ServiceId;
            });
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            client.UseRedisClustering(o => o.ConfigurationOptions = redis.ToOptions());
            client.UseConnectionRetryFilter<RetryForever>();
        });

    /// <summary>Keeps trying to reach the cluster at start-up.</summary>
    private sealed partial class RetryForever(ILogger<RetryForever> logger) : IClientConnectionRetryFilter
    {
        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            LogRetry(exception.Message);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            return true;
        }

        [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster not reachable yet, retrying: {Reason}")]
        private partial void LogRetry(string reason);
    }
}
