using LesCopains.Grains.Users;

namespace LesCopains.Api.Hubs;

/// <summary>
/// Names of the server → client hub events. Names follow the <c>domain:action</c> convention of
/// docs/API.md, which C# method names cannot express, so events are sent by name with typed payloads.
/// </summary>
public static class GatewayEvents
{
    public const string Ready = "ready";
    public const string SessionRevoked = "session:revoked";
    public const string TokenExpired = "token:expired";
    public const string GuildCreate = "guild:create";

    // Direct messages: sent by the grains through IUserFeedGrain under these names (see DmGateway).
    public const string DmEnvelope = "dm:envelope";
    public const string DmConversation = "dm:conversation";
    public const string DmRemoved = "dm:removed";
    public const string DmDevices = "dm:devices";
    public const string DmTyping = "dm:typing";
}

public sealed record ReadyEvent(UserDto User, Guid SessionId, DateTimeOffset TokenExpiresAt);

public sealed record SessionRevokedEvent(Guid SessionId);

public sealed record TokenExpiredEvent(DateTimeOffset ExpiredAt);

public sealed record ReauthenticateResult(DateTimeOffset TokenExpiresAt);

public sealed record SendMessageRequest(Guid ChannelId, string? Content, string? Nonce, Guid? ReplyTo);

/// <summary>A user as the Api shows it.</summary>
public sealed record UserDto(string Id, string Username, string DisplayName, DateTimeOffset CreatedAt)
{
    public static UserDto From(UserProfile p) => new(p.Id.ToString(), p.Username, p.DisplayName, p.CreatedAt);
}
