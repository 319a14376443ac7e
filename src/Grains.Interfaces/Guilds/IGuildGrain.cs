using Orleans.Concurrency;

namespace LesCopains.Grains.Guilds;

/// <summary>
/// The authority for one guild: membership, roles, channels, permissions, invites, bans and the
/// audit log. Every method takes the acting user and checks their permission itself.
/// </summary>
[Alias("lc.IGuildGrain")]
public interface IGuildGrain : IGrainWithGuidKey
{
    [Alias("Create")]
    Task<GuildViewDto> Create(Guid ownerId, string name);

    /// <summary>The guild as <paramref name="actorId"/> may see it; <c>guild_not_found</c> for non-members.</summary>
    [Alias("GetView")]
    Task<GuildViewDto> GetView(Guid actorId);

    /// <summary>The member record, or <c>null</c> if the user is not a member.</summary>
    [Alias("GetMember")]
    Task<Member?> GetMember(Guid userId);

    [Alias("Update")]
    Task<GuildViewDto> Update(Guid actorId, string name);

    /// <summary>
    /// Makes <paramref name="newOwnerId"/> (a member) the owner; only the owner may. Audited
    /// (<c>guild_owner_update</c>); every member hears <c>guild:update {guildId, ownerId}</c>.
    /// </summary>
    [Alias("TransferOwnership")]
    Task<GuildViewDto> TransferOwnership(Guid actorId, Guid newOwnerId);

    [Alias("Delete")]
    Task Delete(Guid actorId);

    /// <summary>
    /// Sets the guild's icon (the SHA-256 of bytes already in the blob store, and their content
    /// type), or removes it with null; needs <c>MANAGE_GUILD</c>. Returns the icon it replaced, for
    /// the caller to forget its bytes.
    /// </summary>
    [Alias("SetIcon")]
    Task<string?> SetIcon(Guid actorId, string? icon, string? iconType);

    /// <summary>Adds an emoji (its picture already in the blob store); needs <c>MANAGE_GUILD_EXPRESSIONS</c>.</summary>
    [Alias("CreateEmoji")]
    Task<EmojiDto> CreateEmoji(Guid actorId, string name, string image, string contentType);

    [Alias("RenameEmoji")]
    Task<EmojiDto> RenameEmoji(Guid actorId, Guid emojiId, string name);

    /// <summary>Whether the guild has this emoji now (a reaction with it is being added).</summary>
    [Alias("HasEmoji")]
    [AlwaysInterleave]
    Task<bool> HasEmoji(Guid emojiId);

    /// <summary>Removes an emoji; returns its picture's hash, for the caller to forget the bytes.</summary>
    [Alias("DeleteEmoji")]
    Task<string> DeleteEmoji(Guid actorId, Guid emojiId);

    [Alias("CreateChannel")]
    Task<Channel> CreateChannel(Guid actorId, ChannelType type, string name, Guid? parentId, string? topic);

    [Alias("UpdateChannel")]
    Task<Channel> UpdateChannel(Guid actorId, Guid channelId, string? name, string? topic, bool? syncWithCategory);

    /// <summary>As <see cref="UpdateChannel(Guid, Guid, string?, string?, bool?)"/>, and slowmode (text channels only; null: unchanged).</summary>
    [Alias("UpdateChannelWithSlowmode")]
    Task<Channel> UpdateChannel(Guid actorId, Guid channelId, string? name, string? topic, bool? syncWithCategory, int? rateLimitPerUser);

    /// <summary>Moves channels (reorder and/or change category) in one change.</summary>
    [Alias("MoveChannels")]
    Task<IReadOnlyList<Channel>> MoveChannels(Guid actorId, IReadOnlyList<ChannelMove> moves);

    [Alias("DeleteChannel")]
    Task DeleteChannel(Guid actorId, Guid channelId);

    [Alias("SetOverwrite")]
    Task<Channel> SetOverwrite(Guid actorId, Guid channelId, PermissionOverwrite overwrite);

    [Alias("DeleteOverwrite")]
    Task<Channel> DeleteOverwrite(Guid actorId, Guid channelId, Guid targetId);

    [Alias("CreateRole")]
    Task<Role> CreateRole(Guid actorId, string name, int color, Permissions permissions);

    [Alias("UpdateRole")]
    Task<Role> UpdateRole(Guid actorId, Guid roleId, string? name, int? color, Permissions? permissions);

    [Alias("MoveRole")]
    Task<IReadOnlyList<Role>> MoveRole(Guid actorId, Guid roleId, int position);

    [Alias("DeleteRole")]
    Task DeleteRole(Guid actorId, Guid roleId);

    /// <summary>
    /// One page of members in the order the member list shows them: by shown name (nickname, else
    /// display name, else username), then user id. <paramref name="after"/> is the previous page's
    /// <see cref="MemberPage.Next"/>.
    /// </summary>
    [Alias("ListMembers")]
    Task<MemberPage> ListMembers(Guid actorId, string? after, int limit);

    /// <summary>
    /// Up to <paramref name="limit"/> (≤ <see cref="GuildRules.MaxMemberSearchResults"/>) members whose shown
    /// name or username starts with <paramref name="query"/> (1–<see cref="GuildRules.MaxMemberQuery"/>
    /// characters), case and accents aside, in the member list's order.
    /// </summary>
    [Alias("SearchMembers")]
    Task<IReadOnlyList<MemberDto>> SearchMembers(Guid actorId, string query, int limit);

    /// <summary>The members among <paramref name="userIds"/> (at most <see cref="GuildRules.MaxMemberLookup"/>), by user id; others are left out.</summary>
    [Alias("FindMembers")]
    Task<IReadOnlyList<MemberDto>> FindMembers(Guid actorId, IReadOnlyList<Guid> userIds);

