using Orleans.Runtime;

namespace LesCopains.Api.Infrastructure;

/// <summary>Keeps trying to reach the cluster at start-up (silos may start after the Api).</summary>
public sealed partial class RetryForeverFilter(ILogger<RetryForeverFilter> logger) : IClientConnectionRetryFilter
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
