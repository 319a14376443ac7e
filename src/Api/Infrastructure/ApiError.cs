using LesCopains.Grains;

namespace LesCopains.Api.Infrastructure;

/// <summary>The one error shape: <c>{"error":{"code":"…","message":"…"}}</c>.</summary>
public sealed record ApiError(ApiError.Body Error)
{
    public sealed record Body(string Code, string Message, IReadOnlyDictionary<string, string>? Details = null);

    public static IResult Result(string code, string message, int? status = null, IReadOnlyDictionary<string, string>? details = null) =>
        TypedResults.Json(new ApiError(new Body(code, message, details)), statusCode: status ?? StatusFor(code));

    public static int StatusFor(string code) => code switch
    {
        ErrorCodes.ValidationFailed or ErrorCodes.PasswordTooCommon or "invalid_json" or ErrorCodes.VoiceKeysTooLarge
            or ErrorCodes.VoiceAnnotationTooLarge or ErrorCodes.PasswordIncorrect or ErrorCodes.InvalidMfaCode => StatusCodes.Status400BadRequest,
        ErrorCodes.InvalidCredentials or ErrorCodes.InvalidRefreshToken or ErrorCodes.RefreshTokenReused
            or ErrorCodes.SessionRevoked or ErrorCodes.Unauthorized or ErrorCodes.InvalidMfaTicket or "token_expired" => StatusCodes.Status401Unauthorized,
        "forbidden" or ErrorCodes.MissingPermission or ErrorCodes.Hierarchy or ErrorCodes.Banned or ErrorCodes.MfaRequired or ErrorCodes.FriendRequestRefused
            or ErrorCodes.ThreadArchived => StatusCodes.Status403Forbidden,
        ErrorCodes.GuildNotFound or ErrorCodes.ChannelNotFound or ErrorCodes.RoleNotFound or ErrorCodes.MemberNotFound
            or ErrorCodes.InviteNotFound or ErrorCodes.MessageNotFound or ErrorCodes.AttachmentNotFound
            or ErrorCodes.ConversationNotFound or ErrorCodes.DeviceNotFound or ErrorCodes.EmojiNotFound => StatusCodes.Status404NotFound,
        ErrorCodes.LimitReached or ErrorCodes.TooManyPins or ErrorCodes.TooManyReactions => StatusCodes.Status400BadRequest,
        ErrorCodes.SessionNotFound or ErrorCodes.UserNotFound or "not_found" => StatusCodes.Status404NotFound,
        ErrorCodes.UsernameTaken or ErrorCodes.ThreadExists or ErrorCodes.PollClosed or ErrorCodes.DevicesChanged
            or ErrorCodes.VoiceRoomFull or ErrorCodes.VoiceNotJoined or ErrorCodes.DeviceRequired
            or ErrorCodes.MfaAlreadyEnabled or ErrorCodes.MfaNotEnabled or ErrorCodes.OwnsGuilds => StatusCodes.Status409Conflict,
        "payload_too_large" or ErrorCodes.FileTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorCodes.RateLimited or ErrorCodes.Slowmode => StatusCodes.Status429TooManyRequests,
        "cluster_unavailable" or ErrorCodes.VoiceUnavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };
}

/// <summary>Thrown by Api code to end a request with a given error.</summary>
public sealed class ApiException(string code, string message, int? status = null) : Exception(message)
{
    public string Code { get; } = code;

    public int Status { get; } = status ?? ApiError.StatusFor(code);

    public TimeSpan? RetryAfter { get; init; }
}
