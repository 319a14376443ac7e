using System.Text.Json;
using LesCopains.Grains.Users;

namespace LesCopains.Grains.Dms;

/// <summary>
/// A direct conversation. Membership lives in <c>dm_conversations</c>/<c>dm_members</c> (cached here);
/// envelopes in <c>dm_messages</c>. A send is checked against every member's current device list,
/// committed, then pushed to each recipient device's feed. Sends of one conversation are handled one
/// at a time: DMs are low-rate, and the idempotency check needs the previous send committed.
/// </summary>
public sealed class ConversationGrain(ConversationStore conversations, DmEnvelopeStore envelopes, TimeProvider time) : Grain, IConversationGrain
{
    private ConversationView? view;

    /// <summary>The last envelope or message id made here: the next sorts after it (<see cref="SortableIds"/>).</summary>
    private Guid lastId;

    private Guid ConversationId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        view = await conversations.GetAsync(ConversationId);

    public async Task<ConversationView> OpenDirect(Guid actorId, Guid otherId)
    {
        if (actorId == otherId || IConversationGrain.DirectId(actorId, otherId) != ConversationId)
        {
            throw DmRules.Invalid("userId", "a direct conversation needs two different users.");
        }

        if (view is not null)
        {
            return view;
        }

        await GrainFactory.GetGrain<IUserGrain>(otherId).GetProfile();
        await RequireNotBlockedByAsync(actorId, [otherId]);
        await conversations.CreateAsync(ConversationId, ConversationKind.Direct, null, actorId, [actorId, otherId], time.GetUtcNow());
        await ReloadAndAnnounceAsync();
        return view!;
    }

    public async Task<ConversationView> CreateGroup(Guid actorId, IReadOnlyList<Guid> memberIds, string? name)
    {
        if (view is not null)
        {
            throw DmRules.Invalid("id", "this conversation already exists.");
        }

        name = DmRules.Name(name, "name");
        var members = new[] { actorId }.Concat(memberIds ?? []).Distinct().ToList();
        if (members.Count < 2)
        {
            throw DmRules.Invalid("userIds", "a group needs at least one other member.");
        }

        if (members.Count > DmRules.MaxGroupMembers)
        {
            throw new DomainException(ErrorCodes.LimitReached, $"userIds: a group has at most {DmRules.MaxGroupMembers} members.");
        }

        await Task.WhenAll(members.Select(m => GrainFactory.GetGrain<IUserGrain>(m).GetProfile()));
        await RequireNotBlockedByAsync(actorId, members);
        await conversations.CreateAsync(ConversationId, ConversationKind.Group, name, actorId, members, time.GetUtcNow());
        await ReloadAndAnnounceAsync();
        return view!;
    }

    public Task<ConversationView> Get(Guid actorId)
    {
        RequireMember(actorId);
        return Task.FromResult(view!);
    }

    public async Task<ConversationView> AddMembers(Guid actorId, IReadOnlyList<Guid> userIds)
    {
        var current = RequireGroupMember(actorId);
        var added = (userIds ?? []).Distinct().Where(id => current.Members.All(m => m.Id != id)).ToList();
        if (added.Count == 0)
        {
            return current;
        }

        if (current.Members.Count + added.Count > DmRules.MaxGroupMembers)
        {
            throw new DomainException(ErrorCodes.LimitReached, $"userIds: a group has at most {DmRules.MaxGroupMembers} members.");
        }

        await Task.WhenAll(added.Select(m => GrainFactory.GetGrain<IUserGrain>(m).GetProfile()));
        await RequireNotBlockedByAsync(actorId, added);
        await conversations.AddMembersAsync(ConversationId, added, time.GetUtcNow());
        await ReloadAndAnnounceAsync();
        return view!;
    }

    public async Task<ConversationView> Rename(Guid actorId, string? name)
    {
        RequireGroupMember(actorId);
        await conversations.RenameAsync(ConversationId, DmRules.Name(name, "name"));
        await ReloadAndAnnounceAsync();
        return view!;
    }

    public async Task Leave(Guid actorId)
    {
        RequireGroupMember(actorId);
        await conversations.RemoveMemberAsync(ConversationId, actorId);
        UserFeeds.Publish(GrainFactory, [actorId], "dm:removed", new { conversationId = ConversationId });
        await ReloadAndAnnounceAsync();
    }

