using System.Text.Json;
using LesCopains.Grains.Guilds;
using LesCopains.Grains.Presence;
using LesCopains.Grains.Users;

namespace LesCopains.Grains.Channels;

/// <summary>
/// A text channel or a thread. A send is validated and given its id and sequence number synchronously, then
/// handed to the silo's <see cref="MessageWriter"/>; while that commit is in flight the next send
/// proceeds (SendMessage interleaves), and messages are acknowledged as their batch commits and
/// published strictly in sequence order. A thread checks permissions against its parent channel and
/// publishes to the parent's viewers, so Api nodes filter its events with the parent's overwrites.
/// </summary>
public sealed partial class ChannelGrain(MessageStore store, MessageWriter writer, ThreadStore threads, TimeProvider time) : Grain, IChannelGrain, IChannelSocialGrain
{
    private const int RecentNonces = 2000;

    /// <summary>A cached guild view is refetched after this even without an invalidation (e.g. the guild's silo died).</summary>
    private static readonly TimeSpan ViewLease = TimeSpan.FromSeconds(60);

    private readonly Dictionary<(Guid Author, string Nonce), Task<MessageDto>> nonces = [];
    private readonly Queue<(Guid, string)> nonceOrder = new();
    private readonly SortedDictionary<long, (MessageDto Message, MessageMentions Mentions)?> readyToPublish = [];
    private readonly Dictionary<Guid, MessageAuthorDto> authors = [];
    private readonly HashSet<Guid> reserved = [];
    private readonly SendOrdering ordering = new(time);
    private Guid guildId;
    private long lastSeq;

    /// <summary>The newest message's id: the next one sorts after it (<see cref="SortableIds"/>).</summary>
    private Guid lastId;
    private long lastPublished;

    /// <summary>The guild's roles and channels for permission checks, until the guild invalidates it or the lease ends.</summary>
    private GuildSnapshot? view;
    private DateTimeOffset viewExpiresAt;
    private readonly Dictionary<Guid, Member> viewMembers = [];

    /// <summary>Bumped by every invalidation: a fetch that straddles one is used once, not cached.</summary>
    private long viewEpoch;
    private long guildVersion;
    private bool viewRegistered;

    /// <summary>Events relayed in this turn and the ones queued right behind it, not sent yet.</summary>
    private readonly List<GuildEvent> outbox = [];

    /// <summary>The Api nodes subscribed to the guild (null until the guild first told us).</summary>
    private IGuildObserver[]? gateways;

    /// <summary>Numbers the calls to each gateway, so that it can restore their order.</summary>
    private readonly RelayNumbering relayNumbering = new();

    /// <summary>Set when this channel is a thread.</summary>
    private ThreadStore.Meta? thread;
    private long threadMessageCount;
    private DateTimeOffset threadLastActivity;

    /// <summary>Sends to this thread accepted and not committed yet, and when the newest was accepted: activity the sweep cannot see.</summary>
    private int threadSendsInFlight;
    private DateTimeOffset threadSendAcceptedAt;

    private Guid ChannelId => this.GetPrimaryKey();

    /// <summary>The channel whose permissions apply: the parent for a thread.</summary>
    private Guid PermissionChannelId => thread?.ParentId ?? ChannelId;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        guildId = await store.GuildOfAsync(ChannelId) ?? Guid.Empty;
        (lastSeq, lastId) = await store.LastAsync(ChannelId);
        lastPublished = lastSeq;
        if (guildId != Guid.Empty && await threads.GetAsync(ChannelId) is { } dto)
        {
            thread = await threads.GetMetaAsync(ChannelId);
            threadMessageCount = dto.MessageCount;
            threadLastActivity = dto.LastActivityAt;
            threadMembers = await threads.MembersAsync(ChannelId);
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (viewRegistered)
        {
            GrainFactory.GetGrain<IGuildGrain>(guildId).ForgetChannelView(ChannelId).Ignore();
        }

        return Task.CompletedTask;
    }

