using LesCopains.Grains.Channels;
using LesCopains.Grains.Guilds;
using Microsoft.Extensions.Logging;

namespace LesCopains.Grains.Users;

/// <summary>
/// Read positions of one user. Acks update memory at once and reach PostgreSQL in one upsert per
/// <see cref="FlushDelay"/> at most (and on deactivation), so the write rate is bounded whatever the
/// client does. Counts are read after a flush, so the table is the source of truth.
/// </summary>
public sealed partial class ReadStateGrain(ReadStateStore store, NotificationSettingsStore notifyStore, ThreadStore threads, TimeProvider time, ILogger<ReadStateGrain> logger) : Grain, IReadStateGrain
{
    public static readonly TimeSpan FlushDelay = TimeSpan.FromSeconds(1);

    private readonly Dictionary<Guid, ReadMarker> pending = [];
    private readonly Dictionary<Guid, ReadMarker> known = [];
    private IGrainTimer? flushTimer;

    private Guid UserId => this.GetPrimaryKey();

    public async Task<ReadStateDto> Ack(Guid channelId, Guid messageId)
    {
        var marker = await GrainFactory.GetGrain<IChannelSocialGrain>(channelId).GetReadMarker(UserId, messageId);
        Remember(marker);
        return await CountOneAsync(marker, known[channelId]);
    }

    public async Task<ReadStateDto> MarkUnread(Guid channelId, Guid messageId)
    {
        var marker = await GrainFactory.GetGrain<IChannelSocialGrain>(channelId).GetUnreadMarker(UserId, messageId);

        // Written at once, backwards, and instead of any ack still waiting for the flush.
        pending.Remove(channelId);
        await store.SetAsync(UserId, marker, time.GetUtcNow());
        if (marker.Seq == 0)
        {
            known.Remove(channelId);
        }
        else
        {
            known[channelId] = marker;
        }

        return await CountOneAsync(marker, marker.Seq == 0 ? null : marker);
    }

    /// <summary>The counts of one channel or thread after the position <paramref name="latest"/> (null: none, as never read).</summary>
    private async Task<ReadStateDto> CountOneAsync(ReadMarker marker, ReadMarker? latest)
    {
        var member = await GrainFactory.GetGrain<IGuildGrain>(marker.GuildId).GetMember(UserId)
            ?? throw new DomainException(ErrorCodes.ChannelNotFound, "No such channel.");
        var notify = await NotifyAsync(marker.GuildId);
        var joinedAt = marker.ParentId is null ? null : await threads.JoinedAtAsync(UserId, marker.ChannelId);
        var query = new ReadStateStore.ChannelQuery(
            marker.GuildId, marker.ChannelId, Later(member.JoinedAt, joinedAt), latest?.MessageId, latest?.Seq ?? 0, !notify.SuppressEveryone, !notify.SuppressRoles)
        {
            ParentId = marker.ParentId,
            Joined = joinedAt is not null,
        };
        var counts = await store.CountsAsync(UserId, [query], member.RoleIds);
        return counts[0];
    }

    public async Task<IReadOnlyList<ReadStateDto>> AckGuild(Guid guildId)
    {
        var view = await GrainFactory.GetGrain<IGuildGrain>(guildId).GetView(UserId);
        var queries = await QueriesAsync([(guildId, view)]);
        var parents = queries.ToDictionary(q => q.ChannelId, q => q.ParentId);
        foreach (var (channelId, messageId, seq) in await store.LatestAsync([.. parents.Keys]))
        {
            Remember(new ReadMarker(guildId, channelId, messageId, seq, parents[channelId]));
        }

        return await store.CountsAsync(UserId, [.. queries.Select(q => known.TryGetValue(q.ChannelId, out var m) ? q with { KnownMessageId = m.MessageId, KnownSeq = m.Seq } : q)], view.Me.Roles);
    }

