using LesCopains.Api.Auth;
using LesCopains.Grains;
using LesCopains.Grains.Guilds;
using LesCopains.Grains.Voice;
using Microsoft.AspNetCore.SignalR;

namespace LesCopains.Api.Hubs;

/// <summary>
/// Voice: joining, leaving and moderating voice channels, and the WebRTC signalling between the
/// browser and the SFU (SDP offers/answers and ICE candidates ride this hub; the room grain relays
/// them to the channel's SFU worker). A connection holds at most one voice session.
/// </summary>
public sealed partial class GatewayHub
{
    private VoiceGateway Voice => Context.GetHttpContext()!.RequestServices.GetRequiredService<VoiceGateway>();

    /// <summary>Enters a voice channel (leaving any other); then call <see cref="VoicePublish"/> and <see cref="VoiceSubscribe"/>.</summary>
    public Task<VoiceJoinResult> VoiceJoin(VoiceJoinRequest request) =>
        cluster.GetGrain<IVoiceMemberGrain>(Context.User!.UserId())
            .Join(request.ChannelId, Voice.ConnectionOf(Context.User!.UserId(), Context.ConnectionId, DeclaredDevice()), request.SelfMute, request.SelfDeaf);

    /// <summary>Leaves voice (a no-op when this connection is not in voice).</summary>
    public Task VoiceLeave() =>
        cluster.GetGrain<IVoiceMemberGrain>(Context.User!.UserId()).Leave(Context.ConnectionId);

    /// <summary>
    /// Publishes the microphone (and a screen share and/or camera, declared by mid): SDP offer in, answer
    /// out. <c>restart</c>: the offer is a new publisher connection's (the old one died).
    /// </summary>
    public async Task<VoiceSdp> VoicePublish(VoicePublishRequest request) =>
        new("answer", await Room(request.ChannelId).Publish(
            Context.User!.UserId(),
            Context.ConnectionId,
            Required(request.Sdp, "sdp"),
            new VoiceVideoSources(request.Screen, request.Camera, request.ScreenMid, request.CameraMid),
            request.Restart));

    /// <summary>Picks the simulcast layer (0 lowest … 2 highest) received on one of your subscriber streams.</summary>
    public Task VoiceSetSubstream(VoiceSubstreamRequest request) =>
        Room(request.ChannelId).SetSubstream(Context.User!.UserId(), Context.ConnectionId, request.Mid ?? "", request.Substream);

    /// <summary>
    /// Adds/removes subscribed streams; returns the SFU's offer to answer with <see cref="VoiceSubscribeAnswer"/>
    /// and what each subscriber stream carries, or null when nothing changed. <c>restart</c>: the
    /// browser opens a new subscriber connection, and <c>subscribe</c> lists everything it wants on it.
    /// </summary>
    public async Task<VoiceSubscribeOffer?> VoiceSubscribe(VoiceSubscribeRequest request)
    {
        var result = await Room(request.ChannelId).Subscribe(Context.User!.UserId(), Context.ConnectionId, request.Subscribe ?? [], request.Unsubscribe ?? [], request.Restart);
        return result.Sdp is null ? null : new VoiceSubscribeOffer("offer", result.Sdp, result.Streams);
    }

    /// <summary>The browser's answer to the subscription offer.</summary>
    public Task VoiceSubscribeAnswer(VoiceSdpRequest request) =>
        Room(request.ChannelId).AnswerSubscription(Context.User!.UserId(), Context.ConnectionId, Required(request.Sdp, "sdp"));

    /// <summary>A local ICE candidate for the publisher or subscriber peer connection (null candidate: gathering done).</summary>
    public Task VoiceTrickle(VoiceTrickleRequest request) =>
        Room(request.ChannelId).Trickle(Context.User!.UserId(), Context.ConnectionId, request.Target ?? "", new VoiceIceCandidate(request.Candidate, request.SdpMid, request.SdpMLineIndex));

    /// <summary>Self mute, self deafen, speaking indicator (null fields are unchanged).</summary>
    public Task<VoiceParticipant> VoiceUpdateState(VoiceStateRequest request) =>
        Room(request.ChannelId).UpdateSelf(Context.User!.UserId(), Context.ConnectionId, request.SelfMute, request.SelfDeaf, request.Speaking);

    /// <summary>Server-mutes or unmutes a member (MUTE_MEMBERS).</summary>
    public Task<VoiceParticipant> VoiceServerMute(VoiceServerMuteRequest request) =>
        Room(request.ChannelId).ServerMute(Context.User!.UserId(), request.UserId, request.Muted);

    /// <summary>Moves a member to another voice channel (MOVE_MEMBERS; they need CONNECT there).</summary>
    public async Task VoiceMove(VoiceMoveRequest request)
    {
        var connection = await Room(request.ChannelId).PrepareMove(Context.User!.UserId(), request.UserId, request.TargetChannelId);
        await cluster.GetGrain<IVoiceMemberGrain>(request.UserId).Move(request.ChannelId, request.TargetChannelId, connection);
    }

