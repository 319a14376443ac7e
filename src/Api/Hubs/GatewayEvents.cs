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

    // Sent by the channel grain through the guild fan-out; listed here for the docs and the gateway.
    public const string MessageCreate = "message:create";

    /// <summary>Several <see cref="MessageCreate"/> of one channel that were queued together (<see cref="EventBatches"/>).</summary>
    public const string MessagesCreate = "messages:create";
    public const string MentionCreate = "mention:create";

    /// <summary>To the user's own connections when they took a mention out of their inbox (sent by the recent-mentions grain through IUserFeedGrain).</summary>
    public const string MentionDismiss = LesCopains.Grains.Users.MentionRules.DismissEvent;
    public const string ReactionAdd = "reaction:add";
    public const string ReactionRemove = "reaction:remove";
    public const string PinAdd = "pin:add";
    public const string PinRemove = "pin:remove";
    public const string TypingStart = "typing:start";

    /// <summary>To the user's own connections after an ack.</summary>
    public const string ReadStateUpdate = "readstate:update";

    /// <summary>To the user's own connections when they joined or left a thread (sent by the thread's grain through IUserFeedGrain).</summary>
    public const string ThreadMemberUpdate = LesCopains.Grains.Channels.ThreadRules.MemberUpdateEvent;

    /// <summary>To the user's own connections after they changed a guild's notification settings.</summary>
    public const string NotificationSettingsUpdate = "notifications:update";
    public const string PresenceUpdate = LesCopains.Grains.Presence.PresenceRules.UpdateEvent;
    public const string PresenceSelf = "presence:self";
    // Direct messages: sent by the grains through IUserFeedGrain under these names (see DmGateway).
    public const string DmEnvelope = "dm:envelope";
    public const string DmConversation = "dm:conversation";
    public const string DmRemoved = "dm:removed";
    public const string DmDevices = "dm:devices";
    public const string DmTyping = "dm:typing";

    /// <summary>To the user's own connections after they blocked or unblocked someone (every tab and device follows).</summary>
    public const string BlocksUpdate = LesCopains.Grains.Dms.IDmUserGrain.BlocksUpdateEvent;
    public const string VoiceState = LesCopains.Grains.Voice.VoiceEvents.State;
    public const string VoiceRekey = LesCopains.Grains.Voice.VoiceEvents.Rekey;
    public const string VoiceKey = LesCopains.Grains.Voice.VoiceEvents.Key;
    public const string VoiceKicked = LesCopains.Grains.Voice.VoiceEvents.Kicked;
    public const string VoiceMoved = LesCopains.Grains.Voice.VoiceEvents.Moved;
    public const string VoiceRejoin = LesCopains.Grains.Voice.VoiceEvents.Rejoin;
    public const string VoiceRepublish = LesCopains.Grains.Voice.VoiceEvents.Republish;
    public const string VoiceOffer = LesCopains.Grains.Voice.VoiceEvents.Offer;
    public const string VoiceAnnotation = LesCopains.Grains.Voice.VoiceEvents.Annotation;
}

/// <param name="KeepAliveMs">
/// How often the server pings an otherwise quiet connection (WS_PING_INTERVAL): clients ping as
/// often and give up on the server only after twice as long without a message.
/// </param>
/// <summary>The first event on every connection. <see cref="Build"/>: the web client build this node serves (<see cref="Infrastructure.WebBuild"/>).</summary>
public sealed record ReadyEvent(UserDto User, Guid SessionId, DateTimeOffset TokenExpiresAt, long KeepAliveMs, string? Build);

/// <summary>The user's own presence: <c>status</c> as they see it (may be "invisible"), <c>chosen</c> their preference.</summary>
/// <summary>The caller's own presence; <see cref="CustomStatus"/> shows even while invisible (to them only).</summary>
public sealed record PresenceSelfEvent(string Status, string Chosen, Grains.Presence.CustomStatus? CustomStatus = null);

public sealed record SessionRevokedEvent(Guid SessionId);

public sealed record TokenExpiredEvent(DateTimeOffset ExpiredAt);

public sealed record ReauthenticateResult(DateTimeOffset TokenExpiresAt);

public sealed record ReactionRequest(Guid ChannelId, Guid MessageId, string? Emoji);

public sealed record AckMessageRequest(Guid ChannelId, Guid? MessageId);

public sealed record SendMessageRequest(Guid ChannelId, string? Content, string? Nonce, Guid? ReplyTo, IReadOnlyList<Guid>? Attachments = null, bool? MentionReplied = null);

/// <summary>A user as the Api shows it.</summary>
public sealed record UserDto(string Id, string Username, string DisplayName, DateTimeOffset CreatedAt, string? Bio = null, bool? Deleted = null)
{
    public static UserDto From(UserProfile p) => new(p.Id.ToString(), p.Username, p.DisplayName, p.CreatedAt, p.Bio, p.Deleted ? true : null);
}
