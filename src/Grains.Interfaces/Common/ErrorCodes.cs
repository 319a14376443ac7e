namespace LesCopains.Grains;

/// <summary>Stable error codes shared by grains, the Api and the web client (see docs/API.md).</summary>
public static class ErrorCodes
{
    public const string Internal = "internal_error";
    public const string ValidationFailed = "validation_failed";
    public const string UsernameTaken = "username_taken";
    public const string PasswordTooCommon = "password_too_common";
    public const string InvalidCredentials = "invalid_credentials";
    public const string PasswordIncorrect = "password_incorrect";
    public const string InvalidMfaCode = "invalid_mfa_code";
    public const string InvalidMfaTicket = "invalid_mfa_ticket";
    public const string MfaAlreadyEnabled = "mfa_already_enabled";
    public const string MfaNotEnabled = "mfa_not_enabled";
    public const string OwnsGuilds = "owns_guilds";
    public const string MfaRequired = "mfa_required";
    public const string FriendRequestRefused = "friend_request_refused";
    public const string InvalidRefreshToken = "invalid_refresh_token";
    public const string RefreshTokenReused = "refresh_token_reused";
    public const string SessionRevoked = "session_revoked";
    public const string SessionNotFound = "session_not_found";
    public const string UserNotFound = "user_not_found";
    public const string Unauthorized = "unauthorized";
    public const string RateLimited = "rate_limited";
    public const string GuildNotFound = "guild_not_found";
    public const string ChannelNotFound = "channel_not_found";
    public const string RoleNotFound = "role_not_found";
    public const string MemberNotFound = "member_not_found";
    public const string InviteNotFound = "invite_not_found";
    public const string MissingPermission = "missing_permission";
    public const string Hierarchy = "hierarchy";
    public const string Banned = "banned";
    public const string LimitReached = "limit_reached";
    public const string MessageNotFound = "message_not_found";
    public const string ThreadArchived = "thread_archived";

    /// <summary>A send too soon after the author's last one in a channel with slowmode (429).</summary>
    public const string Slowmode = "slowmode";
    public const string ThreadExists = "thread_exists";
    public const string PollClosed = "poll_closed";
    public const string AttachmentNotFound = "attachment_not_found";
    public const string EmojiNotFound = "emoji_not_found";
    public const string FileTooLarge = "file_too_large";
    public const string TooManyPins = "too_many_pins";
    public const string TooManyReactions = "too_many_reactions";
    public const string ConversationNotFound = "conversation_not_found";
    public const string DeviceNotFound = "device_not_found";
    public const string DevicesChanged = "devices_changed";
    public const string VoiceRoomFull = "voice_room_full";
    public const string VoiceNotJoined = "voice_not_joined";
    public const string VoiceUnavailable = "voice_unavailable";
    public const string VoiceKeysTooLarge = "voice_keys_too_large";
    public const string VoiceAnnotationTooLarge = "voice_annotation_too_large";
    public const string DeviceRequired = "device_required";
}
