using Orleans.Concurrency;

namespace LesCopains.Grains.Voice;

/// <summary>
/// One voice channel (key: channel id): its participants, their mute/deafen/speaking/screen state,
/// the SFU worker hosting its media room, the per-participant join tokens and the key epoch.
/// Volatile: after a silo or worker failure it is rebuilt from the clients that rejoin.
/// Enter and leave through <see cref="IVoiceMemberGrain"/>, which keeps a user in one channel at a time.
/// </summary>
[Alias("lc.IVoiceRoomGrain")]
public interface IVoiceRoomGrain : IGrainWithGuidKey
{
    /// <summary>Admits the connection's user (CONNECT; capacity); without SPEAK they join server-muted.</summary>
    [Alias("Join")]
    Task<VoiceJoinResult> Join(VoiceConnection connection, bool selfMute, bool selfDeaf);

    /// <summary>Removes the user if this connection is theirs (<paramref name="connectionId"/> null: any connection).</summary>
    [Alias("Leave")]
    Task Leave(Guid userId, string? connectionId, string reason);

    /// <summary>
    /// Publishes (or renegotiates) the participant's media: SDP offer in, SFU answer out. Every sending
    /// video section must be declared in <paramref name="video"/> (screen share or camera); video needs STREAM.
    /// </summary>
    [Alias("Publish")]
    Task<string> Publish(Guid userId, string connectionId, string sdpOffer, VoiceVideoSources video);

    /// <summary>
    /// As <see cref="Publish(Guid, string, string, VoiceVideoSources)"/>; <paramref name="restart"/>: the
    /// browser opened a new publisher connection, so the SFU drops the old publisher and publishes the
    /// same feed anew (viewers see a new <see cref="VoiceParticipant.Publication"/> and subscribe again).
    /// </summary>
    [Alias("PublishRestart")]
    Task<string> Publish(Guid userId, string connectionId, string sdpOffer, VoiceVideoSources video, bool restart);

    /// <summary>Picks the simulcast layer (0 lowest … 2 highest) the participant receives on its subscriber stream <paramref name="mid"/>.</summary>
    [Alias("SetSubstream")]
    Task SetSubstream(Guid userId, string connectionId, string mid, int substream);

    /// <summary>Changes the participant's subscriptions; returns the SFU's SDP offer to answer (null when nothing changed) and the subscribed streams.</summary>
    [Alias("Subscribe")]
    Task<VoiceSubscription> Subscribe(Guid userId, string connectionId, IReadOnlyList<VoiceStreamRef> subscribe, IReadOnlyList<VoiceStreamRef> unsubscribe);

    /// <summary>
    /// As <see cref="Subscribe(Guid, string, IReadOnlyList{VoiceStreamRef}, IReadOnlyList{VoiceStreamRef})"/>;
    /// <paramref name="restart"/>: the browser opened a new subscriber connection, so the SFU drops the
    /// old subscription and starts one with <paramref name="subscribe"/> only.
    /// </summary>
    [Alias("SubscribeRestart")]
    Task<VoiceSubscription> Subscribe(Guid userId, string connectionId, IReadOnlyList<VoiceStreamRef> subscribe, IReadOnlyList<VoiceStreamRef> unsubscribe, bool restart);

    /// <summary>The browser's SDP answer to the last subscription offer.</summary>
    [Alias("AnswerSubscription")]
    Task AnswerSubscription(Guid userId, string connectionId, string sdpAnswer);

    /// <summary>Forwards a browser ICE candidate to the publisher (<c>publisher</c>) or subscriber (<c>subscriber</c>) connection.</summary>
    [Alias("Trickle")]
    Task Trickle(Guid userId, string connectionId, string target, VoiceIceCandidate candidate);

    /// <summary>Self mute/deafen and the speaking indicator; null = unchanged. Unmuting while server-muted is refused.</summary>
    [Alias("UpdateSelf")]
    Task<VoiceParticipant> UpdateSelf(Guid userId, string connectionId, bool? selfMute, bool? selfDeaf, bool? speaking);

    /// <summary>Server mute (MUTE_MEMBERS): the SFU stops forwarding the member's audio.</summary>
    [Alias("ServerMute")]
    Task<VoiceParticipant> ServerMute(Guid actorId, Guid userId, bool muted);

