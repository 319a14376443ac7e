using LesCopains.Grains.Users;
using Microsoft.Extensions.Logging;

namespace LesCopains.Grains.Presence;

/// <summary>
/// One user's presence. The chosen status is grain state; connection leases live in memory only.
/// While a lease exists a keep-alive timer sweeps expired leases, so a connection whose Api node died
/// without closing it stops counting within its TTL. If this grain's silo dies, the leases are lost
/// and come back with each Api node's next renewal (which re-creates unknown leases). A connection
/// that closed is remembered for a TTL, so that a renewal the node had already sent when it closed
/// (the node renews all its connections in batches) cannot bring it back: without that, a user who
/// left during a renewal stayed online to everyone for a whole TTL.
/// </summary>
public sealed partial class PresenceGrain(
    [PersistentState("presence", StorageNames.Postgres)] IPersistentState<PresenceState> state,
    RelationshipStore relationships,
    TimeProvider time,
    ILogger<PresenceGrain> logger) : Grain, IPresenceGrain
{
    private sealed record Lease(string NodeId, ClientActivity Activity, DateTimeOffset ExpiresAt);

    private readonly Dictionary<string, Lease> leases = [];

    /// <summary>Connections that closed, until when a renewal that names them is ignored.</summary>
    private readonly Dictionary<string, DateTimeOffset> closed = [];
    private IGrainTimer? sweeper;
    private TimeSpan ttl = TimeSpan.FromSeconds(60);
    private PresenceStatus published = PresenceStatus.Offline;
    private DateTimeOffset announcedAt = DateTimeOffset.MinValue;

    /// <summary>What the user's friends were last told (their status and custom status), so they hear changes only.</summary>
    private (PresenceStatus Status, CustomStatus? Custom) toldFriends = (PresenceStatus.Offline, null);

    private Guid UserId => this.GetPrimaryKey();

    private DateTimeOffset Now => time.GetUtcNow();

    public async Task<PresenceView> Connect(string nodeId, PresenceLease lease, TimeSpan ttl)
    {
        this.ttl = ttl;
        if (!IsClosed(lease.ConnectionId))
        {
            leases[lease.ConnectionId] = new Lease(nodeId, lease.Activity, Now + ttl);
        }

        await ChangedAsync();
        return View();
    }

    public async Task Disconnect(string connectionId)
    {
        closed[connectionId] = Now + ttl;
        if (leases.Remove(connectionId))
        {
            await ChangedAsync();
        }
        else
        {
            EnsureSweeper();
        }
    }

    public async Task Renew(string nodeId, IReadOnlyList<PresenceLease> renewed, TimeSpan ttl)
    {
        this.ttl = ttl;
        var expiresAt = Now + ttl;
        foreach (var lease in renewed.Where(l => !IsClosed(l.ConnectionId)))
        {
            // Keeps the activity the connection reported since (SetActivity) unless the lease is new.
            leases[lease.ConnectionId] = leases.TryGetValue(lease.ConnectionId, out var known)
                ? known with { ExpiresAt = expiresAt }
                : new Lease(nodeId, lease.Activity, expiresAt);
        }

        await ChangedAsync();
    }

    public async Task<PresenceView> SetActivity(string connectionId, ClientActivity activity)
    {
        if (leases.TryGetValue(connectionId, out var lease) && lease.Activity != activity)
        {
            leases[connectionId] = lease with { Activity = activity };
            await ChangedAsync();
        }

        return View();
    }

    public async Task<PresenceView> SetStatus(PresenceStatus chosen)
    {
        if (chosen is PresenceStatus.Offline or < 0 or > PresenceStatus.Invisible)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "status: must be online, idle, dnd or invisible.");
        }

        if (state.State.Chosen != chosen)
        {
            state.State.Chosen = chosen;
            await state.WriteStateAsync();
            await ChangedAsync();
        }

        return View();
    }

    public async Task<PresenceView> SetCustomStatus(CustomStatus? requested)
    {
        var custom = requested is null ? null : CustomStatus.Create(requested.Text, requested.Emoji, requested.ExpiresAt, Now);
        if (state.State.Custom != custom)
        {
            state.State.Custom = custom;
            await state.WriteStateAsync();
            if (published != PresenceStatus.Offline)
            {
                // Only where the person appears online: invisible, nobody learns of it.
                await AnnounceAsync();
            }
        }

        return View();
    }

    public Task<PresenceView> Get() => Task.FromResult(View());

    public Task Announce()
    {
        published = View().Visible;
        return published == PresenceStatus.Offline ? Task.CompletedTask : AnnounceAsync();
    }

    private PresenceView View()
    {
        var status = PresenceRules.Aggregate(state.State.Chosen, leases.Count, leases.Values.Any(l => l.Activity == ClientActivity.Active));
        return new PresenceView(status, state.State.Chosen, PresenceRules.Visible(status), leases.Count, Custom());
    }

    /// <summary>The custom status while it runs (an expired one stays in the state until replaced, unseen).</summary>
    private CustomStatus? Custom() => state.State.Custom is { } custom && custom.ActiveAt(Now) ? custom : null;

    /// <summary>Publishes the visible status to the user's guilds when it changed, and at least once per TTL while online.</summary>
    private Task ChangedAsync()
    {
        EnsureSweeper();
        var visible = View().Visible;
        if (visible != published || (visible != PresenceStatus.Offline && Now - announcedAt >= ttl))
        {
            published = visible;
            return AnnounceAsync();
        }

        return Task.CompletedTask;
    }

    private async Task AnnounceAsync()
    {
        announcedAt = Now;
        IReadOnlyList<Guid> guilds;
        try
        {
            guilds = await GrainFactory.GetGrain<IUserGrain>(UserId).GetGuilds();
        }
        catch (Exception ex)
        {
            // The next renewal announces again.
            announcedAt = DateTimeOffset.MinValue;
            LogAnnounceFailed(ex, UserId);
            return;
        }

        // Entries in a guild's view outlive a few missed announcements, not a dead silo forever.
        var validFor = ttl * 3;
        var custom = Custom();
        foreach (var guildId in guilds)
        {
            GrainFactory.GetGrain<IGuildPresenceGrain>(guildId).Update(UserId, published, validFor, custom).Ignore();
        }

        await TellFriendsAsync(custom);
    }

    /// <summary>
    /// <c>presence:friend</c> to each friend's feed when what they see changed: friends see each
    /// other whatever guilds they share (a custom status only while the person appears online).
    /// </summary>
    private async Task TellFriendsAsync(CustomStatus? custom)
    {
        var told = (published, published == PresenceStatus.Offline ? null : custom);
        if (told == toldFriends)
        {
            return;
        }

        toldFriends = told;
        try
        {
            var friends = await relationships.FriendIdsAsync(UserId);
            if (friends.Count > 0)
            {
                Dms.UserFeeds.Publish(GrainFactory, friends, IFriendsGrain.PresenceEvent, FriendPresence(UserId, told.Item1, told.Item2));
            }
        }
        catch (Exception ex)
        {
            toldFriends = (PresenceStatus.Offline, null);
            LogAnnounceFailed(ex, UserId);
        }
    }

    /// <summary>The payload of <see cref="IFriendsGrain.PresenceEvent"/>.</summary>
    internal static object FriendPresence(Guid userId, PresenceStatus visible, CustomStatus? custom) =>
        custom is null
            ? new { userId, status = PresenceRules.Name(visible) }
            : new { userId, status = PresenceRules.Name(visible), customStatus = custom };

    private bool IsClosed(string connectionId) => closed.TryGetValue(connectionId, out var until) && until > Now;

    private void EnsureSweeper()
    {
        if (leases.Count == 0 && closed.Count == 0)
        {
            sweeper?.Dispose();
            sweeper = null;
            return;
        }

        // Keep-alive: an idle-collected activation would forget leases that must still expire, and
        // closed connections that a late renewal must not bring back.
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, ttl.Ticks / 5));
        sweeper ??= this.RegisterGrainTimer(SweepAsync, new GrainTimerCreationOptions(period, period) { KeepAlive = true });
    }

    private async Task SweepAsync(CancellationToken cancellation)
    {
        var now = Now;
        foreach (var connectionId in closed.Where(c => c.Value <= now).Select(c => c.Key).ToList())
        {
            closed.Remove(connectionId);
        }

        var expired = leases.Where(l => l.Value.ExpiresAt <= now).Select(l => l.Key).ToList();
        foreach (var connectionId in expired)
        {
            leases.Remove(connectionId);
            LogLeaseExpired(UserId, connectionId);
        }

        if (expired.Count > 0)
        {
            await ChangedAsync();
        }
        else
        {
            EnsureSweeper();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Presence lease of connection {ConnectionId} of user {UserId} expired")]
    private partial void LogLeaseExpired(Guid userId, string connectionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce the presence of user {UserId}")]
    private partial void LogAnnounceFailed(Exception exception, Guid userId);
}

[GenerateSerializer, Alias("lc.PresenceState")]
public sealed class PresenceState
{
    [Id(0)]
    public PresenceStatus Chosen { get; set; } = PresenceStatus.Online;

    [Id(1)]
    public CustomStatus? Custom { get; set; }
}
