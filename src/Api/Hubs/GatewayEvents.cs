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
    public const string VoiceState = LesCopains.Grains.Voice.VoiceEvents.State;
    public const string VoiceRekey = LesCopains.Grains.Voice.VoiceEvents.Rekey;
    public const string VoiceKicked = LesCopains.Grains.Voice.VoiceEvents.Kicked;
    public const string VoiceMoved = LesCopains.Grains.Voice.VoiceEvents.Moved;
    public const string VoiceRejoin = LesCopains.Grains.Voice.VoiceEvents.Rejoin;
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