    /// <summary>
    /// What to count in these guilds: their text channels the user can view, then the threads in them
    /// that are not archived (they inherit their parent's permissions), found in one query for all;
    /// a thread the user follows counts from when they joined it.
    /// </summary>
    private async Task<List<ReadStateStore.ChannelQuery>> QueriesAsync(IReadOnlyList<(Guid GuildId, GuildViewDto View)> guilds)
    {
        var queries = new List<ReadStateStore.ChannelQuery>();
        var byChannel = new Dictionary<Guid, ReadStateStore.ChannelQuery>();
        foreach (var (guildId, view) in guilds)
        {
            var notify = await NotifyAsync(guildId);
            foreach (var channel in view.Channels.Where(c => c.Type == "text"))
            {
                var query = new ReadStateStore.ChannelQuery(guildId, channel.Id, view.Me.JoinedAt, null, 0, !notify.SuppressEveryone, !notify.SuppressRoles);
                queries.Add(query);
                byChannel[channel.Id] = query;
            }
        }

        var joined = byChannel.Count == 0 ? new Dictionary<Guid, DateTimeOffset>() : await threads.JoinedAsync(UserId);
        foreach (var (threadId, parentId) in await threads.ActiveOfParentsAsync(byChannel.Keys))
        {
            var parent = byChannel[parentId];
            queries.Add(joined.TryGetValue(threadId, out var joinedAt)
                ? parent with { ChannelId = threadId, ParentId = parentId, Joined = true, Since = Later(parent.Since, joinedAt) }
                : parent with { ChannelId = threadId, ParentId = parentId });
        }

        return queries;
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset? b) => b is { } t && t > a ? t : a;

    public async Task<IReadOnlyList<ThreadDto>> GetJoinedThreads()
    {
        var joined = await threads.JoinedThreadsAsync(UserId);
        var visible = new List<ThreadDto>(joined.Count);
        foreach (var inGuild in joined.GroupBy(t => t.GuildId))
        {
            GuildViewDto view;
            try
            {
                view = await GrainFactory.GetGrain<IGuildGrain>(inGuild.Key).GetView(UserId);
            }
            catch (DomainException)
            {
                continue; // no longer a member
            }

            var channels = view.Channels.Where(c => c.Type == "text").Select(c => c.Id).ToHashSet();
            visible.AddRange(inGuild.Where(t => channels.Contains(t.ParentId)));
        }

        return visible;
    }

    /// <summary>Moves a read position forward (never back) in memory; PostgreSQL gets it within <see cref="FlushDelay"/>.</summary>
    private void Remember(ReadMarker marker)
    {
        if (known.TryGetValue(marker.ChannelId, out var before) && marker.Seq <= before.Seq)
        {
            return;
        }

        known[marker.ChannelId] = marker;
        pending[marker.ChannelId] = marker;
        flushTimer ??= this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(FlushDelay, Timeout.InfiniteTimeSpan) { Interleave = true });
    }

    public async Task<IReadOnlyList<ReadStateDto>> GetReadStates()
    {
        await FlushAsync(CancellationToken.None);
        var guilds = new List<(Guid, GuildViewDto)>();
        var roles = new List<Guid>();
        foreach (var guildId in await GrainFactory.GetGrain<IUserGrain>(UserId).GetGuilds())
        {
            GuildViewDto view;
            try
            {
                view = await GrainFactory.GetGrain<IGuildGrain>(guildId).GetView(UserId);
            }
            catch (DomainException)
            {
                continue; // left or deleted meanwhile
            }

            roles.AddRange(view.Me.Roles);
            guilds.Add((guildId, view));
        }

        return await store.CountsAsync(UserId, await QueriesAsync(guilds), roles);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        await FlushAsync(cancellationToken);

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        flushTimer?.Dispose();
        flushTimer = null;
        if (pending.Count == 0)
        {
            return;
        }

        var batch = pending.Values.ToList();
        pending.Clear();
        try
        {
            await store.UpsertAsync(UserId, batch, time.GetUtcNow());
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            LogFlushFailed(ex, UserId, batch.Count);
            foreach (var marker in batch)
            {
                pending.TryAdd(marker.ChannelId, marker);
            }

            flushTimer ??= this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(FlushDelay, Timeout.InfiniteTimeSpan) { Interleave = true });
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store {Count} read positions of user {UserId}; retrying")]
    private partial void LogFlushFailed(Exception exception, Guid userId, int count);
}
