using System.Text.Json;
using LesCopains.Grains.Channels;
using LesCopains.Grains.Guilds;
using Microsoft.Extensions.Logging;

namespace LesCopains.Grains.Voice;

/// <summary>
/// One voice channel (volatile). Permissions come from the guild grain on every request; the
/// media room lives on the SFU worker the directory picked, created with <c>require_e2ee</c>, and
/// each participant is admitted there with a token of their own. Every join and leave bumps the
/// key epoch and tells the participants to rotate their media key (the keys travel between
/// clients over Signal sessions; the server only counts).
/// </summary>
public sealed partial class VoiceRoomGrain(MessageStore channels, SfuWorkerClient sfu, VoiceSettings settings, TimeProvider time, ILogger<VoiceRoomGrain> logger)
    : Grain, IVoiceRoomGrain
{
    private static readonly TimeSpan LivenessPeriod = TimeSpan.FromSeconds(20);
    private const int LivenessMaxMisses = 3;

    private sealed class Participant(VoiceParticipant state, VoiceConnection connection)
    {
        public VoiceParticipant State { get; set; } = state;

        public VoiceConnection Connection { get; } = connection;

        /// <summary>Liveness checks in a row whose answer did not come in time.</summary>
        public int LivenessMisses { get; set; }

        /// <summary>Annotation token bucket: tokens left, and when it was last refilled.</summary>
        public double AnnotationTokens { get; set; } = AnnotationBurst;

        public DateTimeOffset AnnotationRefilled { get; set; } = DateTimeOffset.MinValue;

        /// <summary>The SFU handle of the current publisher (0: not known), to ignore events of a replaced one.</summary>
        public long PublisherHandle { get; set; }

        /// <summary>Speaking-indicator token bucket, likewise.</summary>
        public double SpeakingTokens { get; set; } = SpeakingBurst;

        public DateTimeOffset SpeakingRefilled { get; set; } = DateTimeOffset.MinValue;
    }

    /// <summary>Largest annotation (base64 characters): a ~40 ms batch of points is a few hundred.</summary>
    public const int MaxAnnotationChars = 4096;

    /// <summary>Annotations per second a participant may send on average, and in a burst.</summary>
    public const double AnnotationsPerSecond = 40;
    public const double AnnotationBurst = 80;

    /// <summary>Speaking-only updates per second a participant may send on average, and in a burst.</summary>
    public const double SpeakingPerSecond = 2;
    public const double SpeakingBurst = 10;

    private const int MaxKeyEnvelopes = 100;
    private const int MaxKeyTargets = 50;
    private const int MaxKeyEnvelopesPerTarget = 2;
    private const int MaxKeyBodyChars = 8192;

    private readonly Dictionary<Guid, Participant> participants = [];
    private Guid guildId;
    private SfuWorkerInfo? worker;
    private long? sfuRoomId;
    private long nextFeedId;
    private long epoch;
    private long stateVersion;
    private IGrainTimer? liveness;

    private Guid ChannelId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        guildId = await channels.GuildOfAsync(ChannelId) ?? Guid.Empty;
        // Above every version an earlier activation published, so a snapshot of this activation
        // supersedes them on the clients.
        NextStateVersion();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // An idle activation may still hold an empty SFU room (a join that failed half-way).
        if (participants.Count == 0 && worker is not null)
        {
            await CloseRoomAsync(deactivate: false);
        }
    }

    public async Task<VoiceJoinResult> Join(VoiceConnection connection, bool selfMute, bool selfDeaf)
    {
        var userId = connection.UserId;
        var access = await AccessAsync(userId);
        Require(access, Permissions.Connect);
        var canSpeak = Has(access, Permissions.Speak);

        if (participants.TryGetValue(userId, out var existing))
        {
            if (existing.Connection.ConnectionId == connection.ConnectionId)
            {
                return Result(existing);
            }

            // The same user from another tab: that tab's session ends.
            await RemoveAsync(existing, "replaced", null, clearMember: false);
        }

        if (participants.Count >= settings.MaxParticipantsPerRoom)
        {
            throw new DomainException(ErrorCodes.VoiceRoomFull, $"This voice channel is full ({settings.MaxParticipantsPerRoom} participants).");
        }

        await EnsureRoomAsync();
        var feedId = ++nextFeedId;
        await SfuAsync(() => sfu.AddParticipantAsync(worker!.Url, ChannelId, new SfuAddParticipantRequest(feedId, !canSpeak)));
        var state = new VoiceParticipant(userId, feedId, selfMute || !canSpeak, selfDeaf, !canSpeak, false, false, false, [], time.GetUtcNow());
        var participant = new Participant(state, connection);
        participants[userId] = participant;
        epoch++;
        liveness ??= this.RegisterGrainTimer(CheckLivenessAsync, new GrainTimerCreationOptions(LivenessPeriod, LivenessPeriod));
        PublishState(participant);
        Rekey("join", except: userId);
        LogJoined(userId, ChannelId, worker!.WorkerId);
        return Result(participant);
    }

    public async Task Leave(Guid userId, string? connectionId, string reason)
    {
        if (participants.TryGetValue(userId, out var participant) && (connectionId is null || participant.Connection.ConnectionId == connectionId))
        {
            await RemoveAsync(participant, reason, null, clearMember: false);
        }
    }

    public Task<string> Publish(Guid userId, string connectionId, string sdpOffer, VoiceVideoSources video) =>
        Publish(userId, connectionId, sdpOffer, video, restart: false);

    public async Task<string> Publish(Guid userId, string connectionId, string sdpOffer, VoiceVideoSources video, bool restart)
    {
        var participant = Joined(userId, connectionId);
        var sources = VideoSources(SdpInfo.SendingVideoMids(sdpOffer), video);
        if (sources.Count > 0)
        {
            // Camera and screen share alike: Discord's "Video" permission (STREAM) covers both.
            Require(await AccessAsync(userId), Permissions.Stream);
        }

        var result = await SfuAsync(() => sfu.PublishAsync(worker!.Url, ChannelId, participant.State.FeedId, new SfuPublishRequest(sdpOffer, restart)));

        // A new publisher handle (first offer, a restart, after a hang-up or a worker move) is a new
        // publication: every viewer's subscription to the old one is gone. A worker that does not
        // name its handle: the SFU replaces it exactly when not publishing or restarting.
        var fresh = result.Publisher != 0 ? result.Publisher != participant.PublisherHandle : restart || !participant.State.Publishing;
        var streams = result.Streams
            .Select(s => s with { Source = s.Kind == "audio" ? "microphone" : sources.GetValueOrDefault(s.Mid, "screen") })
            .ToList();
        participant.State = participant.State with
        {
            Publishing = true,
            Streams = streams,
            ScreenSharing = streams.Any(s => s.Source == "screen"),
            Camera = streams.Any(s => s.Source == "camera"),
            Publication = fresh ? participant.State.Publication + 1 : participant.State.Publication,
        };
        participant.PublisherHandle = result.Publisher;
        PublishState(participant);
        return result.Sdp;
    }

    /// <summary>
    /// Names every sending video section of an offer: the declared screen mid, the declared camera mid,
    /// or — for a client that declares only <c>screen: true</c> / <c>camera: true</c> without a mid —
    /// that one source. Undeclared video is refused, so viewers always know what they are shown.
    /// </summary>
    private static Dictionary<string, string> VideoSources(IReadOnlyList<string> mids, VoiceVideoSources video)
    {
        var sources = new Dictionary<string, string>();
        var screenFallback = video.Screen && video.ScreenMid is null;
        var cameraFallback = video.Camera && video.CameraMid is null;
        foreach (var mid in mids)
        {
            string? source = mid == video.ScreenMid && video.ScreenMid is not null ? "screen"
                : mid == video.CameraMid && video.CameraMid is not null ? "camera"
                : screenFallback && !cameraFallback ? "screen"
                : cameraFallback && !screenFallback ? "camera"
                : null;
            if (source is null)
            {
                throw new DomainException(ErrorCodes.ValidationFailed, $"sdp: video section '{mid}' is neither a declared screen share nor a declared camera (screen/camera, screenMid/cameraMid).");
            }

            if (sources.ContainsValue(source))
            {
                throw new DomainException(ErrorCodes.ValidationFailed, $"sdp: at most one {source} video section.");
            }

            sources[mid] = source;
        }

        return sources;
    }

    public async Task SetSubstream(Guid userId, string connectionId, string mid, int substream)
    {
        if (substream is < 0 or > 2)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "substream: 0 (lowest) to 2 (highest).");
        }

        if (string.IsNullOrEmpty(mid) || mid.Length > 64)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "mid: required, at most 64 characters.");
        }

        var participant = Joined(userId, connectionId);
        await SfuAsync(() => sfu.SetSubstreamAsync(worker!.Url, ChannelId, participant.State.FeedId, new SfuSubstreamRequest(mid, substream)));
    }

    public Task<VoiceSubscription> Subscribe(Guid userId, string connectionId, IReadOnlyList<VoiceStreamRef> subscribe, IReadOnlyList<VoiceStreamRef> unsubscribe) =>
        Subscribe(userId, connectionId, subscribe, unsubscribe, restart: false);

    public async Task<VoiceSubscription> Subscribe(Guid userId, string connectionId, IReadOnlyList<VoiceStreamRef> subscribe, IReadOnlyList<VoiceStreamRef> unsubscribe, bool restart)
    {
        var participant = Joined(userId, connectionId);
        if (subscribe.Count + unsubscribe.Count > 200)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "subscribe: at most 200 streams per request.");
        }

        var feeds = participants.Values.Where(p => p.State.Publishing).Select(p => p.State.FeedId).ToHashSet();
        if (subscribe.FirstOrDefault(s => !feeds.Contains(s.FeedId)) is { } unknown)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, $"subscribe: feed {unknown.FeedId} is not publishing in this channel.");
        }

        var result = await SfuAsync(() => sfu.SubscribeAsync(worker!.Url, ChannelId, participant.State.FeedId, new SfuSubscribeRequest(subscribe, unsubscribe, restart)));
        return new VoiceSubscription(result.Sdp, result.Streams ?? []);
    }

    public async Task AnswerSubscription(Guid userId, string connectionId, string sdpAnswer)
    {
        var participant = Joined(userId, connectionId);
        await SfuAsync(() => sfu.StartAsync(worker!.Url, ChannelId, participant.State.FeedId, new SfuSdpRequest(sdpAnswer)));
    }

    public async Task Trickle(Guid userId, string connectionId, string target, VoiceIceCandidate candidate)
    {
        if (target is not ("publisher" or "subscriber"))
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "target: 'publisher' or 'subscriber'.");
        }

        if (candidate.Candidate is { Length: > 1000 } || candidate.SdpMid is { Length: > 64 })
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "candidate: too long.");
        }

        var participant = Joined(userId, connectionId);
        await SfuAsync(() => sfu.TrickleAsync(worker!.Url, ChannelId, participant.State.FeedId, new SfuTrickleRequest(target, candidate.Candidate, candidate.SdpMid, candidate.SdpMLineIndex)));
    }

    public async Task<VoiceParticipant> UpdateSelf(Guid userId, string connectionId, bool? selfMute, bool? selfDeaf, bool? speaking)
    {
        var participant = Joined(userId, connectionId);
        var state = participant.State;
        if (selfMute is null && selfDeaf is null && speaking is not null)
        {
            // Speaking-only updates skip the shared per-user budget (see HubRateLimitFilter): throttled here.
            var (tokens, refilled) = Take(participant.SpeakingTokens, participant.SpeakingRefilled, SpeakingPerSecond, SpeakingBurst, "speaking updates");
            (participant.SpeakingTokens, participant.SpeakingRefilled) = (tokens, refilled);
        }

        if (selfMute == false && state.SelfMute && !Has(await AccessAsync(userId), Permissions.Speak))
        {
            throw new DomainException(ErrorCodes.MissingPermission, "Missing permission: SPEAK.");
        }

        var muted = selfMute ?? state.SelfMute;
        var updated = state with
        {
            SelfMute = muted,
            SelfDeaf = selfDeaf ?? state.SelfDeaf,
            Speaking = (speaking ?? state.Speaking) && !muted && !state.ServerMute,
        };
        if (updated != state)
        {
            participant.State = updated;
            PublishState(participant);
        }

        return updated;
    }

    public async Task<VoiceParticipant> ServerMute(Guid actorId, Guid userId, bool muted)
    {
        Require(await AccessAsync(actorId), Permissions.MuteMembers);
        var participant = participants.GetValueOrDefault(userId) ?? throw NotInChannel();
        if (!muted && !Has(await AccessAsync(userId), Permissions.Speak))
        {
            throw new DomainException(ErrorCodes.MissingPermission, "The member lacks SPEAK in this channel: they stay muted.");
        }

        if (participant.State.ServerMute != muted)
        {
            await SfuAsync(() => sfu.ModerateAsync(worker!.Url, ChannelId, participant.State.FeedId, muted));
            participant.State = participant.State with { ServerMute = muted, Speaking = participant.State.Speaking && !muted };
            PublishState(participant);
        }

        return participant.State;
    }

    public async Task<VoiceConnection> PrepareMove(Guid actorId, Guid userId, Guid targetChannelId)
    {
        Require(await AccessAsync(actorId), Permissions.MoveMembers);
        var participant = participants.GetValueOrDefault(userId) ?? throw NotInChannel();
        if (targetChannelId == ChannelId)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "targetChannelId: the member is already in this channel.");
        }

        // The mover must see the target (CONNECT of the moved member is checked when they join it).
        var target = await GrainFactory.GetGrain<IGuildGrain>(guildId).GetChannelAccess(actorId, targetChannelId);
        if (target.Type != ChannelType.Voice)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "targetChannelId: not a voice channel.");
        }

        return participant.Connection;
    }

    public async Task Disconnect(Guid actorId, Guid userId)
    {
        Require(await AccessAsync(actorId), Permissions.MoveMembers);
        var participant = participants.GetValueOrDefault(userId) ?? throw NotInChannel();
        await RemoveAsync(participant, "removed", actorId, clearMember: true);
    }

    public Task RelayKeys(Guid userId, string connectionId, int deviceId, IReadOnlyList<VoiceKeyEnvelope> envelopes)
    {
        Joined(userId, connectionId);
        if (envelopes.Count == 0 || envelopes.Count > MaxKeyEnvelopes)
        {
            throw new DomainException(ErrorCodes.VoiceKeysTooLarge, $"envelopes: 1 to {MaxKeyEnvelopes} per call.");
        }

        var byUser = envelopes.GroupBy(e => e.UserId).ToList();
        if (byUser.Count > MaxKeyTargets || byUser.Any(g => g.Count() > MaxKeyEnvelopesPerTarget))
        {
            throw new DomainException(ErrorCodes.VoiceKeysTooLarge, $"envelopes: at most {MaxKeyTargets} users and {MaxKeyEnvelopesPerTarget} devices per user.");
        }

        if (envelopes.Any(e => string.IsNullOrEmpty(e.Body) || e.Body.Length > MaxKeyBodyChars || e.Type is < 1 or > 3))
        {
            throw new DomainException(ErrorCodes.VoiceKeysTooLarge, $"envelopes: each needs a body of at most {MaxKeyBodyChars} characters and a type 1 to 3.");
        }

        if (byUser.FirstOrDefault(g => g.Key == userId || !participants.ContainsKey(g.Key)) is { } absent)
        {
            throw new DomainException(ErrorCodes.MemberNotFound, $"envelopes: user {absent.Key} is not another participant of this voice channel.");
        }

        // A participant that declared its device on its voice connection gets the envelope for that device only.
        foreach (var group in byUser)
        {
            if (participants[group.Key].Connection.DeviceId is { } device && group.All(e => e.DeviceId != device))
            {
                throw new DomainException(ErrorCodes.DevicesChanged, $"envelopes: user {group.Key} is in voice with device {device}; none of the envelopes is for it.");
            }
        }

        // Checked in full before anything is sent: a refused call delivers nothing.
        foreach (var envelope in envelopes.Where(e => participants[e.UserId].Connection.DeviceId is not { } device || e.DeviceId == device))
        {
            Send(participants[envelope.UserId], VoiceEvents.Key, new
            {
                channelId = ChannelId,
                fromUserId = userId,
                fromDeviceId = deviceId,
                deviceId = envelope.DeviceId,
                type = envelope.Type,
                body = envelope.Body,
            });
        }

        return Task.CompletedTask;
    }

    public Task RelayAnnotation(Guid userId, string connectionId, Guid screenUserId, string data)
    {
        var participant = Joined(userId, connectionId);
        if (string.IsNullOrEmpty(data) || data.Length > MaxAnnotationChars)
        {
            throw new DomainException(ErrorCodes.VoiceAnnotationTooLarge, $"data: 1 to {MaxAnnotationChars} characters of base64.");
        }

        if (!Convert.TryFromBase64String(data, new byte[data.Length], out _))
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "data: not base64.");
        }

        if (!participants.TryGetValue(screenUserId, out var sharer) || !sharer.State.ScreenSharing)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "screenUserId: that participant is not sharing a screen in this channel.");
        }

        (participant.AnnotationTokens, participant.AnnotationRefilled) =
            Take(participant.AnnotationTokens, participant.AnnotationRefilled, AnnotationsPerSecond, AnnotationBurst, "annotations");
        var payload = JsonSerializer.Serialize(new { channelId = ChannelId, fromUserId = userId, screenUserId, data }, JsonSerializerOptions.Web);
        foreach (var other in participants.Values.Where(p => p != participant))
        {
            other.Connection.Node.OnVoiceEvent(other.Connection.ConnectionId, VoiceEvents.Annotation, payload).Ignore();
        }

        return Task.CompletedTask;
    }

    /// <summary>Takes one token from a bucket refilled at <paramref name="perSecond"/> up to <paramref name="burst"/>; refuses with <c>rate_limited</c> when empty.</summary>
    private (double Tokens, DateTimeOffset Refilled) Take(double tokens, DateTimeOffset refilled, double perSecond, double burst, string what)
    {
        var now = time.GetUtcNow();
        var elapsed = refilled == DateTimeOffset.MinValue ? 0 : Math.Max(0, (now - refilled).TotalSeconds);
        tokens = Math.Min(burst, tokens + (elapsed * perSecond));
        return tokens >= 1
            ? (tokens - 1, now)
            : throw new DomainException(ErrorCodes.RateLimited, $"Too many {what}; slow down.");
    }

    public Task<IReadOnlyList<VoiceParticipant>> GetParticipants() => Task.FromResult(Ordered());

    private IReadOnlyList<VoiceParticipant> Ordered() => participants.Values.Select(p => p.State).OrderBy(p => p.JoinedAt).ToList();

    public Task<VoiceChannelState> GetState() =>
        Task.FromResult(new VoiceChannelState(ChannelId, Ordered(), stateVersion));

    public Task<VoiceRoomInfo> GetInfo() =>
        Task.FromResult(new VoiceRoomInfo(ChannelId, worker?.WorkerId, sfuRoomId, epoch, participants.Count));

    public Task OnSfuEvent(string workerId, long feedId, string kind, string? sdp) =>
        OnSfuEvent(workerId, feedId, kind, sdp, handle: 0);

    public Task OnSfuEvent(string workerId, long feedId, string kind, string? sdp, long handle)
    {
        if (worker?.WorkerId != workerId || participants.Values.FirstOrDefault(p => p.State.FeedId == feedId) is not { } participant)
        {
            return Task.CompletedTask;
        }

        // A hang-up Janus reported just as the member's restart replaced that publisher names the
        // old handle: it must not take the new publication down (and start another restart).
        var current = handle == 0 || participant.PublisherHandle == 0 || handle == participant.PublisherHandle;
        if (kind == "publisher_down" && participant.State.Publishing && current)
        {
            participant.State = participant.State with { Publishing = false, Streams = [], ScreenSharing = false, Camera = false, Speaking = false };
            PublishState(participant);
            // Their browser may not know (Janus hangs up on its own ICE/DTLS verdict): ask it to publish again.
            Send(participant, VoiceEvents.Republish, new { channelId = ChannelId, reason = "publisher_down" });
        }
        else if (kind == "subscriber_offer" && sdp is not null)
        {
            Send(participant, VoiceEvents.Offer, new { channelId = ChannelId, type = "offer", sdp });
        }

        return Task.CompletedTask;
    }

    public async Task WorkerFailed(string workerId)
    {
        if (worker?.WorkerId != workerId)
        {
            return;
        }

        worker = null;
        sfuRoomId = null;
        await RecreateAsync();
    }

    /// <summary>Re-creates the room on a healthy worker; participants stay joined and are asked to publish and subscribe again.</summary>
    private async Task RecreateAsync()
    {
        if (participants.Count == 0)
        {
            return;
        }

        try
        {
            await EnsureRoomAsync();
            foreach (var participant in participants.Values)
            {
                var state = participant.State;
                await SfuAsync(() => sfu.AddParticipantAsync(worker!.Url, ChannelId, new SfuAddParticipantRequest(state.FeedId, state.ServerMute)));
                participant.State = state with { Publishing = false, Streams = [], ScreenSharing = false, Camera = false, Speaking = false };
            }
        }
        catch (DomainException ex)
        {
            // No worker yet: the liveness timer tries again.
            LogRecreateFailed(ChannelId, ex.Message);
            return;
        }

        epoch++;
        LogMoved(ChannelId, worker!.WorkerId);
        foreach (var participant in participants.Values)
        {
            PublishState(participant);
            Send(participant, VoiceEvents.Rejoin, new { channelId = ChannelId, epoch, reason = "worker_failed" });
        }
    }

    private async Task RemoveAsync(Participant participant, string reason, Guid? byUserId, bool clearMember)
    {
        var userId = participant.State.UserId;
        participants.Remove(userId);
        LogLeft(userId, ChannelId, reason);
        epoch++;
        if (worker is not null)
        {
            try
            {
                await sfu.RemoveParticipantAsync(worker.Url, ChannelId, participant.State.FeedId);
            }
            catch (Exception ex) when (ex is SfuWorkerException or DomainException)
            {
                LogSfuCleanupFailed(ChannelId, ex.Message);
            }
        }

        if (reason is not ("left" or "moved"))
        {
            Send(participant, VoiceEvents.Kicked, new { channelId = ChannelId, reason, byUserId });
        }

        if (clearMember)
        {
            GrainFactory.GetGrain<IVoiceMemberGrain>(userId).Cleared(ChannelId, participant.Connection.ConnectionId).Ignore();
        }

        Relay(VoiceEvents.State, new { guildId, channelId = ChannelId, userId, participant = (VoiceParticipant?)null, version = NextStateVersion() });
        Rekey("leave", except: null);
        if (participants.Count == 0)
        {
            await CloseRoomAsync();
        }
    }

    private async Task CloseRoomAsync(bool deactivate = true)
    {
        liveness?.Dispose();
        liveness = null;
        if (worker is { } current)
        {
            worker = null;
            sfuRoomId = null;
            try
            {
                await sfu.DestroyRoomAsync(current.Url, ChannelId);
            }
            catch (Exception ex) when (ex is SfuWorkerException or DomainException)
            {
                LogSfuCleanupFailed(ChannelId, ex.Message);
            }

            GrainFactory.GetGrain<ISfuDirectoryGrain>(0).ReleaseRoom(ChannelId, current.WorkerId).Ignore();
        }

        if (deactivate)
        {
            DeactivateOnIdle();
        }
    }

    private async Task EnsureRoomAsync()
    {
        if (worker is not null)
        {
            return;
        }

        var assigned = await GrainFactory.GetGrain<ISfuDirectoryGrain>(0).AssignRoom(ChannelId);
        try
        {
            var created = await sfu.CreateRoomAsync(assigned.Url, new SfuCreateRoomRequest(ChannelId, settings.MaxParticipantsPerRoom));
            worker = assigned;
            sfuRoomId = created.RoomId;
        }
        catch (SfuWorkerException ex)
        {
            LogSfuCleanupFailed(ChannelId, ex.Message);
            throw new DomainException(ErrorCodes.VoiceUnavailable, "The voice server did not answer; retry in a few seconds.");
        }
    }

    /// <summary>
    /// Drops participants whose hub connection is gone (an Api node died), and retries a pending
    /// room move. A node that answers "not connected", or that the cluster no longer reaches, means
    /// gone; a check that only times out (a node too busy to answer in 5 s) counts as a miss, and
    /// <see cref="LivenessMaxMisses"/> misses in a row mean gone: a slow node does not cut its users off.
    /// </summary>
    private async Task CheckLivenessAsync()
    {
        foreach (var participant in participants.Values.ToList())
        {
            bool? alive;
            try
            {
                alive = await participant.Connection.Node.IsConnected(participant.Connection.ConnectionId).WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException)
            {
                alive = null;
            }
            catch (Exception)
            {
                alive = false;
            }

            participant.LivenessMisses = alive is null ? participant.LivenessMisses + 1 : 0;
            var gone = alive == false || participant.LivenessMisses >= LivenessMaxMisses;
            if (gone && participants.TryGetValue(participant.State.UserId, out var current) && current == participant)
            {
                await RemoveAsync(participant, "disconnected", null, clearMember: true);
            }
        }

        if (worker is null && participants.Count > 0)
        {
            await RecreateAsync();
        }
    }

    private async Task<T> SfuAsync<T>(Func<Task<T>> call)
    {
        if (worker is null)
        {
            await RecreateAsync();
            if (worker is null)
            {
                throw new DomainException(ErrorCodes.VoiceUnavailable, "The voice server is being replaced; retry in a few seconds.");
            }
        }

        try
        {
            return await call();
        }
        catch (SfuWorkerException ex) when (ex.Code is SfuErrorCodes.RoomNotFound)
        {
            // The worker lost the room (restarted): move to a fresh room; clients get voice:rejoin.
            worker = null;
            await RecreateAsync();
            throw new DomainException(ErrorCodes.VoiceUnavailable, "The voice server restarted; rejoin the media session.");
        }
        catch (SfuWorkerException ex) when (ex.Code is SfuErrorCodes.JanusError or SfuErrorCodes.BadRequest)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "sdp: the voice server refused the request: " + ex.Message);
        }
        catch (SfuWorkerException ex)
        {
            throw new DomainException(ErrorCodes.VoiceUnavailable, "The voice server did not answer; retry in a few seconds. " + ex.Message);
        }
    }

    private async Task SfuAsync(Func<Task> call) =>
        await SfuAsync(async () =>
        {
            await call();
            return true;
        });

    private Participant Joined(Guid userId, string connectionId) =>
        participants.TryGetValue(userId, out var participant) && participant.Connection.ConnectionId == connectionId
            ? participant
            : throw new DomainException(ErrorCodes.VoiceNotJoined, "This connection is not in that voice channel.");

    private async Task<ChannelAccess> AccessAsync(Guid userId)
    {
        if (guildId == Guid.Empty)
        {
            throw new DomainException(ErrorCodes.ChannelNotFound, "No such channel.");
        }

        var access = await GrainFactory.GetGrain<IGuildGrain>(guildId).GetChannelAccess(userId, ChannelId);
        return access.Type == ChannelType.Voice
            ? access
            : throw new DomainException(ErrorCodes.ValidationFailed, "channelId: not a voice channel.");
    }

    private static bool Has(ChannelAccess access, Permissions permission) =>
        access.Permissions.HasFlag(Permissions.Administrator) || access.Permissions.HasFlag(permission);

    private static void Require(ChannelAccess access, Permissions permission)
    {
        if (!Has(access, permission))
        {
            var name = PermissionNames.ByName.FirstOrDefault(p => p.Value == permission).Key ?? permission.ToString();
            throw new DomainException(ErrorCodes.MissingPermission, $"Missing permission: {name}.");
        }
    }

    private static DomainException NotInChannel() => new(ErrorCodes.MemberNotFound, "userId: that member is not in this voice channel.");

    private VoiceJoinResult Result(Participant self) =>
        new(guildId, ChannelId, epoch, self.State, Ordered(), true, settings.Simulcast, stateVersion);

    private void PublishState(Participant participant) =>
        Relay(VoiceEvents.State, new { guildId, channelId = ChannelId, userId = participant.State.UserId, participant = participant.State, version = NextStateVersion() });

    /// <summary>
    /// Orders <c>voice:state</c> events: relayed one-way through the guild grain and the Api's
    /// observer, two quick updates of one member (speaking, then stop sharing) can arrive swapped,
    /// and clients keep the newest per member. Clock-based so it also grows across reactivations.
    /// </summary>
    private long NextStateVersion() => stateVersion = Math.Max(stateVersion + 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000);

    private void Rekey(string reason, Guid? except)
    {
        var userIds = participants.Keys.ToList();
        foreach (var participant in participants.Values.Where(p => p.State.UserId != except))
        {
            Send(participant, VoiceEvents.Rekey, new { channelId = ChannelId, epoch, userIds, reason });
        }
    }

    private static void Send(Participant participant, string type, object payload) =>
        participant.Connection.Node.OnVoiceEvent(participant.Connection.ConnectionId, type, JsonSerializer.Serialize(payload, JsonSerializerOptions.Web)).Ignore();

    private void Relay(string type, object payload) =>
        GrainFactory.GetGrain<IGuildGrain>(guildId).Relay(
            new GuildEvent(guildId, type, JsonSerializer.Serialize(payload, JsonSerializerOptions.Web), ChannelId, null, 0)).Ignore();

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} joined voice channel {ChannelId} on SFU worker {WorkerId}")]
    private partial void LogJoined(Guid userId, Guid channelId, string workerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} left voice channel {ChannelId} ({Reason})")]
    private partial void LogLeft(Guid userId, Guid channelId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Voice channel {ChannelId}: SFU clean-up failed: {Reason}")]
    private partial void LogSfuCleanupFailed(Guid channelId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Voice channel {ChannelId} could not move yet: {Reason}")]
    private partial void LogRecreateFailed(Guid channelId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Voice channel {ChannelId} re-created on SFU worker {WorkerId}; participants asked to rejoin")]
    private partial void LogMoved(Guid channelId, string workerId);
}