    public async Task<SendOutcome> Send(Guid actorId, SendEnvelopes command)
    {
        var current = RequireMember(actorId);
        ArgumentNullException.ThrowIfNull(command);
        var clientMessageId = command.ClientMessageId;
        if (string.IsNullOrEmpty(clientMessageId) || clientMessageId.Length > DmRules.MaxClientMessageIdLength)
        {
            throw DmRules.Invalid("clientMessageId", $"is required, at most {DmRules.MaxClientMessageIdLength} characters.");
        }

        var input = command.Envelopes ?? [];
        if (input.Count > DmRules.MaxEnvelopes)
        {
            throw DmRules.Invalid("envelopes", $"at most {DmRules.MaxEnvelopes} per message.");
        }

        for (var i = 0; i < input.Count; i++)
        {
            DmRules.Body(input[i].Body, $"envelopes[{i}].body");
            if (input[i].Type is < 1 or > 255)
            {
                throw DmRules.Invalid($"envelopes[{i}].type", "must be between 1 and 255.");
            }
        }

        var given = input.Select(e => new DeviceAddress(e.UserId, e.DeviceId)).ToList();
        if (given.Distinct().Count() != given.Count)
        {
            throw DmRules.Invalid("envelopes", "one envelope per device.");
        }

        // Current device lists of every member, the sender's included.
        var lists = await Task.WhenAll(current.Members.Select(async m =>
            (m.Id, Devices: await GrainFactory.GetGrain<IKeyDirectoryGrain>(m.Id).GetDevices())));
        var registered = lists.SelectMany(l => l.Devices.Select(d => (Address: new DeviceAddress(l.Id, d.DeviceId), d.RegistrationId)))
            .ToDictionary(x => x.Address, x => x.RegistrationId);
        var senderDevice = new DeviceAddress(actorId, command.SenderDeviceId);
        if (!registered.ContainsKey(senderDevice))
        {
            throw new DomainException(ErrorCodes.DeviceNotFound, "senderDeviceId: not one of your registered devices.");
        }

        if (await envelopes.FindAsync(ConversationId, actorId, clientMessageId) is { } earlier)
        {
            return new SendOutcome(earlier.MessageId, earlier.CreatedAt, null);
        }

        var expected = registered.Keys.Where(a => a != senderDevice).ToHashSet();
        var missing = expected.Where(a => !given.Contains(a)).ToList();
        var extra = given.Where(a => !expected.Contains(a)).ToList();
        var stale = input.Where(e => e.RegistrationId is { } r && registered.TryGetValue(new(e.UserId, e.DeviceId), out var actual) && actual != r)
            .Select(e => new DeviceAddress(e.UserId, e.DeviceId)).ToList();
        if (missing.Count > 0 || extra.Count > 0 || stale.Count > 0)
        {
            return new SendOutcome(null, null, new DeviceMismatch(missing, extra, stale));
        }

        // Envelopes to members who blocked the sender are dropped; the sender is not told.
        var blockers = await conversations.BlockersAsync(actorId, current.Members.Where(m => m.Id != actorId).Select(m => m.Id).ToList());
        var now = time.GetUtcNow();
        var rows = input.Where(e => !blockers.Contains(e.UserId))
            .Select(e => new DmEnvelopeStore.Row(lastId = SortableIds.Next(lastId, now), e.UserId, e.DeviceId, e.Type, e.Body))
            .ToList();
        var messageId = lastId = SortableIds.Next(lastId, now);
        if (rows.Count > 0)
        {
            await envelopes.InsertAsync(ConversationId, messageId, actorId, command.SenderDeviceId, clientMessageId, now, rows);
        }

        view = current with { LastMessageAt = now };
        foreach (var recipient in rows.GroupBy(r => r.RecipientId))
        {
            var events = recipient.Select(r => new UserEvent(
                "dm:envelope",
                JsonSerializer.Serialize(new EnvelopeDto(r.Id, messageId, ConversationId, actorId, command.SenderDeviceId, r.RecipientDevice, r.Type, r.Content, now), JsonSerializerOptions.Web),
                r.RecipientDevice)).ToList();
            GrainFactory.GetGrain<IUserFeedGrain>(recipient.Key).Publish(events).Ignore();
        }

        return new SendOutcome(messageId, now, null);
    }

    public Task<IReadOnlyList<EnvelopeDto>> GetHistory(Guid actorId, int deviceId, Guid? before, int limit)
    {
        RequireMember(actorId);
        return envelopes.HistoryAsync(ConversationId, actorId, deviceId, before, Math.Clamp(limit, 1, 100));
    }

    public Task Typing(Guid actorId)
    {
        var current = RequireMember(actorId);
        UserFeeds.Publish(GrainFactory, current.Members.Where(m => m.Id != actorId).Select(m => m.Id), "dm:typing", new { conversationId = ConversationId, userId = actorId });
        return Task.CompletedTask;
    }

    private ConversationView RequireMember(Guid userId) =>
        view is not null && view.Members.Any(m => m.Id == userId)
            ? view
            : throw new DomainException(ErrorCodes.ConversationNotFound, "No such conversation.");

    private ConversationView RequireGroupMember(Guid userId)
    {
        var current = RequireMember(userId);
        return current.Kind == ConversationKind.Group
            ? current
            : throw DmRules.Invalid("conversationId", "a direct conversation has exactly its two members.");
    }

    /// <summary>A user who blocked the actor looks like no user at all to them.</summary>
    private async Task RequireNotBlockedByAsync(Guid actorId, IReadOnlyCollection<Guid> userIds)
    {
        if ((await conversations.BlockersAsync(actorId, userIds)).Count > 0)
        {
            throw new DomainException(ErrorCodes.UserNotFound, "No such user.");
        }
    }

    private async Task ReloadAndAnnounceAsync()
    {
        view = await conversations.GetAsync(ConversationId);
        if (view is not null)
        {
            UserFeeds.Publish(GrainFactory, view.Members.Select(m => m.Id), "dm:conversation", view);
        }
    }
}
