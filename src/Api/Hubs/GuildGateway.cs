using System.Collections.Concurrent;
using System.Text.Json;
using LesCopains.Api.Infrastructure;
using LesCopains.Grains.Guilds;
using LesCopains.Grains.Users;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace LesCopains.Api.Hubs;

/// <summary>
/// This Api node as a gateway (architecture §4 "Fan-out"): one Orleans observer subscribed to
/// every guild that has a member connected here, renewed on a timer. A guild event arrives once
/// per node and is written to the local connections of members allowed to see it, filtered with
/// the same <see cref="PermissionCalculator"/> the grain uses, on a copy of the guild's snapshot.
/// Joins are announced over Redis, because the joiner's nodes are not subscribed to that guild yet.
/// </summary>
public sealed partial class GuildGateway(
    IClusterClient cluster,
    GrainReferences grains,
    IHubContext<GatewayHub> hub,
    GatewayConnections connections,
    IConnectionMultiplexer redis,
    ApiSettings settings,
    TimeProvider time,
    ILogger<GuildGateway> logger) : BackgroundService, IGuildObserver
{
    private sealed class GuildEntry(GuildSnapshot snapshot)
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>Events of this guild, handled one at a time in arrival order.</summary>
        public System.Threading.Channels.Channel<GuildEvent> Queue { get; } =
            System.Threading.Channels.Channel.CreateUnbounded<GuildEvent>(new() { SingleReader = true });

        public int Draining;

        /// <summary>Local viewers per channel, valid until the snapshot or the local members change.</summary>
        public ConcurrentDictionary<Guid, Audience> Viewers { get; } = new();

        public GuildSnapshot Snapshot { get; set; } = snapshot;

        /// <summary>Members connected to this node, with their member record.</summary>
        public ConcurrentDictionary<Guid, Member> Members { get; } = new();
    }

    /// <summary>Local users allowed to see a channel.</summary>
    private sealed record Audience(List<Guid> Users);

    /// <summary>
    /// A grain activation silent this long is forgotten by the sequencer: past Orleans' idle
    /// collection age (two hours at most by default), after which its successor numbers afresh.
    /// One still alive and sending after that waits <see cref="EventSequencer.GapWait"/> once.
    /// </summary>
    private static readonly TimeSpan ForgetSourcesAfter = TimeSpan.FromHours(3);

    private readonly ConcurrentDictionary<Guid, GuildEntry> guilds = new();

    /// <summary>
    /// Restores the order the grains sent their events in (guarded by itself). One for the node,
    /// not one per guild, so the count of each source carries on while a guild is not tracked here.
    /// </summary>
    private readonly EventSequencer sequencer = new();

    /// <summary>Whether a task is waiting to let out batches held for a gap (under the sequencer's lock).</summary>
    private bool releaseScheduled;

    private readonly ConcurrentDictionary<Guid, int> localUsers = new();
    private IGuildObserver? self;
    private bool selfCreated;
    private object? selfLock;

    private RedisChannel JoinChannel => RedisChannel.Literal($"lc:{settings.ClusterId}:guild-joined");

    // One reference per node: two (from concurrent first connections) would each get every event.
    private IGuildObserver Self => LazyInitializer.EnsureInitialized(ref self, ref selfCreated, ref selfLock, () => cluster.CreateObjectReference<IGuildObserver>(this))!;

    /// <summary>A connection of <paramref name="userId"/> opened here.</summary>
    public async Task ConnectedAsync(Guid userId)
    {
        localUsers.AddOrUpdate(userId, 1, (_, n) => n + 1);
        foreach (var guildId in await cluster.GetGrain<IUserGrain>(userId).GetGuilds())
        {
            await TrackAsync(guildId, userId);
        }
    }

    public void Disconnected(Guid userId)
    {
        if (localUsers.AddOrUpdate(userId, 0, (_, n) => n - 1) > 0)
        {
            return;
        }

        localUsers.TryRemove(userId, out _);
        foreach (var entry in guilds.Values)
        {
            if (entry.Members.TryRemove(userId, out _))
            {
                entry.Viewers.Clear();
            }
        }
    }

    /// <summary>Tells every node that <paramref name="userId"/> joined or created a guild.</summary>
    public Task AnnounceJoinAsync(Guid userId, Guid guildId) =>
        redis.GetSubscriber().PublishAsync(JoinChannel, $"{userId:N}:{guildId:N}");

    public Task OnGuildEvent(GuildEvent guildEvent) => OnGuildEvents([guildEvent]);

    public Task OnGuildEvents(GuildEvent[] guildEvents)
    {
        List<GuildEntry> queued;
        bool scheduleRelease;
        lock (sequencer)
        {
            var ready = new List<GuildEvent>(guildEvents.Length);
            sequencer.Accept(guildEvents, time.GetUtcNow(), ready);
            queued = Enqueue(ready);
            scheduleRelease = sequencer.Holding && !releaseScheduled;
            releaseScheduled |= scheduleRelease;
        }

        if (scheduleRelease)
        {
            _ = ReleaseHeldAsync();
        }

        queued.ForEach(StartDraining);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Queues events, in the order the sequencer let them out, to the guilds tracked here (the
    /// others are dropped). Called under the sequencer's lock, so two callers cannot interleave.
    /// </summary>
    private List<GuildEntry> Enqueue(List<GuildEvent> ready)
    {
        var queued = new List<GuildEntry>(1);
        foreach (var guildEvent in ready)
        {
            if (guilds.TryGetValue(guildEvent.GuildId, out var entry))
            {
                entry.Queue.Writer.TryWrite(guildEvent);
                if (!queued.Contains(entry))
                {
                    queued.Add(entry);
                }
            }
        }

        return queued;
    }

    private void StartDraining(GuildEntry entry)
    {
        if (Interlocked.CompareExchange(ref entry.Draining, 1, 0) == 0)
        {
            _ = Task.Run(() => DrainAsync(entry));
        }
    }

    /// <summary>Lets out what waits for a batch that may never come (a call lost with its connection), once it has waited long enough.</summary>
    private async Task ReleaseHeldAsync()
    {
        while (true)
        {
            await Task.Delay(EventSequencer.GapWait, time);
            List<GuildEntry> queued;
            bool done;
            lock (sequencer)
            {
                var ready = new List<GuildEvent>();
                sequencer.ReleaseOverdue(time.GetUtcNow(), ready);
                queued = Enqueue(ready);
                if (ready.Count > 0)
                {
                    LogGapGivenUp(ready[0].GuildId, ready.Count);
                }

                done = !sequencer.Holding;
                releaseScheduled = !done;
            }

            queued.ForEach(StartDraining);
            if (done)
            {
                return;
            }
        }
    }

    private async Task DrainAsync(GuildEntry entry)
    {
        var queued = new List<GuildEvent>();
        while (true)
        {
            while (entry.Queue.Reader.TryRead(out var evt))
            {
                queued.Add(evt);
            }

            // Handled in arrival order; a run of message:create of one channel goes out as one event.
            foreach (var run in EventBatches.Split(queued))
            {
                await HandleAsync(run[0], run.Count > 1 ? run : null);
            }

            queued.Clear();

            Volatile.Write(ref entry.Draining, 0);
            if (!entry.Queue.Reader.TryPeek(out _) || Interlocked.CompareExchange(ref entry.Draining, 1, 0) != 0)
            {
                return;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var joins = await redis.GetSubscriber().SubscribeAsync(JoinChannel);
        joins.OnMessage(async message => await OnJoinedAsync(message.Message.ToString()));

        // Renew subscriptions well within their lifetime; forget guilds nobody here belongs to.
        using var timer = new PeriodicTimer(IGuildGrain.SubscriptionLifetime / 3, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            lock (sequencer)
            {
                sequencer.Forget(time.GetUtcNow() - ForgetSourcesAfter);
            }

            foreach (var (guildId, entry) in guilds)
            {
                try
                {
                    if (entry.Members.IsEmpty)
                    {
                        guilds.TryRemove(guildId, out _);
                        await cluster.GetGrain<IGuildGrain>(guildId).Unsubscribe(Self);
                        continue;
                    }

                    var snapshot = await cluster.GetGrain<IGuildGrain>(guildId).Subscribe(Self);
                    await RefreshAsync(entry, snapshot);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRenewFailed(ex, guildId);
                }
            }
        }
    }

    private async Task OnJoinedAsync(string message)
    {
        var parts = message.Split(':');
        if (parts.Length != 2 || !Guid.TryParse(parts[0], out var userId) || !Guid.TryParse(parts[1], out var guildId) || !localUsers.ContainsKey(userId))
        {
            return;
        }

        try
        {
            await TrackAsync(guildId, userId);
            var view = await cluster.GetGrain<IGuildGrain>(guildId).GetView(userId);
            await hub.Clients.Group(GatewayHub.UserGroup(userId)).SendAsync(GatewayEvents.GuildCreate, view);
        }
        catch (Exception ex)
        {
            LogJoinFailed(ex, userId, guildId);
        }
    }

    private async Task TrackAsync(Guid guildId, Guid userId)
    {
        var grain = cluster.GetGrain<IGuildGrain>(guildId);
        if (!guilds.TryGetValue(guildId, out var entry))
        {
            var snapshot = await grain.Subscribe(Self);
            entry = guilds.GetOrAdd(guildId, _ => new GuildEntry(snapshot));
        }

        if (await grain.GetMember(userId) is { } member)
        {
            // Under the guild's gate, so no event computes its audience from a list without this user.
            await entry.Gate.WaitAsync();
            try
            {
                entry.Members[userId] = member;
                entry.Viewers.Clear();
            }
            finally
            {
                entry.Gate.Release();
            }
        }
    }

    /// <summary>Delivers one event, or (<paramref name="run"/>) a run of message:create events of <paramref name="evt"/>'s channel.</summary>
    private async Task HandleAsync(GuildEvent evt, IReadOnlyList<GuildEvent>? run = null)
    {
        if (!guilds.TryGetValue(evt.GuildId, out var entry))
        {
            return;
        }

        await entry.Gate.WaitAsync();
        try
        {
            var grain = grains.Get<IGuildGrain>(evt.GuildId);
            // Passed through as the grain wrote it; a run (message:create only) goes out as one messages:create.
            var (type, payload) = run is null
                ? (evt.Type, RawJson.FromString(evt.PayloadJson))
                : (GatewayEvents.MessagesCreate, EventBatches.Combine(run));
            var now = time.GetUtcNow();

            if (evt.Type == "guild:delete")
            {
                await SendToAsync(entry.Members.Keys, type, payload);
                guilds.TryRemove(evt.GuildId, out _);
                return;
            }

            if (evt.Type is "channel:create" or "channel:delete")
            {
                // Delivered by the snapshot diff (once, to exactly those who gain or lose the channel),
                // also when an earlier refresh already adopted the change.
                await RefreshAsync(entry, await grain.Subscribe(Self));
                return;
            }

            // Member changes of local users: update their record (or drop them) first.
            if (evt.UserId is { } userId && localUsers.ContainsKey(userId) && evt.Type.StartsWith("member:", StringComparison.Ordinal))
            {
                var before = entry.Snapshot;
                var recipients = entry.Members.Keys.ToList();
                entry.Viewers.Clear();
                if (evt.Type == "member:leave")
                {
                    entry.Members.TryRemove(userId, out _);
                    await SendToAsync([userId], "guild:delete", JsonSerializer.SerializeToElement(new { guildId = evt.GuildId }, JsonSerializerOptions.Web));
                    recipients.Remove(userId);
                    await SendToAsync(recipients, type, payload);
                    return;
                }

                var oldMember = entry.Members.TryGetValue(userId, out var m) ? m : null;
                if (await grain.GetMember(userId) is { } member)
                {
                    entry.Members[userId] = member;
                    if (oldMember is not null)
                    {
                        await SendVisibilityChangesAsync(before, before, userId, oldMember, member, now);
                    }
                }
            }

            if (evt.SnapshotVersion > entry.Snapshot.Version)
            {
                await RefreshAsync(entry, await grain.Subscribe(Self));
            }

            if (evt.ChannelId is not { } channelId)
            {
                await SendToAsync(entry.Members.Keys, type, payload);
            }
            else if (evt.Type == GatewayEvents.MentionCreate)
            {
                foreach (var (mentioned, trimmed) in Mentioned(entry, Viewers(entry, channelId, now).Users, payload.Parse()))
                {
                    await SendToAsync(mentioned, evt.Type, trimmed);
                }
            }
            else
            {
                // The hot path (message:create): the channel's viewers are cached.
                await connections.SendToUsersAsync(Viewers(entry, channelId, now).Users, type, payload);
            }
        }
        catch (Exception ex)
        {
            LogDeliveryFailed(ex, evt.Type, evt.GuildId);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Adopts a newer snapshot and tells each local member which channels appeared or vanished for them.</summary>
    private async Task RefreshAsync(GuildEntry entry, GuildSnapshot snapshot)
    {
        var before = entry.Snapshot;
        if (snapshot.Version <= before.Version)
        {
            return;
        }

        entry.Snapshot = snapshot;
        entry.Viewers.Clear();
        var now = time.GetUtcNow();
        foreach (var (userId, member) in entry.Members)
        {
            await SendVisibilityChangesAsync(before, snapshot, userId, member, member, now);
        }
    }

    private async Task SendVisibilityChangesAsync(GuildSnapshot before, GuildSnapshot after, Guid userId, Member oldMember, Member newMember, DateTimeOffset now)
    {
        var saw = Visible(before, oldMember, now);
        var sees = Visible(after, newMember, now);
        foreach (var channel in after.Channels.Where(c => sees.Contains(c.Id) && !saw.Contains(c.Id)))
        {
            await SendToAsync([userId], "channel:create", JsonSerializer.SerializeToElement(new { guildId = after.Id, channel = ChannelDto.From(after.Id, channel) }, JsonSerializerOptions.Web));
        }

        foreach (var channel in before.Channels.Where(c => saw.Contains(c.Id) && !sees.Contains(c.Id)))
        {
            await SendToAsync([userId], "channel:delete", JsonSerializer.SerializeToElement(new { guildId = before.Id, channel = ChannelDto.From(before.Id, channel) }, JsonSerializerOptions.Web));
        }
    }

    private static HashSet<Guid> Visible(GuildSnapshot guild, Member member, DateTimeOffset now) =>
        guild.Channels.Where(c => PermissionCalculator.InChannel(guild, member, c, now).HasFlag(Permissions.ViewChannel)).Select(c => c.Id).ToHashSet();

    private static Audience Viewers(GuildEntry entry, Guid channelId, DateTimeOffset now)
    {
        if (entry.Snapshot.FindChannel(channelId) is not { } channel)
        {
            return new Audience([]);
        }

        return entry.Viewers.GetOrAdd(channel.Id, _ => new Audience(entry.Members
            .Where(m => PermissionCalculator.InChannel(entry.Snapshot, m.Value, channel, now).HasFlag(Permissions.ViewChannel))
            .Select(m => m.Key)
            .ToList()));
    }

    /// <summary>One send to the users' connections here: the payload is serialized once, not once per user.</summary>
    private Task SendToAsync(IEnumerable<Guid> userIds, string type, object payload) =>
        connections.SendToUsersAsync([.. userIds], type, payload);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Guild {GuildId}: {Count} events went out after waiting for an earlier one that did not arrive")]
    private partial void LogGapGivenUp(Guid guildId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the subscription to guild {GuildId}")]
    private partial void LogRenewFailed(Exception exception, Guid guildId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not deliver {EventType} of guild {GuildId}")]
    private partial void LogDeliveryFailed(Exception exception, string eventType, Guid guildId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce guild {GuildId} to user {UserId}")]
    private partial void LogJoinFailed(Exception exception, Guid userId, Guid guildId);
}