    public Task InvalidateGuildView(long version, IGuildObserver[] gateways)
    {
        viewEpoch++;
        view = null;
        viewMembers.Clear();
        guildVersion = Math.Max(guildVersion, version);
        this.gateways = gateways;
        return Task.CompletedTask;
    }

    public Task<Guid> GetGuildId() =>
        guildId == Guid.Empty ? throw NotFound() : Task.FromResult(guildId);

    public Task<MessageDto> SendMessage(Guid authorId, string content, string? nonce, Guid? replyTo) =>
        SendMessageWithAttachments(authorId, content, nonce, replyTo, [], mentionReplied: true);

    public async Task<MessageDto> SendMessageWithAttachments(Guid authorId, string content, string? nonce, Guid? replyTo, IReadOnlyList<Guid> attachmentIds, bool mentionReplied) =>
        await await AcceptAsync(authorId, content, nonce, replyTo, attachmentIds, mentionReplied);

    public async Task<MessageDto> SendMessageInOrder(Guid authorId, string content, string? nonce, Guid? replyTo, IReadOnlyList<Guid> attachmentIds, bool mentionReplied, SendOrder order)
    {
        await ordering.WaitTurnAsync(order);
        Task<MessageDto> stored;
        try
        {
            stored = await AcceptAsync(authorId, content, nonce, replyTo, attachmentIds, mentionReplied);
        }
        finally
        {
            ordering.Done(order);
        }

        return await stored;
    }

    /// <summary>
    /// Checks a send and hands it to the writer with the next id and sequence number; the returned
    /// task completes when its row is committed (or with the earlier send of the same nonce).
    /// </summary>
    private async Task<Task<MessageDto>> AcceptAsync(Guid authorId, string content, string? nonce, Guid? replyTo, IReadOnlyList<Guid> attachmentIds, bool mentionReplied, PollSpec? poll = null)
    {
        attachmentIds = [.. (attachmentIds ?? []).Distinct()];
        (MessageWriter.PollRow Row, PollDto Dto)? newPoll = null;
        if (poll is not null)
        {
            // A poll's question is its message's text.
            var (question, answers) = PollRules.Create(poll);
            content = question;
            // Whole seconds: what PostgreSQL keeps is what was answered.
            var asked = time.GetUtcNow();
            var expiresAt = new DateTimeOffset(asked.Ticks - asked.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddHours(poll.DurationHours);
            newPoll = (
                new MessageWriter.PollRow(JsonSerializer.Serialize(answers, JsonSerializerOptions.Web), poll.AllowMultiselect, expiresAt),
                new PollDto(answers, poll.AllowMultiselect, expiresAt, new PollResultsDto([.. answers.Select(a => new PollCountDto(a.Id, 0))], 0, [])));
        }

        content = MessageRules.ContentWithAttachments(content, attachmentIds.Count);
        nonce = MessageRules.Nonce(nonce);
        var access = await AccessAsync(authorId);
        if (access.Type != ChannelType.Text)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "channelId: messages go to text channels.");
        }

        Require(access, thread is null ? Permissions.SendMessages : Permissions.SendMessagesInThreads);
        await ArchiveIfInactiveAsync();
        RequireNotArchived();
        if (attachmentIds.Count > 0)
        {
            Require(access, Permissions.AttachFiles);
        }

        // A poll's question mentions nobody, as on Discord: a poll never pings.
        var mentions = poll is null ? MentionParser.Parse(content, Has(access, Permissions.MentionEveryone)) : MessageMentions.None;
        if (nonce is not null && nonces.TryGetValue((authorId, nonce), out var earlier))
        {
            return earlier;
        }

        RequireSlowmodeWaited(access, authorId);

        if (replyTo is { } replyId)
        {
            var replied = await store.GetAsync(ChannelId, replyId)
                ?? throw new DomainException(ErrorCodes.MessageNotFound, "replyTo: no such message in this channel.");
            if (mentionReplied && replied.Author.Id != authorId)
            {
                mentions = MentionParser.WithUser(mentions, replied.Author.Id);
            }
        }

        var author = await AuthorAsync(authorId);
        mentions = await WithHereUsersAsync(mentions, null);

