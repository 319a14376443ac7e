using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace LesCopains.Grains.Presence;

/// <summary>
/// Takes an Api node's periodic lease renewal as one batch and fans it out to the users' presence
/// grains inside the cluster, so a node with thousands of connections makes one call per batch.
/// </summary>
[StatelessWorker]
public sealed partial class PresenceRenewalGrain(ILogger<PresenceRenewalGrain> logger) : Grain, IPresenceRenewalGrain
{
    public async Task Renew(string nodeId, TimeSpan ttl, IReadOnlyList<PresenceRenewal> users)
    {
        var calls = users.Select(async u =>
        {
            try
            {
                await GrainFactory.GetGrain<IPresenceGrain>(u.UserId).Renew(nodeId, u.Leases, ttl);
            }
            catch (Exception ex)
            {
                // One user's grain failing over must not fail the others' renewal.
                LogRenewFailed(ex, u.UserId);
            }
        });
        await Task.WhenAll(calls);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the presence leases of user {UserId}")]
    private partial void LogRenewFailed(Exception exception, Guid userId);
}
