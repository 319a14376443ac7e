namespace LesCopains.Grains.Voice;

/// <summary>
/// The HTTP API of an SFU worker adapter (<c>src/SfuWorker</c>), as the voice grains call it.
/// Every request carries <c>Authorization: Bearer SFU_WORKER_SECRET</c>; errors are
/// <c>{"error":{"code","message"}}</c> with the codes of <see cref="SfuErrorCodes"/>.
/// </summary>
public static class SfuWorkerProtocol
{
    public const string Rooms = "/rooms";

    public static string Room(Guid room) => $"/rooms/{room:N}";

    public static string Participants(Guid room) => $"/rooms/{room:N}/participants";

    public static string Participant(Guid room, long feedId) => $"/rooms/{room:N}/participants/{feedId}";
}

public static class SfuErrorCodes
{
    public const string RoomNotFound = "room_not_found";
    public const string ParticipantNotFound = "participant_not_found";

    /// <summary>Janus refused the request (its error code and reason are in the message).</summary>
    public const string JanusError = "janus_error";

    public const string JanusUnavailable = "janus_unavailable";
    public const string Unauthorized = "unauthorized";
    public const string BadRequest = "bad_request";
}

public sealed record SfuCreateRoomRequest(Guid Room, int Publishers);

public sealed record SfuRoomCreated(Guid Room, long RoomId);

public sealed record SfuAddParticipantRequest(long FeedId, bool ServerMuted);

public sealed record SfuParticipantAdded(long FeedId, string Token);

public sealed record SfuPublishRequest(string Sdp, bool Restart = false);

/// <summary><see cref="Publisher"/>: the SFU's id of the publisher handle now carrying the feed (its events name it).</summary>
public sealed record SfuPublishResult(string Sdp, IReadOnlyList<VoiceStream> Streams, long Publisher = 0);

/// <summary>
/// A change of subscriptions. <paramref name="Restart"/>: the browser starts a new subscriber
/// connection, so the participant's subscriber handle (if any) is dropped first and a new one
/// carries <paramref name="Subscribe"/>; Janus cannot move an existing handle to a new connection.
/// </summary>
public sealed record SfuSubscribeRequest(IReadOnlyList<VoiceStreamRef> Subscribe, IReadOnlyList<VoiceStreamRef> Unsubscribe, bool Restart = false);

/// <summary>
/// The SFU's offer for the subscriber connection (null when nothing needs renegotiating) and what each
/// of its streams carries: subscriber mid → publisher feed and the publisher's own mid.
/// </summary>
public sealed record SfuSubscribeResult(string? Sdp, IReadOnlyList<VoiceSubscribedStream>? Streams = null);

public sealed record SfuSdpRequest(string Sdp);

public sealed record SfuTrickleRequest(string Target, string? Candidate, string? SdpMid, int? SdpMLineIndex);

public sealed record SfuModerateRequest(bool Muted);

/// <summary>Which simulcast layer (0 lowest … 2 highest) the subscriber receives on its stream <see cref="Mid"/>.</summary>
public sealed record SfuSubstreamRequest(string Mid, int Substream);

/// <summary>A participant as Janus lists it.</summary>
public sealed record SfuJanusParticipant(long Id, bool Publisher, bool Talking);

public sealed record SfuStatus(string WorkerId, string BootId, int Rooms, int Participants, int Streams, int JanusSessions, int JanusHandles);

public sealed record SfuError(SfuError.Body Error)
{
    public sealed record Body(string Code, string Message);
}
