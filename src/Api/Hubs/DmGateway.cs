using System.Collections.Concurrent;
using System.Text.Json;
using LesCopains.Grains.Dms;
using Microsoft.AspNetCore.SignalR;

namespace LesCopains.Api.Hubs;

/// <summary>
/// This Api node's subscription to the <see cref="IUserFeedGrain"/> of every user connected here,
/// renewed on a timer. Direct-message events arrive once per node and go to that user's connections,
/// or, for an envelope, only to the connections that declared the recipient device (<c>DmUseDevice</c>).
/// </summary>
public sealed partial class DmGateway(IClusterClient cluster, IHubContext<GatewayHub> hub, TimeProvider time, ILogger<DmGateway> logger)
    : BackgroundService, IUserFeedObserver
{
    private readonly ConcurrentDictionary<Guid, int> localUsers = new();
    private IUserFeedObserver? self;
    private bool selfCreated;
    private object? selfLock;

    // One reference per node: two (from concurrent first connections) would each get every event.
    private IUserFeedObserver Self => LazyInitializer.EnsureInitialized(ref self, ref selfCreated, ref selfLock, () => cluster.CreateObjectReference<IUserFeedObserver>(this))!;

    public async Task ConnectedAsync(Guid userId)
    {
        localUsers.AddOrUpdate(userId, 1, (_, n) => n + 1);
        await cluster.GetGrain<IUserFeedGrain>(userId).Subscribe(Self);
    }

    public void Disconnected(Guid userId)
    {
        if (localUsers.AddOrUpdate(userId, 0, (_, n) => n - 1) > 0)
        {
            return;
        }

        localUsers.TryRemove(userId, out _);
        _ = UnsubscribeAsync(userId);
    }

    public async Task OnUserEvents(Guid userId, IReadOnlyList<UserEvent> events)
    {
        foreach (var evt in events)
        {
            try
            {
                var group = evt.DeviceId is { } deviceId ? GatewayHub.DeviceGroup(userId, deviceId) : GatewayHub.UserGroup(userId);
                await hub.Clients.Group(group).SendAsync(evt.Type, JsonSerializer.Deserialize<JsonElement>(evt.PayloadJson));
            }
            catch (Exception ex)
            {
                LogDeliveryFailed(ex, evt.Type, userId);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(IUserFeedGrain.SubscriptionLifetime / 3, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var userId in localUsers.Keys)
            {
                try
                {
                    await cluster.GetGrain<IUserFeedGrain>(userId).Subscribe(Self);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRenewFailed(ex, userId);
                }
            }
        }
    }

    private async Task UnsubscribeAsync(Guid userId)
    {
        try
        {
            await cluster.GetGrain<IUserFeedGrain>(userId).Unsubscribe(Self);
        }
        catch (Exception ex)
        {
            LogRenewFailed(ex, userId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the DM subscription of user {UserId}")]
    private partial void LogRenewFailed(Exception exception, Guid userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not deliver {EventType} to user {UserId}")]
    private partial void LogDeliveryFailed(Exception exception, string eventType, Guid userId);
}