    [Alias("UpdateMember")]
    Task<MemberDto> UpdateMember(Guid actorId, Guid userId, string? nickname, bool clearNickname, IReadOnlyList<Guid>? roleIds);

    [Alias("Leave")]
    Task Leave(Guid userId);

    [Alias("Kick")]
    Task Kick(Guid actorId, Guid userId, string? reason);

    [Alias("BanMember")]
    Task BanMember(Guid actorId, Guid userId, string? reason, int deleteMessageSeconds);

    [Alias("Unban")]
    Task Unban(Guid actorId, Guid userId);

    [Alias("ListBans")]
    Task<IReadOnlyList<BanDto>> ListBans(Guid actorId);

    [Alias("Timeout")]
    Task<MemberDto> Timeout(Guid actorId, Guid userId, DateTimeOffset? until, string? reason);

    [Alias("CreateInvite")]
    Task<Invite> CreateInvite(Guid actorId, Guid channelId, TimeSpan? maxAge, int maxUses);

    [Alias("ListInvites")]
    Task<IReadOnlyList<Invite>> ListInvites(Guid actorId);

    /// <summary>Revokes an invite; its creator or a member with MANAGE_GUILD.</summary>
    [Alias("RevokeInvite")]
    Task RevokeInvite(Guid actorId, string code);

    [Alias("PreviewInvite")]
    Task<InvitePreview> PreviewInvite(string code);

    /// <summary>Joins through an invite: checks expiry, uses and bans in one turn.</summary>
    [Alias("JoinWithInvite")]
    Task<GuildViewDto> JoinWithInvite(Guid userId, string code);

    [Alias("ReadAuditLog")]
    Task<IReadOnlyList<AuditEntry>> ReadAuditLog(Guid actorId, Guid? before, int limit);

    /// <summary>Registers an Api node's observer; renew within <see cref="SubscriptionLifetime"/>.</summary>
    /// <summary>The member's permissions in a channel and its type; <c>channel_not_found</c> when they cannot view it.</summary>
    [Alias("GetChannelAccess")]
    [AlwaysInterleave]
    Task<ChannelAccess> GetChannelAccess(Guid userId, Guid channelId);

    /// <summary>The text channels where the member has VIEW_CHANNEL and READ_MESSAGE_HISTORY; <c>guild_not_found</c> for non-members.</summary>
    [Alias("GetReadableChannels")]
    [AlwaysInterleave]
    Task<IReadOnlyList<Guid>> GetReadableChannels(Guid userId);

    /// <summary>
    /// What a channel grain needs to check permissions and publish by itself: a copy of the guild's
    /// roles and channels (with its version) and the subscribed Api nodes. The caller is told through
    /// <see cref="Channels.IChannelGrain.InvalidateGuildView"/> before any later change to roles,
    /// channels, members or subscribers completes, until it calls <see cref="ForgetChannelView"/>.
    /// </summary>
    [Alias("GetChannelView")]
    [AlwaysInterleave]
    Task<ChannelView> GetChannelView(Guid channelGrainId);

    /// <summary>A member record for a channel grain's permission cache (null: not a member).</summary>
    [Alias("GetAccessMember")]
    [AlwaysInterleave]
    Task<Member?> GetAccessMember(Guid userId);

    /// <summary>The channel grain no longer caches this guild's view (it deactivated).</summary>
    [Alias("ForgetChannelView")]
    [OneWay]
    [AlwaysInterleave]
    Task ForgetChannelView(Guid channelGrainId);

    /// <summary>Forwards an event (presence, voice) to every subscribed Api node.</summary>
    [Alias("Relay")]
    [OneWay]
    [AlwaysInterleave]
    Task Relay(GuildEvent guildEvent);

    [Alias("Subscribe")]
    Task<GuildSnapshot> Subscribe(IGuildObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(IGuildObserver observer);

    static TimeSpan SubscriptionLifetime => TimeSpan.FromMinutes(3);
}

[GenerateSerializer, Immutable, Alias("lc.ChannelAccess")]
public sealed record ChannelAccess(
    [property: Id(0)] ChannelType Type,
    [property: Id(1)] Permissions Permissions,
    [property: Id(2)] int RateLimitPerUser = 0);

/// <summary>A guild's permission inputs and its subscribed Api nodes, as cached by a channel grain.</summary>
[GenerateSerializer, Immutable, Alias("lc.ChannelView")]
public sealed record ChannelView(
    [property: Id(0)] GuildSnapshot Guild,
    [property: Id(1)] IGuildObserver[] Gateways);

[GenerateSerializer, Immutable, Alias("lc.ChannelMove")]
public sealed record ChannelMove(
    [property: Id(0)] Guid ChannelId,
    [property: Id(1)] int Position,
    [property: Id(2)] Guid? ParentId,
    [property: Id(3)] bool ChangeParent);

/// <summary>An Api node listening to a guild's events.</summary>
[Alias("lc.IGuildObserver")]
public interface IGuildObserver : IGrainObserver
{
    [Alias("OnGuildEvent")]
    [OneWay]
    Task OnGuildEvent(GuildEvent guildEvent);

    /// <summary>Several events of one guild, in order (a channel's events of one grain turn batch).</summary>
    [Alias("OnGuildEvents")]
    [OneWay]
    Task OnGuildEvents(GuildEvent[] guildEvents);
}

/// <summary>Routes an invite code to its guild.</summary>
[Alias("lc.IInviteCodeGrain")]
public interface IInviteCodeGrain : IGrainWithStringKey
{
    [Alias("Resolve")]
    Task<Guid?> Resolve();

    [Alias("Assign")]
    Task Assign(Guid guildId);

    [Alias("Clear")]
    Task Clear();

    static string KeyFor(string code) => "invite-" + code;
}
