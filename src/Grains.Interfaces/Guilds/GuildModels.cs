namespace LesCopains.Grains.Guilds;

public enum ChannelType
{
    Text = 0,
    Voice = 2,
    Category = 4,
}

public enum OverwriteTarget
{
    Role = 0,
    Member = 1,
}

/// <summary>Allow/deny bits for one role or member on one channel.</summary>
[GenerateSerializer, Immutable, Alias("lc.PermissionOverwrite")]
public sealed record PermissionOverwrite(
    [property: Id(0)] Guid TargetId,
    [property: Id(1)] OverwriteTarget TargetType,
    [property: Id(2)] Permissions Allow,
    [property: Id(3)] Permissions Deny);

[GenerateSerializer, Immutable, Alias("lc.Role")]
public sealed record Role(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] int Color,
    [property: Id(3)] int Position,
    [property: Id(4)] Permissions Permissions);

[GenerateSerializer, Immutable, Alias("lc.Channel")]
public sealed record Channel(
    [property: Id(0)] Guid Id,
    [property: Id(1)] ChannelType Type,
    [property: Id(2)] string Name,
    [property: Id(3)] string Topic,
    [property: Id(4)] Guid? ParentId,
    [property: Id(5)] int Position,
    [property: Id(6)] IReadOnlyList<PermissionOverwrite> Overwrites,
    [property: Id(7)] bool PermissionsSynced,
    [property: Id(8)] int RateLimitPerUser = 0);

[GenerateSerializer, Immutable, Alias("lc.Member")]
public sealed record Member(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string? Nickname,
    [property: Id(2)] IReadOnlyList<Guid> RoleIds,
    [property: Id(3)] DateTimeOffset JoinedAt,
    [property: Id(4)] DateTimeOffset? TimeoutUntil);

/// <summary>A guild's own emoji: an image in the blob store, written <c>&lt;:name:id&gt;</c> in messages.</summary>
[GenerateSerializer, Immutable, Alias("lc.GuildEmoji")]
public sealed record GuildEmoji(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Image,
    [property: Id(3)] string ContentType,
    [property: Id(4)] Guid CreatorId,
    [property: Id(5)] DateTimeOffset CreatedAt);

/// <summary>
/// Everything permission checks need: owner, roles and channels with their overwrites. The
/// @everyone role's id is the guild id. Api nodes keep a copy per guild to filter events locally.
/// </summary>
[GenerateSerializer, Immutable, Alias("lc.GuildSnapshot")]
public sealed record GuildSnapshot(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] Guid OwnerId,
    [property: Id(3)] IReadOnlyList<Role> Roles,
    [property: Id(4)] IReadOnlyList<Channel> Channels,
    [property: Id(5)] long Version,
    [property: Id(6)] int MemberCount,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] string? Icon = null,
    [property: Id(9)] IReadOnlyList<GuildEmoji>? Emojis = null)
{
    public Role Everyone => Roles.First(r => r.Id == Id);

    public Channel? FindChannel(Guid channelId) => Channels.FirstOrDefault(c => c.Id == channelId);
}

[GenerateSerializer, Immutable, Alias("lc.Invite")]
public sealed record Invite(
    [property: Id(0)] string Code,
    [property: Id(1)] Guid GuildId,
    [property: Id(2)] Guid ChannelId,
    [property: Id(3)] Guid CreatorId,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset? ExpiresAt,
    [property: Id(6)] int MaxUses,
    [property: Id(7)] int Uses);

[GenerateSerializer, Immutable, Alias("lc.InvitePreview")]
public sealed record InvitePreview(
    [property: Id(0)] string Code,
    [property: Id(1)] Guid GuildId,
    [property: Id(2)] string GuildName,
    [property: Id(3)] string ChannelName,
    [property: Id(4)] int MemberCount,
    [property: Id(5)] DateTimeOffset? ExpiresAt,
    [property: Id(6)] Guid ChannelId,
    [property: Id(7)] string? GuildIcon = null);

[GenerateSerializer, Immutable, Alias("lc.Ban")]
public sealed record Ban(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string? Reason,
    [property: Id(2)] Guid BannedBy,
    [property: Id(3)] DateTimeOffset BannedAt);

[GenerateSerializer, Immutable, Alias("lc.AuditEntry")]
public sealed record AuditEntry(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid ActorId,
    [property: Id(2)] string Action,
    [property: Id(3)] Guid? TargetId,
    [property: Id(4)] string? Reason,
    [property: Id(5)] string Changes,
    [property: Id(6)] DateTimeOffset CreatedAt);

/// <summary>
/// A change in a guild, sent once to every subscribed Api node, which delivers it to its local
/// connections of members who may see it (<see cref="ChannelId"/> set: only viewers of that channel;
/// <see cref="UserId"/> set: also that user even when no longer a member).
/// </summary>
[GenerateSerializer, Immutable, Alias("lc.GuildEvent")]
public sealed record GuildEvent(
    [property: Id(0)] Guid GuildId,
    [property: Id(1)] string Type,
    [property: Id(2)] string PayloadJson,
    [property: Id(3)] Guid? ChannelId,
    [property: Id(4)] Guid? UserId,
    [property: Id(5)] long SnapshotVersion)
{
    /// <summary>The sending grain activation (empty from silos that do not number their events).</summary>
    [Id(6)]
    public Guid RelaySource { get; init; }

    /// <summary>
    /// The number of the call this event came in, counted per receiving node from 1 by
    /// <see cref="RelaySource"/>: the node restores the order Orleans may not keep.
    /// </summary>
    [Id(7)]
    public long RelaySeq { get; init; }
}
