namespace LesCopains.Grains.Voice;

/// <summary>
/// One media stream a participant publishes on the SFU (<see cref="Kind"/>: <c>audio</c> or <c>video</c>);
/// <see cref="Source"/> says what it carries: <c>microphone</c>, <c>camera</c> or <c>screen</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("lc.VoiceStream")]
public sealed record VoiceStream(
    [property: Id(0)] string Mid,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Source = "");

/// <summary>Which of the publisher's video sections is the screen share and which the camera (by SDP mid).</summary>
[GenerateSerializer, Immutable, Alias("lc.VoiceVideoSources")]
public sealed record VoiceVideoSources(
    [property: Id(0)] bool Screen,
    [property: Id(1)] bool Camera,
    [property: Id(2)] string? ScreenMid,
    [property: Id(3)] string? CameraMid)
{
    public static VoiceVideoSources None { get; } = new(false, false, null, null);
}

/// <summary>
/// A member in a voice channel as every viewer of the channel sees it. <see cref="FeedId"/> is the
/// SFU publisher id others subscribe to once <see cref="Publishing"/> is true. <see cref="Publication"/>
/// grows each time their publisher starts anew on the SFU (the first publish, after the SFU hung it
/// up, or a restart): a viewer's subscription to an older publication is gone and must be made again.
/// </summary>
[GenerateSerializer, Immutable, Alias("lc.VoiceParticipant")]
public sealed record VoiceParticipant(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] long FeedId,
    [property: Id(2)] bool SelfMute,
    [property: Id(3)] bool SelfDeaf,
    [property: Id(4)] bool ServerMute,
    [property: Id(5)] bool Speaking,
    [property: Id(6)] bool ScreenSharing,
    [property: Id(7)] bool Publishing,
    [property: Id(8)] IReadOnlyList<VoiceStream> Streams,
    [property: Id(9)] DateTimeOffset JoinedAt,
    [property: Id(10)] bool Camera = false,
    [property: Id(11)] int Publication = 0);

/// <summary>
/// What a client gets when it enters a voice channel. <see cref="Simulcast"/> (<c>ENABLE_SIMULCAST</c>):
/// cameras publish three VP8 encodings and viewers pick one per stream with <c>VoiceSetSubstream</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("lc.VoiceJoinResult")]
public sealed record VoiceJoinResult(
    [property: Id(0)] Guid GuildId,
    [property: Id(1)] Guid ChannelId,
    [property: Id(2)] long Epoch,
    [property: Id(3)] VoiceParticipant Self,
    [property: Id(4)] IReadOnlyList<VoiceParticipant> Participants,
    [property: Id(5)] bool E2ee,
    [property: Id(6)] bool Simulcast = false,
    [property: Id(7)] long Version = 0);

/// <summary>
/// The participants of one voice channel, as of <see cref="Version"/>: the room's last
/// <c>voice:state</c> version, so a client can tell which live events the snapshot already holds.
/// </summary>
[GenerateSerializer, Immutable, Alias("lc.VoiceChannelState")]
public sealed record VoiceChannelState(
    [property: Id(0)] Guid ChannelId,
    [property: Id(1)] IReadOnlyList<VoiceParticipant> Participants,
    [property: Id(2)] long Version = 0);

/// <summary>A stream to subscribe to: a participant's feed, and one of its streams (null: all of them).</summary>
[GenerateSerializer, Immutable, Alias("lc.VoiceStreamRef")]
public sealed record VoiceStreamRef(
    [property: Id(0)] long FeedId,
    [property: Id(1)] string? Mid);

/// <summary>One stream of a subscriber connection: its <see cref="Mid"/> there, and the publisher's feed and mid it carries.</summary>
[GenerateSerializer, Immutable, Alias("lc.VoiceSubscribedStream")]
public sealed record VoiceSubscribedStream(
    [property: Id(0)] string Mid,
    [property: Id(1)] long FeedId,
    [property: Id(2)] string FeedMid);

/// <summary>The SFU's offer for a subscriber connection (null when nothing to renegotiate) and its streams.</summary>
[GenerateSerializer, Immutable, Alias("lc.VoiceSubscription")]
public sealed record VoiceSubscription(
    [property: Id(0)] string? Sdp,
    [property: Id(1)] IReadOnlyList<VoiceSubscribedStream> Streams);

/// <summary>An ICE candidate from the browser; <see cref="Candidate"/> null means gathering completed.</summary>
[GenerateSerializer, Immutable, Alias("lc.VoiceIceCandidate")]
public sealed record VoiceIceCandidate(
    [property: Id(0)] string? Candidate,
    [property: Id(1)] string? SdpMid,
    [property: Id(2)] int? SdpMLineIndex);

/// <summary>The hub connection (on some Api node) a participant's media session belongs to.</summary>
[GenerateSerializer, Immutable, Alias("lc.VoiceConnection")]
public sealed record VoiceConnection(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string ConnectionId,
    [property: Id(2)] IVoiceObserver Node,
    [property: Id(3)] int? DeviceId = null);

/// <summary>Where a voice room lives now (for operators and tests).</summary>
[GenerateSerializer, Immutable, Alias("lc.VoiceRoomInfo")]
public sealed record VoiceRoomInfo(
    [property: Id(0)] Guid ChannelId,
    [property: Id(1)] string? WorkerId,
    [property: Id(2)] long? SfuRoomId,
    [property: Id(3)] long Epoch,
    [property: Id(4)] int Participants);

/// <summary>Names of the voice events a room grain sends to its participants' connections.</summary>
/// <summary>One Signal-encrypted media-key message for one device of one participant (opaque to the server).</summary>
[GenerateSerializer, Immutable, Alias("lc.VoiceKeyEnvelope")]
public sealed record VoiceKeyEnvelope(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] int DeviceId,
    [property: Id(2)] int Type,
    [property: Id(3)] string Body);

public static class VoiceEvents
{
    /// <summary><c>{channelId, fromUserId, fromDeviceId, deviceId, type, body}</c>: an encrypted media key for this voice connection.</summary>
    public const string Key = "voice:key";

    /// <summary><c>{guildId, channelId, userId, participant}</c>; participant null = left. To every viewer of the channel.</summary>
    public const string State = "voice:state";

    /// <summary><c>{channelId, epoch, userIds, reason}</c>: membership changed, rotate the media key.</summary>
    public const string Rekey = "voice:rekey";

    /// <summary><c>{channelId, reason, byUserId}</c>: you were removed from the channel; close your peer connections.</summary>
    public const string Kicked = "voice:kicked";

    /// <summary><c>{fromChannelId, join}</c>: you were moved to another voice channel and are joined there.</summary>
    public const string Moved = "voice:moved";

    /// <summary><c>{channelId, type: "offer", sdp}</c>: the SFU renegotiates your subscriber connection; answer with VoiceSubscribeAnswer.</summary>
    public const string Offer = "voice:offer";

    /// <summary><c>{channelId, fromUserId, screenUserId, data}</c>: an encrypted annotation on <c>screenUserId</c>'s screen share.</summary>
    public const string Annotation = "voice:annotation";

    /// <summary><c>{channelId, epoch, reason}</c>: the room moved to another SFU worker; publish and subscribe again.</summary>
    public const string Rejoin = "voice:rejoin";

    /// <summary><c>{channelId, reason: "publisher_down"}</c>: the SFU hung up your publisher connection; open a new one and publish with <c>restart</c>.</summary>
    public const string Republish = "voice:republish";
}