    /// <summary>Disconnects a member from a voice channel (MOVE_MEMBERS).</summary>
    public Task VoiceDisconnect(VoiceDisconnectRequest request) =>
        Room(request.ChannelId).Disconnect(Context.User!.UserId(), request.UserId);

    /// <summary>
    /// Sends Signal-encrypted media keys to other participants' voice connections (<c>voice:key</c>).
    /// The caller must be in the channel on this connection and have declared its DM device
    /// (<see cref="DmUseDevice"/>); the server relays the envelopes without reading or storing them.
    /// </summary>
    public Task VoiceSendKeys(VoiceSendKeysRequest request)
    {
        if (DeclaredDevice() is not { } deviceId)
        {
            throw new DomainException(ErrorCodes.DeviceRequired, "deviceId: declare this connection's device with DmUseDevice first.");
        }

        var envelopes = (request.Envelopes ?? []).Select(e => new VoiceKeyEnvelope(e.UserId, e.DeviceId, e.Type, e.Body ?? "")).ToList();
        return Room(request.ChannelId).RelayKeys(Context.User!.UserId(), Context.ConnectionId, deviceId, envelopes);
    }

    /// <summary>
    /// Sends an end-to-end-encrypted annotation (strokes, clear) about <c>screenUserId</c>'s screen
    /// share to the other participants (<c>voice:annotation</c>). Needs to be in the channel on this
    /// connection (CONNECT), not STREAM. Throttled by the room, not by the shared per-user budget.
    /// </summary>
    public Task VoiceAnnotate(VoiceAnnotateRequest request) =>
        Room(request.ChannelId).RelayAnnotation(Context.User!.UserId(), Context.ConnectionId, request.ScreenUserId, request.Data ?? "");

    /// <summary>
    /// Who is in each voice channel of a guild that the caller can see, empty channels included (a
    /// client that reconnects must learn who left meanwhile), each with the version it reflects.
    /// </summary>
    public async Task<IReadOnlyList<VoiceChannelState>> GetVoiceStates(Guid guildId)
    {
        var view = await cluster.GetGrain<IGuildGrain>(guildId).GetView(Context.User!.UserId());
        var voiceChannels = view.Channels.Where(c => c.Type == "voice").Select(c => c.Id).ToList();
        return await Task.WhenAll(voiceChannels.Select(id => Room(id).GetState()));
    }

    private int? DeclaredDevice() => Context.Items.TryGetValue(DeviceItem, out var device) && device is int id ? id : null;

    private IVoiceRoomGrain Room(Guid channelId) => cluster.GetGrain<IVoiceRoomGrain>(channelId);

    private static string Required(string? value, string field) =>
        string.IsNullOrEmpty(value) ? throw new DomainException(ErrorCodes.ValidationFailed, $"{field}: required.") : value;
}

public sealed record VoiceJoinRequest(Guid ChannelId, bool SelfMute = false, bool SelfDeaf = false);

public sealed record VoicePublishRequest(Guid ChannelId, string? Sdp, bool Screen = false, bool Camera = false, string? ScreenMid = null, string? CameraMid = null, bool Restart = false);

public sealed record VoiceSubstreamRequest(Guid ChannelId, string? Mid, int Substream);

public sealed record VoiceSubscribeRequest(Guid ChannelId, IReadOnlyList<VoiceStreamRef>? Subscribe, IReadOnlyList<VoiceStreamRef>? Unsubscribe, bool Restart = false);

/// <summary>The SFU's subscription offer, and per subscriber mid the publisher feed and mid it carries.</summary>
public sealed record VoiceSubscribeOffer(string Type, string Sdp, IReadOnlyList<VoiceSubscribedStream> Streams);

public sealed record VoiceSdpRequest(Guid ChannelId, string? Sdp);

/// <summary>An SDP description: <c>type</c> is <c>offer</c> or <c>answer</c>, as in <c>RTCSessionDescriptionInit</c>.</summary>
public sealed record VoiceSdp(string Type, string Sdp);

public sealed record VoiceTrickleRequest(Guid ChannelId, string? Target, string? Candidate, string? SdpMid, int? SdpMLineIndex);

public sealed record VoiceStateRequest(Guid ChannelId, bool? SelfMute, bool? SelfDeaf, bool? Speaking);

public sealed record VoiceServerMuteRequest(Guid ChannelId, Guid UserId, bool Muted);

public sealed record VoiceMoveRequest(Guid ChannelId, Guid UserId, Guid TargetChannelId);

public sealed record VoiceDisconnectRequest(Guid ChannelId, Guid UserId);

public sealed record VoiceSendKeysRequest(Guid ChannelId, IReadOnlyList<VoiceKeyEnvelopeRequest>? Envelopes);

public sealed record VoiceAnnotateRequest(Guid ChannelId, Guid ScreenUserId, string? Data);

public sealed record VoiceKeyEnvelopeRequest(Guid UserId, int DeviceId, int Type, string? Body);
