using System.Collections.Concurrent;
using LesCopains.Api.Auth;
using LesCopains.Grains.Presence;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace LesCopains.Api.Hubs;

/// <summary>
/// This node's share of presence: registers each hub connection with its user's presence grain,
/// drops it on close, and every <c>PRESENCE_TTL</c>/3 renews all local leases in batches. If this
/// process dies, the renewals stop and the leases expire within <c>PRESENCE_TTL</c>.
/// </summary>
public sealed partial class PresenceTracker(
    IClusterClient cluster,
    IHubContext<GatewayHub> hub,
    IConnectionMultiplexer redis,
    ApiSettings settings,
    TimeProvider time,
    ILogger<PresenceTracker> logger) : BackgroundService
{
    /// <summary>Users per renewal call.</summary>
    public const int BatchSize = 500;

    private sealed class Local(Guid userId)
    {
        public Guid UserId { get; } = userId;

        public ClientActivity Activity { get; set; }
    }

    private readonly ConcurrentDictionary<string, Local> connections = new();

    /// <summary>Identifies this process's leases; new on every start.</summary>
    public string NodeId { get; } = Guid.NewGuid().ToString("N");

    private RedisChannel SelfChannel => RedisChannel.Literal($"lc:{settings.ClusterId}:presence-self");

    // Published by GuildGateway when a user joins a guild.
    private RedisChannel JoinChannel => RedisChannel.Literal($"lc:{settings.ClusterId}:guild-joined");

    public async Task<PresenceView?> ConnectedAsync(string connectionId, Guid userId)
    {
        connections[connectionId] = new Local(userId);
        try
        {
            return await Grain(userId).Connect(NodeId, new PresenceLease(connectionId, ClientActivity.Active), settings.PresenceTtl);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next renewal registers the lease.
            LogPresenceFailed(ex, userId);
            return null;
        }
    }

    public async Task DisconnectedAsync(string connectionId)
    {
        if (!connections.TryRemove(connectionId, out var local))
        {
            return;
        }

        try
        {
            await Grain(local.UserId).Disconnect(connectionId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The lease expires on its own.
            LogPresenceFailed(ex, local.UserId);
        }
    }

    public async Task<PresenceView> SetActivityAsync(string connectionId, Guid userId, ClientActivity activity)
    {
        if (connections.TryGetValue(connectionId, out var local) && local.UserId == userId)
        {
            local.Activity = activity;
        }

        return await Grain(userId).SetActivity(connectionId, activity);
    }

    /// <summary>Sets the chosen status and tells every connection of the user, on every node.</summary>
    public async Task<PresenceView> SetStatusAsync(Guid userId, PresenceStatus chosen)
    {
        var view = await Grain(userId).SetStatus(chosen);
        await redis.GetSubscriber().PublishAsync(SelfChannel, userId.ToString("N"));
        return view;
    }

    /// <summary>Sets or clears the user's custom status; every connection of theirs hears <c>presence:self</c>.</summary>
    public async Task<PresenceView> SetCustomStatusAsync(Guid userId, CustomStatus? custom)
    {
        var view = await Grain(userId).SetCustomStatus(custom);
        await redis.GetSubscriber().PublishAsync(SelfChannel, userId.ToString("N"));
        return view;
    }

    public static PresenceSelfEvent SelfEvent(PresenceView view) =>
        new(PresenceRules.Name(view.Status), PresenceRules.Name(view.Chosen), view.Custom);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscriber = redis.GetSubscriber();
        (await subscriber.SubscribeAsync(SelfChannel)).OnMessage(async m => await OnSelfChangedAsync(m.Message.ToString()));
        (await subscriber.SubscribeAsync(JoinChannel)).OnMessage(async m => await OnJoinedAsync(m.Message.ToString()));

        using var timer = new PeriodicTimer(settings.PresenceTtl / 3, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await RenewAsync();
        }
    }

    /// <summary>One call per <see cref="BatchSize"/> users; the silo fans out to their grains.</summary>
    private async Task RenewAsync()
    {
        var users = connections
            .GroupBy(c => c.Value.UserId)
            .Select(g => new PresenceRenewal(g.Key, g.Select(c => new PresenceLease(c.Key, c.Value.Activity)).ToList()))
            .ToList();
        foreach (var batch in users.Chunk(BatchSize))
        {
            try
            {
                await cluster.GetGrain<IPresenceRenewalGrain>(0).Renew(NodeId, settings.PresenceTtl, batch);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRenewFailed(ex, batch.Length);
            }
        }
    }

    private async Task OnSelfChangedAsync(string message)
    {
        if (!Guid.TryParse(message, out var userId) || !connections.Values.Any(c => c.UserId == userId))
        {
            return;
        }

        try
        {
            var view = await Grain(userId).Get();
            await hub.Clients.Group(GatewayHub.UserGroup(userId)).SendAsync(GatewayEvents.PresenceSelf, SelfEvent(view));
        }
        catch (Exception ex)
        {
            LogPresenceFailed(ex, userId);
        }
    }

    private async Task OnJoinedAsync(string message)
    {
        var parts = message.Split(':');
        if (parts.Length != 2 || !Guid.TryParse(parts[0], out var userId) || !connections.Values.Any(c => c.UserId == userId))
        {
            return;
        }

        try
        {
            // The new guild learns the joiner's status now, not at the next periodic announcement.
            await Grain(userId).Announce();
        }
        catch (Exception ex)
        {
            LogPresenceFailed(ex, userId);
        }
    }

    private IPresenceGrain Grain(Guid userId) => cluster.GetGrain<IPresenceGrain>(userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presence call for user {UserId} failed")]
    private partial void LogPresenceFailed(Exception exception, Guid userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the presence leases of {Users} users")]
    private partial void LogRenewFailed(Exception exception, int users);
}

/// <summary>
/// Registers each hub connection's presence lease once the hub accepted it, and sends the caller
/// its own status (<c>presence:self</c>) right after <c>ready</c>.
/// </summary>
public sealed class PresenceHubFilter(PresenceTracker presence) : IHubFilter
{
    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        await next(context);
        if (context.Context.User is { } user)
        {
            if (await presence.ConnectedAsync(context.Context.ConnectionId, user.UserId()) is { } view)
            {
                await context.Hub.Clients.Caller.SendAsync(GatewayEvents.PresenceSelf, PresenceTracker.SelfEvent(view));
            }
        }
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        await presence.DisconnectedAsync(context.Context.ConnectionId);
        await next(context, exception);
    }
}