    /// <summary>Checks that <paramref name="actorId"/> may move <paramref name="userId"/> (MOVE_MEMBERS here, CONNECT there) and returns the member's connection.</summary>
    [Alias("PrepareMove")]
    Task<VoiceConnection> PrepareMove(Guid actorId, Guid userId, Guid targetChannelId);

    /// <summary>Disconnects a member from the channel (MOVE_MEMBERS); they get <c>voice:kicked</c>.</summary>
    [Alias("Disconnect")]
    Task Disconnect(Guid actorId, Guid userId);

    /// <summary>
    /// Relays opaque end-to-end-encrypted media-key envelopes from a participant's voice connection to
    /// other participants' voice connections (<c>voice:key</c>); nothing is stored.
    /// </summary>
    [Alias("RelayKeys")]
    Task RelayKeys(Guid userId, string connectionId, int deviceId, IReadOnlyList<VoiceKeyEnvelope> envelopes);

    /// <summary>
    /// Relays an opaque end-to-end-encrypted screen-share annotation (<c>voice:annotation</c>) from a
    /// participant's voice connection to the other participants, about the screen share of
    /// <paramref name="screenUserId"/> (who must be sharing). Size-limited and throttled per participant; nothing is stored.
    /// </summary>
    [Alias("RelayAnnotation")]
    Task RelayAnnotation(Guid userId, string connectionId, Guid screenUserId, string data);

    [Alias("GetParticipants")]
    [AlwaysInterleave]
    Task<IReadOnlyList<VoiceParticipant>> GetParticipants();

    /// <summary>The participants with the room's <c>voice:state</c> version they reflect.</summary>
    [Alias("GetState")]
    [AlwaysInterleave]
    Task<VoiceChannelState> GetState();

    [Alias("GetInfo")]
    [AlwaysInterleave]
    Task<VoiceRoomInfo> GetInfo();

    /// <summary>
    /// Something the SFU did on its own for one participant (from the room's worker):
    /// <c>publisher_down</c> (Janus hung up their publisher) or <c>subscriber_offer</c>
    /// (Janus renegotiates their subscription, e.g. a subscribed publisher left: <paramref name="sdp"/> is its offer).
    /// </summary>
    [Alias("OnSfuEvent")]
    [OneWay]
    Task OnSfuEvent(string workerId, long feedId, string kind, string? sdp);

    /// <summary>
    /// As <see cref="OnSfuEvent(string, long, string, string?)"/>, from the SFU handle
    /// <paramref name="handle"/>: a <c>publisher_down</c> of a publisher already replaced is ignored.
    /// </summary>
    [Alias("OnSfuEventOfHandle")]
    [OneWay]
    Task OnSfuEvent(string workerId, long feedId, string kind, string? sdp, long handle);

    /// <summary>The directory declared the room's worker dead: re-create the room elsewhere and ask clients to rejoin.</summary>
    [Alias("WorkerFailed")]
    [OneWay]
    Task WorkerFailed(string workerId);
}

/// <summary>Where one user is in voice (key: user id): one voice channel at a time.</summary>
[Alias("lc.IVoiceMemberGrain")]
public interface IVoiceMemberGrain : IGrainWithGuidKey
{
    /// <summary>Joins <paramref name="channelId"/>, leaving the channel the user was in before.</summary>
    [Alias("Join")]
    Task<VoiceJoinResult> Join(Guid channelId, VoiceConnection connection, bool selfMute, bool selfDeaf);

    /// <summary>Leaves voice if <paramref name="connectionId"/> (null: any) holds the user's voice session.</summary>
    [Alias("Leave")]
    Task Leave(string? connectionId);

    /// <summary>Moves the user's voice session from one channel to another (already authorised).</summary>
    [Alias("Move")]
    Task<VoiceJoinResult> Move(Guid fromChannelId, Guid toChannelId, VoiceConnection connection);

    /// <summary>A room removed the user on its own (kick, dead connection).</summary>
    [Alias("Cleared")]
    [OneWay]
    Task Cleared(Guid channelId, string connectionId);

    [Alias("GetChannel")]
    Task<Guid?> GetChannel();
}
