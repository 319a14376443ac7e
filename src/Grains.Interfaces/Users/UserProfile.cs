namespace LesCopains.Grains.Users;

/// <summary>What other people and the owner see of an account.</summary>
[GenerateSerializer, Immutable, Alias("lc.UserProfile")]
public sealed record UserProfile(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Username,
    [property: Id(2)] string DisplayName,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] string? Bio = null,
    [property: Id(5)] bool Deleted = false)
{
    public const string DeletedDisplayName = "Deleted User";
}

/// <summary>
/// Who may send this person a friend request, as Discord's three switches: everyone, or only
/// friends of their friends and/or people they share a guild with. Accepting a request they sent
/// is always possible.
/// </summary>
[GenerateSerializer, Immutable, Alias("lc.FriendRequestPolicy")]
public sealed record FriendRequestPolicy(
    [property: Id(0)] bool Everyone,
    [property: Id(1)] bool FriendsOfFriends,
    [property: Id(2)] bool GuildMembers)
{
    public static readonly FriendRequestPolicy Open = new(true, true, true);
}

/// <summary>Two-factor authentication as its owner sees it.</summary>
[GenerateSerializer, Immutable, Alias("lc.MfaStatus")]
public sealed record MfaStatus(
    [property: Id(0)] bool Enabled,
    [property: Id(1)] int BackupCodesLeft);

/// <summary>A refresh session (one per login on one device).</summary>
[GenerateSerializer, Immutable, Alias("lc.SessionInfo")]
public sealed record SessionInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid UserId,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] DateTimeOffset LastUsedAt,
    [property: Id(4)] DateTimeOffset ExpiresAt,
    [property: Id(5)] string? UserAgent,
    [property: Id(6)] string? IpAddress,
    [property: Id(7)] bool Active);

/// <summary>A freshly issued refresh token (shown to the client once; stored only hashed).</summary>
[GenerateSerializer, Immutable, Alias("lc.IssuedRefreshToken")]
public sealed record IssuedRefreshToken(
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] Guid UserId,
    [property: Id(2)] string Token,
    [property: Id(3)] DateTimeOffset ExpiresAt);

/// <summary>Where a login comes from, for the session list.</summary>
[GenerateSerializer, Immutable, Alias("lc.ClientInfo")]
public sealed record ClientInfo(
    [property: Id(0)] string? UserAgent,
    [property: Id(1)] string? IpAddress);