        // The sweep may have archived the thread while this send awaited the lookups above.
        RequireNotArchived();
        var attachments = await ReserveAttachmentsAsync(authorId, attachmentIds);

        // Synchronous from here to the hand-off: id and sequence follow arrival order.
        var seq = ++lastSeq;
        var now = time.GetUtcNow();
        lastId = SortableIds.Next(lastId, now);
        var row = new MessageWriter.Row(lastId, ChannelId, guildId, seq, authorId, content, nonce, replyTo, now, attachmentIds) { Mentions = mentions, Poll = newPoll?.Row };
        var message = new MessageDto(row.Id, guildId, ChannelId, seq, author, content, nonce, replyTo, row.CreatedAt, null, mentions.Users, mentions.Roles, mentions.Everyone, [], Poll: newPoll?.Dto) { Attachments = attachments, MentionHere = mentions.Here };
        var stored = attachments.Count == 0 ? CommitAsync(row, message) : CommitAndReleaseAsync(row, message, attachmentIds);
        if (thread is not null)
        {
            stored = InFlightInThreadAsync(stored, row.CreatedAt);
            JoinOnPost(authorId, stored);
        }

        if (nonce is null)
        {
            return stored;
        }

        RememberNonce(authorId, nonce, stored);
        return ForgetNonceOnFailureAsync(authorId, nonce, stored);
    }

    private async Task<MessageDto> ForgetNonceOnFailureAsync(Guid authorId, string nonce, Task<MessageDto> stored)
    {
        try
        {
            return await stored;
        }
        catch
        {
            // Let a retry with this nonce try again instead of replaying the failure.
            nonces.Remove((authorId, nonce));
            throw;
        }
    }

    public async Task<MessageDto> EditMessage(Guid actorId, Guid messageId, string content)
    {
        var access = await AccessAsync(actorId);
        RequireNotArchived();
        var message = await store.GetAsync(ChannelId, messageId) ?? throw new DomainException(ErrorCodes.MessageNotFound, "No such message.");
        content = MessageRules.ContentWithAttachments(content, message.Attachments.Count);
        if (message.Author.Id != actorId)
        {
            throw new DomainException(ErrorCodes.MissingPermission, "Only the author can edit a message.");
        }

        if (await Polls.ExistsAsync(messageId))
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "content: a poll cannot be edited.");
        }

        var now = time.GetUtcNow();
        var before = new MessageMentions(message.Mentions ?? [], message.MentionRoles ?? [], message.MentionEveryone)
        {
            Here = message.MentionHere,
            HereUsers = message.MentionHere ? await store.HereUsersAsync(ChannelId, messageId) : [],
        };
        var mentions = MentionParser.Parse(content, Has(access, Permissions.MentionEveryone));
        // A reply that mentioned the author it answers keeps doing so whatever the new text says
        // (the replied message is read only when the reply mentioned anyone).
        if (message.ReplyTo is { } replyId && before.Users.Count > 0
            && await store.GetAsync(ChannelId, replyId) is { } replied && before.Users.Contains(replied.Author.Id))
        {
            mentions = MentionParser.WithUser(mentions, replied.Author.Id);
        }

        mentions = await WithHereUsersAsync(mentions, before);
        if (!await store.EditAsync(ChannelId, messageId, content, now, mentions))
        {
            throw new DomainException(ErrorCodes.MessageNotFound, "No such message.");
        }

        // Reactions are not part of an edit: clients keep the ones they have (null = unchanged).
        var edited = message with { Content = content, EditedAt = now, Mentions = mentions.Users, MentionRoles = mentions.Roles, MentionEveryone = mentions.Everyone, Reactions = null, MentionHere = mentions.Here };
        Relay("message:update", new { guildId, channelId = ChannelId, message = edited });
        RelayMentions(edited, mentions, before);
        return edited;
    }

    public async Task DeleteMessage(Guid actorId, Guid messageId)
    {
        var access = await AccessAsync(actorId);
        RequireNotArchived();
        var message = await store.GetAsync(ChannelId, messageId) ?? throw new DomainException(ErrorCodes.MessageNotFound, "No such message.");
        if (message.Author.Id != actorId)
        {
            Require(access, Permissions.ManageMessages);
        }

        if (!await store.DeleteAsync(ChannelId, messageId, time.GetUtcNow()))
        {
            throw new DomainException(ErrorCodes.MessageNotFound, "No such message.");
        }

        Relay("message:delete", new { guildId, channelId = ChannelId, id = messageId });
        if (thread is not null)
        {
            threadMessageCount = Math.Max(0, threadMessageCount - 1);
            RelayThread("thread:update");
        }
    }

    public async Task MessagesDeleted(IReadOnlyList<Guid> messageIds)
    {
        if (guildId == Guid.Empty || messageIds.Count == 0)
        {
            return;
        }

        foreach (var id in messageIds)
        {
            Relay("message:delete", new { guildId, channelId = ChannelId, id });
        }

        if (thread is not null)
        {
            // Recount rather than subtract: this activation may have started after the purge and
            // already loaded the smaller count. Count what was published so far; sends published
            // while the count is read (later sequence numbers) have added themselves meanwhile.
            var upTo = lastPublished;
            var before = threadMessageCount;
            var (count, last) = await threads.LiveMessagesAsync(ChannelId, upTo);
            threadMessageCount = count + (threadMessageCount - before);
            if (lastPublished == upTo)
            {
                threadLastActivity = last ?? thread.CreatedAt;
            }

            RelayThread("thread:update");
        }
    }

    public async Task<IReadOnlyList<MessageDto>> GetHistory(Guid actorId, HistoryQuery query)
    {
        var access = await AccessAsync(actorId);
        Require(access, Permissions.ReadMessageHistory);
        if (new[] { query.Before, query.After, query.Around }.Count(x => x is not null) > 1)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "Use at most one of before, after and around.");
        }

        var page = await store.PageAsync(ChannelId, query with { Limit = Math.Clamp(query.Limit, 1, 100) });
        page = await Social.WithReactionsAsync(page, actorId);
        if (thread is not null || page.Count == 0)
        {
            return page; // threads do not nest: no message of a thread starts one
        }

        var started = await threads.ByStarterAsync(page.Select(m => m.Id).ToList());
        return started.Count == 0 ? page : page.Select(m => started.TryGetValue(m.Id, out var t) ? m with { Thread = t } : m).ToList();
    }

    // ---------------------------------------------------------------- threads

    public Task<ThreadDto> CreateThread(Guid actorId, string name, Guid? starterMessageId) =>
        CreateThread(actorId, name, starterMessageId, null);

    public async Task<ThreadDto> CreateThread(Guid actorId, string name, Guid? starterMessageId, int? autoArchiveDuration)
    {
        name = ThreadRules.Name(name);
        var duration = ThreadRules.AutoArchiveDuration(autoArchiveDuration ?? ThreadRules.DefaultAutoArchiveDuration);
        var access = await AccessAsync(actorId);
        if (thread is not null || access.Type != ChannelType.Text)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "channelId: threads start in text channels (not in threads).");
        }

        Require(access, Permissions.CreateThreads);
        if (starterMessageId is { } messageId)
        {
            Require(access, Permissions.ReadMessageHistory);
            if (await store.GetAsync(ChannelId, messageId) is null)
            {
                throw new DomainException(ErrorCodes.MessageNotFound, "messageId: no such message in this channel.");
            }
        }

        var now = time.GetUtcNow();
        var meta = new ThreadStore.Meta(Guid.CreateVersion7(), guildId, ChannelId, starterMessageId, actorId, name, false, null, now, duration, now);
        await threads.CreateAsync(meta);
        var created = new ThreadDto(meta.Id, guildId, ChannelId, starterMessageId, actorId, name, false, null, now, 0, now, duration) { MemberCount = 1 };
        Relay("thread:create", new { guildId, channelId = ChannelId, thread = created });
        Dms.UserFeeds.Publish(GrainFactory, [actorId], ThreadRules.MemberUpdateEvent, new { guildId, threadId = created.Id, parentId = ChannelId, joined = true, thread = created });
        return created;
    }

    public async Task<IReadOnlyList<ThreadDto>> ListThreads(Guid actorId, ThreadListQuery query)
    {
        var access = await AccessAsync(actorId);
        Require(access, Permissions.ReadMessageHistory);
        if (thread is not null)
        {
            return [];
        }

        return await threads.ListAsync(ChannelId, query with { Limit = Math.Clamp(query.Limit, 1, ThreadRules.MaxPage) });
    }

    public async Task<ThreadDto> GetThread(Guid actorId)
    {
        await AccessAsync(actorId);
        return CurrentThread() ?? throw NotFound();
    }

    public Task<ThreadDto> UpdateThread(Guid actorId, string? name, bool? archived) =>
        UpdateThread(actorId, name, archived, null);

    public async Task<ThreadDto> UpdateThread(Guid actorId, string? name, bool? archived, int? autoArchiveDuration)
    {
        var access = await AccessAsync(actorId);
        if (thread is null)
        {
            throw NotFound();
        }

        var newName = name is null ? thread.Name : ThreadRules.Name(name);
        var duration = autoArchiveDuration is { } minutes ? ThreadRules.AutoArchiveDuration(minutes) : thread.AutoArchiveDuration;
        if (thread.CreatorId != actorId)
        {
            Require(access, Permissions.ManageThreads);
        }

        // A thread past its inactivity limit is archived first, so that a rename does not reopen it.
        await ArchiveIfInactiveAsync();
        var nowArchived = archived ?? thread.Archived;
        if (newName == thread.Name && nowArchived == thread.Archived && duration == thread.AutoArchiveDuration)
        {
            return CurrentThread()!;
        }

        var now = time.GetUtcNow();
        var archivedAt = nowArchived ? thread.ArchivedAt ?? now : (DateTimeOffset?)null;
        var restartedAt = thread.Archived && !nowArchived ? now : (DateTimeOffset?)null;
        await threads.UpdateAsync(ChannelId, newName, nowArchived, archivedAt, duration, restartedAt);
        thread = thread with
        {
            Name = newName,
            Archived = nowArchived,
            ArchivedAt = archivedAt,
            AutoArchiveDuration = duration,
            ActivityAt = restartedAt ?? thread.ActivityAt,
        };
        return RelayThread("thread:update");
    }

    public async Task ThreadAutoArchived()
    {
        if (thread is null || await threads.GetMetaAsync(ChannelId) is not { } stored)
        {
            return;
        }

        // Taken from the row, whatever this activation believed: the row is what the sweep changed.
        thread = stored;

        // A send accepted before the sweep's moment but committed after its look at the messages
        // (or still in flight) was activity the sweep could not see: the thread was not inactive,
        // so it reopens with its clock restarted by that send, instead of keeping a message it has
        // just acknowledged in an archived thread.
        if (stored is { Archived: true, ArchivedAt: { } archivedAt }
            && await threads.ReopenAsync(ChannelId, archivedAt, threadSendsInFlight > 0 ? threadSendAcceptedAt : null) is { } activityAt)
        {
            thread = stored with { Archived = false, ArchivedAt = null, ActivityAt = activityAt };
        }

        RelayThread("thread:update");
    }

    private ThreadDto? CurrentThread() => thread is null ? null : new ThreadDto(
        thread.Id, thread.GuildId, thread.ParentId, thread.StarterMessageId, thread.CreatorId, thread.Name, thread.Archived, thread.ArchivedAt,
        thread.CreatedAt, threadMessageCount, threadLastActivity, thread.AutoArchiveDuration)
    {
        MemberCount = threadMembers?.Count ?? 0,
    };

    /// <summary>
    /// When this activation's own clock says the open thread has been inactive past its limit
    /// (the sweep has not come by yet, or its word was lost), archives it now, as the sweep would,
    /// and tells the viewers. Costs nothing until the limit is reached.
    /// </summary>
    private async Task ArchiveIfInactiveAsync()
    {
        if (thread is not { Archived: false } open)
        {
            return;
        }

        var lastActivity = threadLastActivity > open.ActivityAt ? threadLastActivity : open.ActivityAt;
        if (threadSendsInFlight > 0 && threadSendAcceptedAt > lastActivity)
        {
            lastActivity = threadSendAcceptedAt;
        }

        if (time.GetUtcNow() < lastActivity.AddMinutes(open.AutoArchiveDuration))
        {
            return;
        }

        await threads.ArchiveInactiveAsync(time.GetUtcNow(), 1, ChannelId);
        if (await threads.GetMetaAsync(ChannelId) is { Archived: true } stored && thread is { Archived: false })
        {
            thread = stored;
            RelayThread("thread:update");
        }
    }

    private async Task<MessageDto> InFlightInThreadAsync(Task<MessageDto> stored, DateTimeOffset acceptedAt)
    {
        threadSendsInFlight++;
        threadSendAcceptedAt = acceptedAt;
        try
        {
            return await stored;
        }
        finally
        {
            threadSendsInFlight--;
        }
    }

    private ThreadDto RelayThread(string type)
    {
        var dto = CurrentThread()!;
        Relay(type, new { guildId, channelId = dto.ParentId, thread = dto });
        return dto;
    }

    private void RequireNotArchived()
    {
        if (thread is { Archived: true })
        {
            throw new DomainException(ErrorCodes.ThreadArchived, "This thread is archived: it is read-only until it is unarchived.");
        }
    }

    private async Task<MessageDto> CommitAsync(MessageWriter.Row row, MessageDto message)
    {
        MessageDto? published = null;
        try
        {
            var outcome = await writer.WriteAsync(row);
            if (outcome == MessageWriter.Outcome.DuplicateNonce)
            {
                // Stored before (e.g. by an activation that crashed after the commit): answer with that row.
                return await store.FindByNonceAsync(ChannelId, row.AuthorId, row.Nonce!)
                    ?? throw new DomainException(ErrorCodes.Internal, "The message could not be stored; retry.");
            }

            published = message;
            return message;
        }
        finally
        {
            // Publish in sequence order; a failed or duplicate send leaves a gap clients can refetch over.
            readyToPublish[row.Seq] = published is null ? null : (published, row.Mentions);
            while (readyToPublish.Remove(lastPublished + 1, out var next))
            {
                lastPublished++;
                if (next is var (sent, mentions))
                {
                    Relay("message:create", new { guildId, channelId = ChannelId, message = sent });
                    if (thread is not null)
                    {
                        threadMessageCount++;
                        threadLastActivity = sent.CreatedAt;
                        RelayThread("thread:update");
                    }
                    RelayMentions(sent, mentions, null);
                }
            }
        }
    }

    /// <summary>
    /// Checks that every id is a pending upload of the author in this channel and holds it for this
    /// send, so that two interleaved sends cannot both claim it (the commit claims it for good).
    /// </summary>
    private async Task<IReadOnlyList<AttachmentDto>> ReserveAttachmentsAsync(Guid authorId, IReadOnlyList<Guid> ids)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var found = await store.PendingAttachmentsAsync(ChannelId, authorId, ids);
        if (found.Count != ids.Count || ids.Any(reserved.Contains))
        {
            throw new DomainException(ErrorCodes.AttachmentNotFound, "attachments: each must be your own upload to this channel, not yet sent.");
        }

        reserved.UnionWith(ids);
        return found;
    }

    private async Task<MessageDto> CommitAndReleaseAsync(MessageWriter.Row row, MessageDto message, IReadOnlyList<Guid> attachmentIds)
    {
        try
        {
            return await CommitAsync(row, message);
        }
        finally
        {
            reserved.ExceptWith(attachmentIds);
        }
    }

    private async Task<ChannelAccess> AccessAsync(Guid userId)
    {
        if (guildId == Guid.Empty)
        {
            throw NotFound();
        }

        // The guild's view and the member's record are cached; the guild invalidates them before any
        // change of roles, overwrites, members or bans completes, so only the first call asks it.
        var guild = GrainFactory.GetGrain<IGuildGrain>(guildId);
        var now = time.GetUtcNow();
        var snapshot = view;
        if (snapshot is null || now >= viewExpiresAt)
        {
            var epoch = viewEpoch;
            var fetched = await guild.GetChannelView(ChannelId);
            snapshot = fetched.Guild;
            viewRegistered = true;
            if (epoch == viewEpoch)
            {
                view = snapshot;
                viewExpiresAt = now + ViewLease;
                viewMembers.Clear();
                gateways = fetched.Gateways;
                guildVersion = Math.Max(guildVersion, snapshot.Version);
            }
        }

        if (!viewMembers.TryGetValue(userId, out var member))
        {
            var epoch = viewEpoch;
            member = await guild.GetAccessMember(userId) ?? throw NotFound();
            if (epoch == viewEpoch && ReferenceEquals(snapshot, view))
            {
                viewMembers[userId] = member;
            }
        }

        var channel = snapshot.FindChannel(PermissionChannelId) ?? throw NotFound();
        var permissions = PermissionCalculator.InChannel(snapshot, member, channel, now);
        return permissions.HasFlag(Permissions.ViewChannel) ? new ChannelAccess(channel.Type, permissions, channel.RateLimitPerUser) : throw NotFound();
    }

    private static bool Has(ChannelAccess access, Permissions permission) =>
        access.Permissions.HasFlag(Permissions.Administrator) || access.Permissions.HasFlag(permission);

    private static void Require(ChannelAccess access, Permissions permission)
    {
        if (!Has(access, permission))
        {
            var name = PermissionNames.ByName.FirstOrDefault(p => p.Value == permission).Key ?? permission.ToString();
            throw new DomainException(ErrorCodes.MissingPermission, $"Missing permission: {name}.");
        }
    }

    private async Task<MessageAuthorDto> AuthorAsync(Guid userId)
    {
        if (!authors.TryGetValue(userId, out var author))
        {
            var profile = await GrainFactory.GetGrain<IUserGrain>(userId).GetProfile();
            author = new MessageAuthorDto(userId, profile.Username, profile.DisplayName);
            authors[userId] = author;
        }

        return author;
    }

    private void RememberNonce(Guid authorId, string nonce, Task<MessageDto> stored)
    {
        nonces[(authorId, nonce)] = stored;
        nonceOrder.Enqueue((authorId, nonce));
        while (nonceOrder.Count > RecentNonces)
        {
            nonces.Remove(nonceOrder.Dequeue());
        }
    }

    /// <summary>
    /// To the viewers of this channel (of the parent, for a thread): straight to each subscribed Api
    /// node, once per node, in the order of the calls; the node filters by permission. The event
    /// carries the guild version this grain knows, so a node with an older snapshot refreshes first.
    /// </summary>
    private void Relay(string type, object payload)
    {
        outbox.Add(new GuildEvent(guildId, type, JsonSerializer.Serialize(payload, JsonSerializerOptions.Web), PermissionChannelId, null, guildVersion));
        if (outbox.Count == 1)
        {
            FlushOutboxAsync().Ignore();
        }
    }

    /// <summary>
    /// Sends what <see cref="Relay"/> collected once the turns already queued on this activation
    /// have run: when a group commit completes, its sends resume one after the other and their
    /// events leave together, one call per node instead of one per event. Order is kept.
    /// </summary>
    private async Task FlushOutboxAsync()
    {
        await Task.Yield();
        var events = outbox.ToArray();
        outbox.Clear();
        if (gateways is null)
        {
            var guild = GrainFactory.GetGrain<IGuildGrain>(guildId);
            foreach (var evt in events)
            {
                guild.Relay(evt with { SnapshotVersion = 0 }).Ignore();
            }

            return;
        }

        foreach (var gateway in gateways)
        {
            try
            {
                gateway.OnGuildEvents(relayNumbering.Stamp(gateway, events)).Ignore();
            }
            catch (Exception)
            {
                // A node that went away: the guild drops its subscription when it expires.
            }
        }
    }

    private DomainException NotFound() => new(ErrorCodes.ChannelNotFound, "No such channel.");
}
