using System.Security.Cryptography;
using System.Text.Json;
using LesCopains.Grains.Channels;
using LesCopains.Grains.Presence;
using LesCopains.Grains.Users;
using Microsoft.Extensions.Logging;

namespace LesCopains.Grains.Guilds;

/// <summary>
/// The authority for one guild. Every method checks the actor's permission with
/// <see cref="PermissionCalculator"/>, writes the change (state, member table, audit log) and
/// then publishes one event to every subscribed Api node.
/// </summary>
public sealed partial class GuildGrain(
    [PersistentState("guild", StorageNames.Postgres)] IPersistentState<GuildState> state,
    GuildMemberStore members,
    Channels.MessageStore channelDirectory,
    AuditLogStore audit,
    GuildIconStore icons,
    GuildEmojiStore emojis,
    Channels.ThreadStore threads,
    TimeProvider time,
    ILogger<GuildGrain> logger) : Grain, IGuildGrain
{
    private readonly Dictionary<Guid, Member> memberCache = [];
    private readonly Dictionary<IGuildObserver, DateTimeOffset> observers = [];
    private readonly RelayNumbering relayNumbering = new();

    /// <summary>Channel grains caching this guild's view (permissions, gateways); told of every change.</summary>
    private readonly HashSet<Guid> viewers = [];

    private Guid GuildId => this.GetPrimaryKey();

    private GuildState S => state.State;

    private DateTimeOffset Now => time.GetUtcNow();

    // ---------------------------------------------------------------- guild

    public async Task<GuildViewDto> Create(Guid ownerId, string name)
    {
        if (S.Created)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "This guild already exists.");
        }

        var now = Now;
        S.Created = true;
        S.Name = GuildRules.GuildName(name);
        S.OwnerId = ownerId;
        S.CreatedAt = now;
        S.Roles = [new Role(GuildId, "@everyone", 0, 0, Permissions.DefaultEveryone)];
        var textCategory = Guid.CreateVersion7();
        var voiceCategory = Guid.CreateVersion7();
        S.Channels =
        [
            new Channel(textCategory, ChannelType.Category, "Text Channels", "", null, 0, [], false),
            new Channel(Guid.CreateVersion7(), ChannelType.Text, "general", "", textCategory, 0, [], true),
            new Channel(voiceCategory, ChannelType.Category, "Voice Channels", "", null, 1, [], false),
            new Channel(Guid.CreateVersion7(), ChannelType.Voice, "General", "", voiceCategory, 0, [], true),
        ];
        foreach (var channel in S.Channels.Where(c => c.Type != ChannelType.Category))
        {
            await channelDirectory.AddChannelAsync(channel.Id, GuildId, (int)channel.Type);
        }

        var owner = new Member(ownerId, null, [], now, null);
        await members.AddAsync(GuildId, owner);
        memberCache[ownerId] = owner;
        S.MemberCount = 1;
        S.Version = 1;
        await SaveAsync();
        await AuditAsync(ownerId, "guild_create", GuildId, null, new { name = S.Name });
        return GuildViewDto.For(Current(), owner, now);
    }

    public async Task<GuildViewDto> GetView(Guid actorId) =>
        GuildViewDto.For(Current(), await RequireMemberAsync(actorId), Now);

    public async Task<Member?> GetMember(Guid userId) => S.Created && !S.Deleted ? await FindMemberAsync(userId) : null;

    public async Task<GuildViewDto> Update(Guid actorId, string name)
    {
        var actor = await RequirePermissionAsync(actorId, Permissions.ManageGuild);
        var newName = GuildRules.GuildName(name);
        if (newName != S.Name)
        {
            var old = S.Name;
            S.Name = newName;
            await SaveAsync();
            await AuditAsync(actorId, "guild_update", GuildId, null, new { name = new { old, @new = newName } });
            Publish("guild:update", new { guildId = GuildId, name = newName });
        }

        return GuildViewDto.For(Current(), actor, Now);
    }

    public async Task<GuildViewDto> TransferOwnership(Guid actorId, Guid newOwnerId)
    {
        var actor = await RequireMemberAsync(actorId);
        if (actorId != S.OwnerId)
        {
            throw new DomainException(ErrorCodes.MissingPermission, "Only the owner can transfer the guild.");
        }

        if (newOwnerId == actorId)
        {
            throw GuildRules.Invalid("ownerId", "you already own this guild.");
        }

        _ = await FindMemberAsync(newOwnerId) ?? throw new DomainException(ErrorCodes.MemberNotFound, "No such member.");
        S.OwnerId = newOwnerId;
        // The owner has every permission: each gateway recomputes who sees what from the new version.
        S.Version++;
        await SaveAsync();
        await AuditAsync(actorId, "guild_owner_update", newOwnerId, null, new { owner = new { old = actorId, @new = newOwnerId } });
        Publish("guild:update", new { guildId = GuildId, ownerId = newOwnerId });
        return GuildViewDto.For(Current(), actor, Now);
    }

    public async Task Delete(Guid actorId)
    {
        await RequireMemberAsync(actorId);
        if (actorId != S.OwnerId)
        {
            throw new DomainException(ErrorCodes.MissingPermission, "Only the owner can delete the guild.");
        }

        S.Deleted = true;
        S.Version++;
        await SaveAsync();
        Publish("guild:delete", new { guildId = GuildId });
        if (S.Icon is not null)
        {
            // The bytes go with the row once nothing else refers to them (the Api forgets them).
            await icons.SetAsync(GuildId, null, null);
        }

        if (S.Emojis.Count > 0)
        {
            await emojis.DeleteGuildAsync(GuildId);
        }

        // Take the guild off every member's list, page by page.
        (string, Guid)? after = null;
        while (true)
        {
            var page = await members.PageAsync(GuildId, after, 1000);
            foreach (var (member, _) in page)
            {
                await GrainFactory.GetGrain<IUserGrain>(member.UserId).RemoveGuild(GuildId);
            }

            if (page.Count < 1000)
            {
                break;
            }

            after = (page[^1].Name, page[^1].Member.UserId);
        }

        await members.DeleteGuildAsync(GuildId);
        foreach (var code in S.Invites.Keys)
        {
            await GrainFactory.GetGrain<IInviteCodeGrain>(IInviteCodeGrain.KeyFor(code)).Clear();
        }

        memberCache.Clear();
        LogDeleted(GuildId, actorId);
    }

    // ---------------------------------------------------------------- channels

    public async Task<Channel> CreateChannel(Guid actorId, ChannelType type, string name, Guid? parentId, string? topic)
    {
        await RequirePermissionAsync(actorId, Permissions.ManageChannels);
        if (!Enum.IsDefined(type))
        {
            throw GuildRules.Invalid("type", "must be text, voice or category.");
        }

        if (S.Channels.Count >= GuildRules.MaxChannels)
        {
            throw new DomainException(ErrorCodes.LimitReached, $"A guild has at most {GuildRules.MaxChannels} channels.");
        }

        if (parentId is { } pid && (type == ChannelType.Category || S.Channels.FirstOrDefault(c => c.Id == pid) is not { Type: ChannelType.Category }))
        {
            throw GuildRules.Invalid("parentId", "must be a category (and categories cannot be nested).");
        }

        var siblings = S.Channels.Where(c => c.ParentId == parentId).ToList();
        var channel = new Channel(
            Guid.CreateVersion7(), type, GuildRules.ChannelName(name, type), GuildRules.Topic(topic), parentId,
            siblings.Count == 0 ? 0 : siblings.Max(c => c.Position) + 1, [], parentId is not null);
        if (type != ChannelType.Category)
        {
            await channelDirectory.AddChannelAsync(channel.Id, GuildId, (int)type);
        }

        S.Channels.Add(channel);
        S.Version++;
        await SaveAsync();
        await AuditAsync(actorId, "channel_create", channel.Id, null, new { name = channel.Name, type = ChannelDto.TypeName(type) });
        Publish("channel:create", new { guildId = GuildId, channel = ChannelDto.From(GuildId, channel) }, channel.Id);
        return channel;
    }

    public Task<Channel> UpdateChannel(Guid actorId, Guid channelId, string? name, string? topic, bool? syncWithCategory) =>
        UpdateChannel(actorId, channelId, name, topic, syncWithCategory, null);

    public async Task<Channel> UpdateChannel(Guid actorId, Guid channelId, string? name, string? topic, bool? syncWithCategory, int? rateLimitPerUser)
    {
        await RequireMemberAsync(actorId); // before the channel: non-members learn nothing
        var channel = RequireChannel(channelId);
        await RequireChannelPermissionAsync(actorId, channel, Permissions.ManageChannels);
        if (rateLimitPerUser is not null && channel.Type != ChannelType.Text)
        {
            throw GuildRules.Invalid("rateLimitPerUser", "Slowmode is for text channels.");
        }

        var updated = channel with
        {
            Name = name is null ? channel.Name : GuildRules.ChannelName(name, channel.Type),
            Topic = topic is null ? channel.Topic : GuildRules.Topic(topic),
            RateLimitPerUser = rateLimitPerUser is { } seconds ? GuildRules.RateLimitPerUser(seconds) : channel.RateLimitPerUser,
        };
        if (syncWithCategory is { } sync)
        {
            if (sync && channel.ParentId is { } parentId)
            {
                updated = updated with { PermissionsSynced = true, Overwrites = RequireChannel(parentId).Overwrites };
            }
            else
            {
                updated = updated with { PermissionsSynced = false };
            }
        }

        await ReplaceChannelAsync(actorId, channel, updated, "channel_update");
        return updated;
    }

    public async Task<IReadOnlyList<Channel>> MoveChannels(Guid actorId, IReadOnlyList<ChannelMove> moves)
    {
        await RequirePermissionAsync(actorId, Permissions.ManageChannels);
        if (moves.Count is 0 or > GuildRules.MaxChannels || moves.Select(m => m.ChannelId).Distinct().Count() != moves.Count)
        {
            throw GuildRules.Invalid("positions", "must list each channel at most once.");
        }

        var before = Snapshot();
        var channels = S.Channels.ToList();
        foreach (var move in moves)
        {
            var index = channels.FindIndex(c => c.Id == move.ChannelId);
            if (index < 0)
            {
                throw new DomainException(ErrorCodes.ChannelNotFound, "No such channel.");
            }

            var channel = channels[index];
            var parentId = move.ChangeParent ? move.ParentId : channel.ParentId;
            if (parentId is { } pid && (channel.Type == ChannelType.Category || channels.FirstOrDefault(c => c.Id == pid) is not { Type: ChannelType.Category }))
            {
                throw GuildRules.Invalid("parentId", "must be a category (and categories cannot be nested).");
            }

            if (move.Position is < 0 or > GuildRules.MaxChannels)
            {
                throw GuildRules.Invalid("position", "is out of range.");
            }

            channels[index] = channel with
            {
                Position = move.Position,
                ParentId = parentId,
                PermissionsSynced = channel.PermissionsSynced && parentId == channel.ParentId,
            };
        }

        S.Channels = Normalize(channels);
        S.Version++;
        await SaveAsync();
        await AuditAsync(actorId, "channel_move", null, null, new { moves = moves.Select(m => new { m.ChannelId, m.Position, m.ParentId }) });
        foreach (var channel in S.Channels.Where(c => !before.Channels.Contains(c)))
        {
            Publish("channel:update", new { guildId = GuildId, channel = ChannelDto.From(GuildId, channel) }, channel.Id);
        }

        return S.Channels;
    }

    public async Task DeleteChannel(Guid actorId, Guid channelId)
    {
        await RequireMemberAsync(actorId); // before the channel: non-members learn nothing
        var channel = RequireChannel(channelId);
        await RequireChannelPermissionAsync(actorId, channel, Permissions.ManageChannels);
        var children = S.Channels.Where(c => c.ParentId == channelId).ToList();

        // Tell viewers before it disappears from the snapshot they are filtered with.
        Publish("channel:delete", new { guildId = GuildId, channel = ChannelDto.From(GuildId, channel) }, channel.Id);
        S.Channels.Remove(channel);
        foreach (var child in children)
        {
            S.Channels[S.Channels.IndexOf(child)] = child with { ParentId = null, PermissionsSynced = false };
        }

        S.Channels = Normalize(S.Channels);
        S.Version++;
        await SaveAsync();
        await channelDirectory.DeleteChannelAsync(channelId);
        await AuditAsync(actorId, "channel_delete", channelId, null, new { name = channel.Name });
        foreach (var child in S.Channels.Where(c => children.Any(o => o.Id == c.Id)))
        {
            Publish("channel:update", new { guildId = GuildId, channel = ChannelDto.From(GuildId, child) }, child.Id);
        }
    }

    public async Task<Channel> SetOverwrite(Guid actorId, Guid channelId, PermissionOverwrite overwrite)
    {
        await RequireMemberAsync(actorId); // before the channel: non-members learn nothing
        var channel = RequireChannel(channelId);
        var actor = await RequireChannelPermissionAsync(actorId, channel, Permissions.ManageRoles);
        if (overwrite.TargetType == OverwriteTarget.Role && S.Roles.All(r => r.Id != overwrite.TargetId))
        {
            throw new DomainException(ErrorCodes.RoleNotFound, "No such role.");
        }

        if (overwrite.TargetType == OverwriteTarget.Member && await FindMemberAsync(overwrite.TargetId) is null)
        {
            throw new DomainException(ErrorCodes.MemberNotFound, "No such member.");
        }

        if (((overwrite.Allow | overwrite.Deny) & ~Permissions.All) != 0 || (overwrite.Allow & overwrite.Deny) != 0)
        {
            throw GuildRules.Invalid("allow", "allow and deny must be known permissions and must not overlap.");
        }

        var clean = overwrite with { Allow = overwrite.Allow & ~Permissions.GuildOnly, Deny = overwrite.Deny & ~Permissions.GuildOnly };
        var actorPermissions = PermissionCalculator.InChannel(Current(), actor, channel, Now);
        if (!actorPermissions.HasFlag(Permissions.Administrator) && ((clean.Allow | clean.Deny) & ~actorPermissions) != 0)
        {
            throw new DomainException(ErrorCodes.MissingPermission, "You cannot allow or deny a permission you do not have.");
        }

        var overwrites = channel.Overwrites.Where(o => o.TargetId != clean.TargetId).Append(clean).ToList();
        var updated = channel with { Overwrites = overwrites, PermissionsSynced = false };
        await ReplaceChannelAsync(actorId, channel, updated, "overwrite_update", clean.TargetId);
        await SyncChildrenAsync(updated);
        return updated;
    }

    public async Task<Channel> DeleteOverwrite(Guid actorId, Guid channelId, Guid targetId)
    {
        await RequireMemberAsync(actorId); // before the channel: non-members learn nothing
        var channel = RequireChannel(channelId);
        await RequireChannelPermissionAsync(actorId, channel, Permissions.ManageRoles);
        if (channel.Overwrites.All(o => o.TargetId != targetId))
        {
            return channel;
        }

        var updated = channel with { Overwrites = channel.Overwrites.Where(o => o.TargetId != targetId).ToList(), PermissionsSynced = false };
        await ReplaceChannelAsync(actorId, channel, updated, "overwrite_delete", targetId);
        await SyncChildrenAsync(updated);
        return updated;
    }

    // ---------------------------------------------------------------- roles

    public async Task<Role> CreateRole(Guid actorId, string name, int color, Permissions permissions)
    {
        var actor = await RequirePermissionAsync(actorId, Permissions.ManageRoles);
        if (S.Roles.Count >= GuildRules.MaxRoles)
        {
            throw new DomainException(ErrorCodes.LimitReached, $"A guild has at most {GuildRules.MaxRoles} roles.");
        }

        RequireGrantable(actor, Permissions.None, permissions);
        var role = new Role(Guid.CreateVersion7(), GuildRules.RoleName(name), GuildRules.Color(color), 1, permissions);
        S.Roles = S.Roles.Select(r => r.Position >= 1 ? r with { Position = r.Position + 1 } : r).Append(role).ToList();
        S.Version++;
        await SaveAsync();
        await AuditAsync(actorId, "role_create", role.Id, null, new { name = role.Name, permissions = RoleDto.Bits(permissions) });
        PublishRoles("role:create", role);
        return role;
    }

    public async Task<Role> UpdateRole(Guid actorId, Guid roleId, string? name, int? color, Permissions? permissions)
    {
        var actor = await RequirePermissionAsync(actorId, Permissions.ManageRoles);
        var role = RequireRole(roleId);
        RequireBelow(actor, role);
        if (permissions is { } p)
        {
            RequireGrantable(actor, role.Permissions, p);
        }

        var updated = role with
        {
            Name = name is null || role.Id == GuildId ? role.Name : GuildRules.RoleName(name),
            Color = color is { } c ? GuildRules.Color(c) : role.Color,
            Permissions = permissions ?? role.Permissions,
        };
        S.Roles[S.Roles.IndexOf(role)] = updated;
        S.Version++;
        await SaveAsync();
        await AuditAsync(actorId, "role_update", roleId, null, new
        {
            name = updated.Name != role.Name ? new { old = role.Name, @new = updated.Name } : null,
            permissions = updated.Permissions != role.Permissions ? new { old = RoleDto.Bits(role.Permissions), @new = RoleDto.Bits(updated.Permissions) } : null,
            color = updated.Color != role.Color ? new { old = role.Color, @new = updated.Color } : null,
        });
        PublishRoles("role:update", updated);
        return updated;
    }

    public async Task<IReadOnlyList<Role>> MoveRole(Guid actorId, Guid roleId, int position)
    {
        var actor = await RequirePermissionAsync(actorId, Permissions.ManageRoles);
        var role = RequireRole(roleId);
        if (role.Id == GuildId)
        {
            throw GuildRules.Invalid("position", "@everyone always stays at the bottom.");
        }

        RequireBelow(actor, role);
        var top = S.Roles.Count - 1;
        position = Math.Clamp(position, 1, top);
        if (position >= PermissionCalculator.HighestPosition(Current(), actor))
        {
            throw new DomainException(ErrorCodes.Hierarchy, "You can only move roles below your highest role.");
        }

        var ordered = S.Roles.Where(r => r.Id != GuildId && r.Id != roleId).OrderBy(r => r.Position).ToList();
        ordered.Insert(position - 1, role);
        S.Roles = [S.Roles.First(r => r.Id == GuildId), .. ordered.Select((r, i) => r with { Position = i + 1 })];
        S.Version++;
        await SaveAsync();
        await AuditAsync(actorId, "role_move", roleId, null, new { position });
        foreach (var moved in S.Roles)
        {
            PublishRoles("role:update", moved);
        }

        return S.Roles;
    }

    public async Task DeleteRole(Guid actorId, Guid roleId)
    {
        var actor = await RequirePermissionAsync(actorId, Permissions.ManageRoles);
        var role = RequireRole(roleId);
        if (role.Id == GuildId)
        {
            throw GuildRules.Invalid("roleId", "@everyone cannot be deleted.");
        }

        RequireBelow(actor, role);
        await members.RemoveRoleAsync(GuildId, roleId);
        foreach (var (id, member) in memberCache.ToList())
        {
            if (member.RoleIds.Contains(roleId))
            {
                memberCache[id] = member with { RoleIds = member.RoleIds.Where(r => r != roleId).ToList() };
            }
        }

        S.Roles = S.Roles.Where(r => r.Id != roleId).OrderBy(r => r.Position).Select((r, i) => r with { Position = i }).ToList();
        S.Channels = S.Channels.Select(c => c with { Overwrites = c.Overwrites.Where(o => o.TargetId != roleId).ToList() }).ToList();
        S.Version++;
        await SaveAsync();
        await AuditAsync(actorId, "role_delete", roleId, null, new { name = role.Name });
        PublishRoles("role:delete", role);
    }

    // ---------------------------------------------------------------- members

    public async Task<MemberPage> ListMembers(Guid actorId, string? after, int limit)
    {
        var from = after is null ? ((string Name, Guid UserId)?)null
            : MemberCursor.Parse(after) ?? throw new DomainException(ErrorCodes.ValidationFailed, "after: not a cursor this list gave (use the previous page's next).");
        await RequireMemberAsync(actorId);
        limit = Math.Clamp(limit, 1, 1000);
        var page = await members.PageAsync(GuildId, from, limit + 1);
        return page.Count > limit
            ? new MemberPage(page.Take(limit).Select(m => m.Member).ToList(), MemberCursor.Of(page[limit - 1].Name, page[limit - 1].Member.UserId))
            : new MemberPage(page.Select(m => m.Member).ToList(), null);
    }

    public async Task<IReadOnlyList<MemberDto>> SearchMembers(Guid actorId, string query, int limit)
    {
        query = query.Trim();
        if (query.Length is 0 or > GuildRules.MaxMemberQuery)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, $"query: 1 to {GuildRules.MaxMemberQuery} characters.");
        }

        if (limit is < 1 or > GuildRules.MaxMemberSearchResults)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, $"limit: 1 to {GuildRules.MaxMemberSearchResults}.");
        }

        await RequireMemberAsync(actorId);
        return await members.SearchAsync(GuildId, query, limit);
    }

    public async Task<IReadOnlyList<MemberDto>> FindMembers(Guid actorId, IReadOnlyList<Guid> userIds)
    {
        if (userIds.Count > GuildRules.MaxMemberLookup)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, $"ids: at most {GuildRules.MaxMemberLookup} user ids.");
        }

        await RequireMemberAsync(actorId);
        return userIds.Count == 0 ? [] : await members.FindAsync(GuildId, userIds.Distinct().ToArray());
    }

    public async Task<MemberDto> UpdateMember(Guid actorId, Guid userId, string? nickname, bool clearNickname, IReadOnlyList<Guid>? roleIds)
    {
        var actor = await RequireMemberAsync(actorId);
        var target = await FindMemberAsync(userId) ?? throw new DomainException(ErrorCodes.MemberNotFound, "No such member.");
        var guild = Current();
        var actorBase = PermissionCalculator.Base(guild, actor, Now);
        var updated = target;

        if (nickname is not null || clearNickname)
        {
            if (actorId != userId)
            {
                RequireFlag(actorBase, Permissions.ManageRoles);
                RequireOutranks(guild, actor, target);
            }

            updated = updated with { Nickname = clearNickname ? null : GuildRules.Nickname(nickname) };
        }

        if (roleIds is not null)
        {
            RequireFlag(actorBase, Permissions.ManageRoles);
            var wanted = roleIds.Distinct().Where(id => id != GuildId).ToList();
            foreach (var id in wanted)
            {
                RequireRole(id);
            }

            var highest = PermissionCalculator.HighestPosition(guild, actor);
            foreach (var changed in wanted.Except(target.RoleIds).Concat(target.RoleIds.Except(wanted)))
            {
                if (S.Roles.FirstOrDefault(r => r.Id == changed) is { } role && role.Position >= highest)
                {
                    throw new DomainException(ErrorCodes.Hierarchy, $"You can only give or take roles below your highest role ({role.Name}).");
                }
            }

            updated = updated with { RoleIds = wanted };
        }

        if (updated != target)
        {
            await members.UpdateAsync(GuildId, updated);
            memberCache[userId] = updated;
            S.Version++;
            await SaveAsync();
            await AuditAsync(actorId, "member_update", userId, null, new
            {
                nickname = updated.Nickname != target.Nickname ? new { old = target.Nickname, @new = updated.Nickname } : null,
                roles = updated.RoleIds.SequenceEqual(target.RoleIds) ? null : new { added = updated.RoleIds.Except(target.RoleIds), removed = target.RoleIds.Except(updated.RoleIds) },
            });
            await PublishMemberAsync("member:update", updated);
        }

        return await ToDtoAsync(updated);
    }

    public async Task Leave(Guid userId)
    {
        var member = await RequireMemberAsync(userId);
        if (userId == S.OwnerId)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "The owner cannot leave; transfer the ownership or delete the guild first.");
        }

        await RemoveMemberAsync(member, "member:leave");
    }

    public async Task Kick(Guid actorId, Guid userId, string? reason)
    {
        var actor = await RequirePermissionAsync(actorId, Permissions.KickMembers);
        var target = await FindMemberAsync(userId) ?? throw new DomainException(ErrorCodes.MemberNotFound, "No such member.");
        RequireOutranks(Current(), actor, target);
        await RemoveMemberAsync(target, "member:leave");
        await AuditAsync(actorId, "member_kick", userId, Reason(reason), new { });
    }

    public async Task BanMember(Guid actorId, Guid userId, string? reason, int deleteMessageSeconds)
    {
        var actor = await RequirePermissionAsync(actorId, Permissions.BanMembers);
        if (deleteMessageSeconds is < 0 or > 604800)
        {
            throw GuildRules.Invalid("deleteMessageSeconds", "must be between 0 and 604800 (7 days).");
        }

        if (userId == S.OwnerId || userId == actorId)
        {
            throw new DomainException(ErrorCodes.Hierarchy, "You cannot ban the owner or yourself.");
        }

        var target = await FindMemberAsync(userId);
        if (target is not null)
        {
            RequireOutranks(Current(), actor, target);
        }
        else
        {
            // Banning a non-member (pre-emptive) needs the account to exist.
            _ = await GrainFactory.GetGrain<IUserGrain>(userId).GetProfile();
        }

        S.Bans[userId] = new Ban(userId, Reason(reason), actorId, Now);
        await SaveAsync();
        if (target is not null)
        {
            await RemoveMemberAsync(target, "member:leave");
        }

        var deleted = deleteMessageSeconds > 0
            ? await channelDirectory.DeleteRecentByAuthorAsync(GuildId, userId, Now - TimeSpan.FromSeconds(deleteMessageSeconds), Now)
            : [];
        // Each channel announces its own deletions: a thread's go to its parent's viewers, and its
        // live message count is corrected.
        foreach (var channel in deleted.GroupBy(d => d.ChannelId))
        {
            GrainFactory.GetGrain<IChannelGrain>(channel.Key).MessagesDeleted([.. channel.Select(d => d.Id)]).Ignore();
        }

        await AuditAsync(actorId, "member_ban_add", userId, Reason(reason), new { deleteMessageSeconds, deletedMessages = deleted.Count });
    }

    public async Task Unban(Guid actorId, Guid userId)
    {
        await RequirePermissionAsync(actorId, Permissions.BanMembers);
        if (!S.Bans.Remove(userId))
        {
            throw new DomainException(ErrorCodes.MemberNotFound, "This user is not banned.");
        }

        await SaveAsync();
        await AuditAsync(actorId, "member_ban_remove", userId, null, new { });
    }

    public async Task<IReadOnlyList<BanDto>> ListBans(Guid actorId)
    {
        await RequirePermissionAsync(actorId, Permissions.BanMembers);
        var bans = new List<BanDto>();
        foreach (var ban in S.Bans.Values.OrderByDescending(b => b.BannedAt))
        {
            string? username = null;
            try
            {
                username = (await GrainFactory.GetGrain<IUserGrain>(ban.UserId).GetProfile()).Username;
            }
            catch (DomainException)
            {
                // Account gone; the ban stays.
            }

            bans.Add(new BanDto(ban.UserId, username, ban.Reason, ban.BannedBy, ban.BannedAt));
        }

        return bans;
    }

    public async Task<MemberDto> Timeout(Guid actorId, Guid userId, DateTimeOffset? until, string? reason)
    {
        var actor = await RequirePermissionAsync(actorId, Permissions.ModerateMembers);
        var target = await FindMemberAsync(userId) ?? throw new DomainException(ErrorCodes.MemberNotFound, "No such member.");
        RequireOutranks(Current(), actor, target);
        if (until is { } u && (u <= Now || u > Now + GuildRules.MaxTimeout))
        {
            throw GuildRules.Invalid("until", "must be in the future and at most 28 days away (null removes the timeout).");
        }

        var updated = target with { TimeoutUntil = until };
        await members.UpdateAsync(GuildId, updated);
        memberCache[userId] = updated;
        S.Version++;
        await SaveAsync();
        await AuditAsync(actorId, "member_timeout", userId, Reason(reason), new { until });
        await PublishMemberAsync("member:update", updated);
        return await ToDtoAsync(updated);
    }

    // ---------------------------------------------------------------- invites

    public async Task<Invite> CreateInvite(Guid actorId, Guid channelId, TimeSpan? maxAge, int maxUses)
    {
        await RequireMemberAsync(actorId); // before the channel: non-members learn nothing
        var channel = RequireChannel(channelId);
        await RequireChannelPermissionAsync(actorId, channel, Permissions.CreateInvite);
        if (channel.Type == ChannelType.Category)
        {
            throw GuildRules.Invalid("channelId", "must be a text or voice channel.");
        }

        if (maxUses is < 0 or > 100 || maxAge is { } age && (age < TimeSpan.Zero || age > TimeSpan.FromDays(7)))
        {
            throw GuildRules.Invalid("maxUses", "maxUses is 0 (unlimited) to 100; maxAgeSeconds is 0 (never) to 604800.");
        }

        PruneInvites();
        if (S.Invites.Count >= GuildRules.MaxInvites)
        {
            throw new DomainException(ErrorCodes.LimitReached, $"A guild has at most {GuildRules.MaxInvites} active invites.");
        }

        var now = Now;
        var lifetime = maxAge ?? TimeSpan.FromDays(7);
        var invite = new Invite(NewCode(), GuildId, channelId, actorId, now, lifetime == TimeSpan.Zero ? null : now + lifetime, maxUses, 0);
        await GrainFactory.GetGrain<IInviteCodeGrain>(IInviteCodeGrain.KeyFor(invite.Code)).Assign(GuildId);
        S.Invites[invite.Code] = invite;
        await SaveAsync();
        await AuditAsync(actorId, "invite_create", channelId, null, new { code = invite.Code, maxUses, expiresAt = invite.ExpiresAt });
        return invite;
    }

    public async Task<IReadOnlyList<Invite>> ListInvites(Guid actorId)
    {
        await RequirePermissionAsync(actorId, Permissions.ManageGuild);
        PruneInvites();
        return S.Invites.Values.OrderByDescending(i => i.CreatedAt).ToList();
    }

    public async Task RevokeInvite(Guid actorId, string code)
    {
        var actor = await RequireMemberAsync(actorId);
        if (!S.Invites.TryGetValue(code, out var invite))
        {
            throw new DomainException(ErrorCodes.InviteNotFound, "No such invite.");
        }

        if (invite.CreatorId != actorId)
        {
            RequireFlag(PermissionCalculator.Base(Current(), actor, Now), Permissions.ManageGuild);
        }

        S.Invites.Remove(code);
        await SaveAsync();
        await GrainFactory.GetGrain<IInviteCodeGrain>(IInviteCodeGrain.KeyFor(code)).Clear();
        await AuditAsync(actorId, "invite_delete", invite.ChannelId, null, new { code });
    }

    public Task<InvitePreview> PreviewInvite(string code)
    {
        var invite = UsableInvite(code);
        var channel = S.Channels.FirstOrDefault(c => c.Id == invite.ChannelId);
        return Task.FromResult(new InvitePreview(code, GuildId, S.Name, channel?.Name ?? "", S.MemberCount, invite.ExpiresAt, invite.ChannelId, S.Icon));
    }

    public async Task<GuildViewDto> JoinWithInvite(Guid userId, string code)
    {
        var invite = UsableInvite(code);
        if (await FindMemberAsync(userId) is { } existing)
        {
            return GuildViewDto.For(Current(), existing, Now);
        }

        if (S.Bans.ContainsKey(userId))
        {
            throw new DomainException(ErrorCodes.Banned, "You are banned from this guild.");
        }

        var user = GrainFactory.GetGrain<IUserGrain>(userId);
        await user.AddGuild(GuildId);
        var member = new Member(userId, null, [], Now, null);
        try
        {
            await members.AddAsync(GuildId, member);
        }
        catch
        {
            await user.RemoveGuild(GuildId);
            throw;
        }

        memberCache[userId] = member;
        S.Invites[code] = invite with { Uses = invite.Uses + 1 };
        S.MemberCount++;
        await SaveAsync();
        await PublishMemberAsync("member:join", member);
        return GuildViewDto.For(Current(), member, Now);
    }

    // ---------------------------------------------------------------- audit log and events

    public async Task<IReadOnlyList<AuditEntry>> ReadAuditLog(Guid actorId, Guid? before, int limit)
    {
        await RequirePermissionAsync(actorId, Permissions.ViewAuditLog);
        return await audit.PageAsync(GuildId, before, Math.Clamp(limit, 1, 100));
    }

    public async Task<ChannelAccess> GetChannelAccess(Guid userId, Guid channelId)
    {
        var channel = RequireChannel(channelId);
        var member = await FindMemberAsync(userId) ?? throw new DomainException(ErrorCodes.ChannelNotFound, "No such channel.");
        var permissions = PermissionCalculator.InChannel(Current(), member, channel, Now);
        return permissions.HasFlag(Permissions.ViewChannel)
            ? new ChannelAccess(channel.Type, permissions)
            : throw new DomainException(ErrorCodes.ChannelNotFound, "No such channel.");
    }

    public async Task<IReadOnlyList<Guid>> GetReadableChannels(Guid userId)
    {
        var member = await RequireMemberAsync(userId);
        var guild = Current();
        var now = Now;
        var readable = new List<Guid>();
        foreach (var channel in guild.Channels)
        {
            if (channel.Type == ChannelType.Text
                && PermissionCalculator.InChannel(guild, member, channel, now) is var permissions
                && permissions.HasFlag(Permissions.ViewChannel | Permissions.ReadMessageHistory))
            {
                readable.Add(channel.Id);
            }
        }

        return readable;
    }

    public Task Relay(GuildEvent guildEvent)
    {
        if (S.Created && !S.Deleted)
        {
            Deliver(guildEvent with { SnapshotVersion = 0 });
        }

        return Task.CompletedTask;
    }

    public async Task<GuildSnapshot> Subscribe(IGuildObserver observer)
    {
        RequireExists();
        var added = observers.TryAdd(observer, default);
        observers[observer] = Now + IGuildGrain.SubscriptionLifetime;
        if (added | PruneObservers())
        {
            // Channels publish to the gateways themselves: the new one gets their next event.
            await InvalidateViewsAsync();
        }

        return Snapshot();
    }

    public async Task Unsubscribe(IGuildObserver observer)
    {
        if (observers.Remove(observer))
        {
            await InvalidateViewsAsync();
        }
    }

    public Task<ChannelView> GetChannelView(Guid channelGrainId)
    {
        RequireExists();
        viewers.Add(channelGrainId);
        return Task.FromResult(new ChannelView(Snapshot(), LiveObservers()));
    }

    public async Task<Member?> GetAccessMember(Guid userId) => S.Created && !S.Deleted ? await FindMemberAsync(userId) : null;

    public Task ForgetChannelView(Guid channelGrainId)
    {
        viewers.Remove(channelGrainId);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The registry of viewers does not outlive this activation: let them ask the next one.
        await InvalidateViewsAsync();
        viewers.Clear();
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>
    /// Persists the state, then (before the caller's change completes) makes every channel grain
    /// drop its cached view, so a revoked permission, a ban or a new gateway applies to the next send.
    /// </summary>
    private async Task SaveAsync()
    {
        await state.WriteStateAsync();
        await InvalidateViewsAsync();
    }

    private async Task InvalidateViewsAsync()
    {
        if (viewers.Count == 0)
        {
            return;
        }

        var version = S.Version;
        var gateways = LiveObservers();
        var ids = viewers.ToList();
        var calls = ids.Select(id => GrainFactory.GetGrain<Channels.IChannelGrain>(id).InvalidateGuildView(version, gateways)).ToList();
        try
        {
            await Task.WhenAll(calls);
        }
        catch (Exception ex)
        {
            // The change is stored; a channel that did not answer refetches when its view's lease ends.
            LogInvalidateFailed(ex, GuildId);
            for (var i = 0; i < ids.Count; i++)
            {
                if (!calls[i].IsCompletedSuccessfully)
                {
                    viewers.Remove(ids[i]);
                }
            }
        }
    }

    private IGuildObserver[] LiveObservers()
    {
        var now = Now;
        return observers.Where(o => o.Value > now).Select(o => o.Key).ToArray();
    }

    /// <summary>Drops expired subscriptions; true when there were any.</summary>
    private bool PruneObservers()
    {
        var now = Now;
        var expired = observers.Where(o => o.Value <= now).Select(o => o.Key).ToList();
        foreach (var observer in expired)
        {
            observers.Remove(observer);
        }

        return expired.Count > 0;
    }

    /// <summary>A copy that outlives later changes: for Api nodes and before/after comparisons.</summary>
    private GuildSnapshot Snapshot() =>
        new(GuildId, S.Name, S.OwnerId, S.Roles.ToList(), S.Channels.ToList(), S.Version, S.MemberCount, S.CreatedAt, S.Icon, S.Emojis.ToList());

    /// <summary>The live state for permission checks within one turn (no copy: this runs on every send).</summary>
    private GuildSnapshot Current() =>
        new(GuildId, S.Name, S.OwnerId, S.Roles, S.Channels, S.Version, S.MemberCount, S.CreatedAt, S.Icon, S.Emojis);

    private void RequireExists()
    {
        if (!S.Created || S.Deleted)
        {
            throw new DomainException(ErrorCodes.GuildNotFound, "No such guild.");
        }
    }

    private async Task<Member?> FindMemberAsync(Guid userId)
    {
        if (memberCache.TryGetValue(userId, out var cached))
        {
            return cached;
        }

        var member = await members.GetAsync(GuildId, userId);
        if (member is not null)
        {
            memberCache[userId] = member;
        }

        return member;
    }

    /// <summary>Non-members learn nothing, not even that the guild exists.</summary>
    private async Task<Member> RequireMemberAsync(Guid userId)
    {
        RequireExists();
        return await FindMemberAsync(userId) ?? throw new DomainException(ErrorCodes.GuildNotFound, "No such guild.");
    }

    private async Task<Member> RequirePermissionAsync(Guid actorId, Permissions permission)
    {
        var actor = await RequireMemberAsync(actorId);
        RequireFlag(PermissionCalculator.Base(Current(), actor, Now), permission);
        return actor;
    }

    private async Task<Member> RequireChannelPermissionAsync(Guid actorId, Channel channel, Permissions permission)
    {
        var actor = await RequireMemberAsync(actorId);
        var permissions = PermissionCalculator.InChannel(Current(), actor, channel, Now);
        if (!permissions.HasFlag(Permissions.ViewChannel))
        {
            throw new DomainException(ErrorCodes.ChannelNotFound, "No such channel.");
        }

        RequireFlag(permissions, permission);
        return actor;
    }

    private static void RequireFlag(Permissions held, Permissions needed)
    {
        if (!held.HasFlag(Permissions.Administrator) && !held.HasFlag(needed))
        {
            throw new DomainException(ErrorCodes.MissingPermission, $"Missing permission: {Name(needed)}.");
        }
    }

    private static string Name(Permissions permission) =>
        PermissionNames.ByName.FirstOrDefault(p => p.Value == permission).Key ?? permission.ToString();

    private void RequireBelow(Member actor, Role role)
    {
        if (role.Id != GuildId && role.Position >= PermissionCalculator.HighestPosition(Current(), actor))
        {
            throw new DomainException(ErrorCodes.Hierarchy, "You can only manage roles below your highest role.");
        }
    }

    private void RequireOutranks(GuildSnapshot guild, Member actor, Member target)
    {
        if (target.UserId == S.OwnerId)
        {
            throw new DomainException(ErrorCodes.Hierarchy, "Nobody can act on the guild owner.");
        }

        if (actor.UserId == target.UserId)
        {
            throw new DomainException(ErrorCodes.Hierarchy, "You cannot do this to yourself.");
        }

        if (PermissionCalculator.HighestPosition(guild, target) >= PermissionCalculator.HighestPosition(guild, actor))
        {
            throw new DomainException(ErrorCodes.Hierarchy, "The member's highest role is not below yours.");
        }
    }

    /// <summary>Only bits the actor holds may be added to a role (owner and admins may add any).</summary>
    private void RequireGrantable(Member actor, Permissions current, Permissions wanted)
    {
        if ((wanted & ~Permissions.All) != 0)
        {
            throw GuildRules.Invalid("permissions", "contains unknown permission bits.");
        }

        var held = PermissionCalculator.Base(Current(), actor, Now);
        var added = wanted & ~current;
        if (!held.HasFlag(Permissions.Administrator) && (added & ~held) != 0)
        {
            throw new DomainException(ErrorCodes.MissingPermission, "You cannot grant a permission you do not have.");
        }
    }

    private Channel RequireChannel(Guid channelId)
    {
        RequireExists();
        return S.Channels.FirstOrDefault(c => c.Id == channelId) ?? throw new DomainException(ErrorCodes.ChannelNotFound, "No such channel.");
    }

    private Role RequireRole(Guid roleId) =>
        S.Roles.FirstOrDefault(r => r.Id == roleId) ?? throw new DomainException(ErrorCodes.RoleNotFound, "No such role.");

    private async Task ReplaceChannelAsync(Guid actorId, Channel old, Channel updated, string action, Guid? target = null)
    {
        S.Channels[S.Channels.IndexOf(old)] = updated;
        S.Version++;
        await SaveAsync();
        await AuditAsync(actorId, action, target ?? updated.Id, null, new
        {
            channelId = updated.Id,
            name = old.Name != updated.Name ? new { old = old.Name, @new = updated.Name } : null,
            topic = old.Topic != updated.Topic ? new { old = old.Topic, @new = updated.Topic } : null,
            overwrite = action.StartsWith("overwrite", StringComparison.Ordinal) ? updated.Overwrites.FirstOrDefault(o => o.TargetId == target) is { } o ? OverwriteDto.From(o) : null : null,
        });
        Publish("channel:update", new { guildId = GuildId, channel = ChannelDto.From(GuildId, updated) }, updated.Id);
    }

    /// <summary>Channels synced with a category follow its overwrites.</summary>
    private async Task SyncChildrenAsync(Channel category)
    {
        if (category.Type != ChannelType.Category)
        {
            return;
        }

        var changed = false;
        for (var i = 0; i < S.Channels.Count; i++)
        {
            if (S.Channels[i].ParentId == category.Id && S.Channels[i].PermissionsSynced)
            {
                S.Channels[i] = S.Channels[i] with { Overwrites = category.Overwrites };
                changed = true;
                Publish("channel:update", new { guildId = GuildId, channel = ChannelDto.From(GuildId, S.Channels[i]) }, S.Channels[i].Id);
            }
        }

        if (changed)
        {
            await SaveAsync();
        }
    }

    private async Task RemoveMemberAsync(Member member, string eventType)
    {
        await members.RemoveAsync(GuildId, member.UserId);
        memberCache.Remove(member.UserId);
        S.MemberCount = Math.Max(0, S.MemberCount - 1);
        S.Version++;
        S.Channels = S.Channels.Select(c => c with { Overwrites = c.Overwrites.Where(o => !(o.TargetType == OverwriteTarget.Member && o.TargetId == member.UserId)).ToList() }).ToList();
        await SaveAsync();
        await GrainFactory.GetGrain<IUserGrain>(member.UserId).RemoveGuild(GuildId);
        // Their thread memberships go too; each of those threads drops them from its member count.
        foreach (var threadId in await threads.RemoveMemberEverywhereAsync(GuildId, member.UserId))
        {
            GrainFactory.GetGrain<IChannelGrain>(threadId).ThreadMemberGone(member.UserId).Ignore();
        }

        // Out of the guild's presence at once: its snapshot is for members only (the user's presence
        // grain no longer announces here, so the entry would otherwise live on until it expired).
        await GrainFactory.GetGrain<IGuildPresenceGrain>(GuildId).Update(member.UserId, PresenceStatus.Offline, TimeSpan.Zero, null);
        await PublishMemberAsync(eventType, member);
    }

    private Invite UsableInvite(string code)
    {
        RequireExists();
        if (!S.Invites.TryGetValue(code, out var invite)
            || invite.ExpiresAt is { } expires && expires <= Now
            || invite.MaxUses > 0 && invite.Uses >= invite.MaxUses)
        {
            throw new DomainException(ErrorCodes.InviteNotFound, "This invite is invalid or has expired.");
        }

        return invite;
    }

    private void PruneInvites()
    {
        foreach (var (code, invite) in S.Invites.ToList())
        {
            if (invite.ExpiresAt is { } expires && expires <= Now || invite.MaxUses > 0 && invite.Uses >= invite.MaxUses)
            {
                S.Invites.Remove(code);
            }
        }
    }

    private static string NewCode()
    {
        const string Alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return string.Create(10, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
            }
        });
    }

    private static string? Reason(string? reason) => string.IsNullOrWhiteSpace(reason) ? null : reason.Trim()[..Math.Min(512, reason.Trim().Length)];

    /// <summary>Orders channels by (position, id) inside each parent and renumbers from 0.</summary>
    private static List<Channel> Normalize(List<Channel> channels)
    {
        var result = new List<Channel>();
        foreach (var group in channels.GroupBy(c => c.ParentId))
        {
            result.AddRange(group.OrderBy(c => c.Position).ThenBy(c => c.Id).Select((c, i) => c with { Position = i }));
        }

        return result;
    }

    private async Task<MemberDto> ToDtoAsync(Member member)
    {
        var profile = await GrainFactory.GetGrain<IUserGrain>(member.UserId).GetProfile();
        return new MemberDto(member.UserId, profile.Username, profile.DisplayName, member.Nickname, member.RoleIds, member.JoinedAt, member.TimeoutUntil);
    }

    /// <summary>The newest audit entry's id: the next one sorts after it even within the same millisecond (<see cref="SortableIds"/>).</summary>
    private Guid lastAuditId;

    private Task AuditAsync(Guid actorId, string action, Guid? targetId, string? reason, object changes)
    {
        lastAuditId = SortableIds.Next(lastAuditId, Now);
        return audit.AppendAsync(GuildId, new AuditEntry(lastAuditId, actorId, action, targetId, reason, AuditLogStore.Changes(changes), Now));
    }

    private async Task PublishMemberAsync(string type, Member member) =>
        Publish(type, new { guildId = GuildId, member = await ToDtoAsync(member) }, userId: member.UserId);

    private void PublishRoles(string type, Role role) =>
        Publish(type, new { guildId = GuildId, role = RoleDto.From(role) });

    /// <summary>One event per subscribed Api node; expired subscriptions are dropped.</summary>
    private void Publish(string type, object payload, Guid? channelId = null, Guid? userId = null)
    {
        Deliver(new GuildEvent(GuildId, type, JsonSerializer.Serialize(payload, JsonSerializerOptions.Web), channelId, userId, S.Version));
    }

    private void Deliver(GuildEvent evt)
    {
        var now = Now;
        foreach (var (observer, expires) in observers.ToList())
        {
            if (expires <= now)
            {
                observers.Remove(observer);
                continue;
            }

            try
            {
                observer.OnGuildEvent(relayNumbering.Stamp(observer, evt)).Ignore();
            }
            catch (Exception ex)
            {
                LogPublishFailed(ex, GuildId);
                observers.Remove(observer);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Guild {GuildId} deleted by {UserId}")]
    private partial void LogDeleted(Guid guildId, Guid userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell every channel of guild {GuildId} about a change")]
    private partial void LogInvalidateFailed(Exception exception, Guid guildId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish an event of guild {GuildId}")]
    private partial void LogPublishFailed(Exception exception, Guid guildId);
}
