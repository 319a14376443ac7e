using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using LesCopains.Grains.Voice;
using LesCopains.SfuWorker.Janus;

namespace LesCopains.SfuWorker;

/// <summary>A request the adapter refuses, with a stable code (<see cref="SfuErrorCodes"/>) and HTTP status.</summary>
public sealed class SfuException(string code, string message, int status) : Exception(message)
{
    public string Code { get; } = code;

    public int Status { get; } = status;
}

/// <summary>
/// The videorooms this worker hosts. Every room requires end-to-end-encrypted publishers
/// (<c>require_e2ee</c>), has its own secret and admits only holders of a per-participant token
/// (<c>allowed</c>). Each participant gets a publisher handle and, when they subscribe, one
/// subscriber handle (multistream), all on the adapter's single Janus session.
/// </summary>
public sealed partial class SfuRooms(JanusClient janus, SfuWorkerSettings settings, ILogger<SfuRooms> logger)
{
    private sealed class Participant(long feedId, string token)
    {
        public long FeedId { get; } = feedId;

        public string Token { get; } = token;

        public bool Muted { get; set; }

        public long? Publisher { get; set; }

        public long? Subscriber { get; set; }

        public IReadOnlyList<VoiceStream> Streams { get; set; } = [];

        public int Subscriptions { get; set; }

        /// <summary>The simulcast layer last asked for, per stream of the subscription (mid).</summary>
        public Dictionary<string, int> Substreams { get; } = [];
    }

    private sealed class Room(Guid key, long id, string secret)
    {
        public Guid Key { get; } = key;

        public long Id { get; } = id;

        public string Secret { get; } = secret;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Dictionary<long, Participant> Participants { get; } = [];
    }

    private readonly ConcurrentDictionary<Guid, Room> rooms = new();

    /// <summary>Publisher and subscriber handles: whose they are, to route Janus' own events.</summary>
    private readonly ConcurrentDictionary<long, (Guid Room, long FeedId, bool Subscriber)> handles = new();

    /// <summary>Publisher handles whose PeerConnection Janus hung up: the next publish starts on a new handle.</summary>
    private readonly ConcurrentDictionary<long, byte> hungUp = new();

    /// <summary>A participant's media changed on Janus' initiative: (room, feed, kind, sdp, handle).</summary>
    public event Action<Guid, long, string, string?, long>? SfuEvent;

    /// <summary>Routes a Janus event that answers no request (hang-ups, renegotiation offers).</summary>
    public void OnNotification(long handle, JsonObject evt)
    {
        if (!handles.TryGetValue(handle, out var owner))
        {
            return;
        }

        var type = evt["janus"]?.GetValue<string>();
        if (!owner.Subscriber && type == "hangup")
        {
            hungUp[handle] = 0;
            SfuEvent?.Invoke(owner.Room, owner.FeedId, "publisher_down", null, handle);
        }
        else if (owner.Subscriber && type == "event" && evt["jsep"]?["type"]?.GetValue<string>() == "offer")
        {
            SfuEvent?.Invoke(owner.Room, owner.FeedId, "subscriber_offer", evt["jsep"]!["sdp"]!.GetValue<string>(), handle);
        }
    }
    private long nextRoomId = RandomNumberGenerator.GetInt32(1, 1 << 30) * 1000L;

    /// <summary>Changes whenever Janus state was lost (adapter start, Janus restart): the directory then moves this worker's rooms.</summary>
    public string BootId { get; private set; } = Guid.NewGuid().ToString("N");

    public void Reset()
    {
        rooms.Clear();
        handles.Clear();
        hungUp.Clear();
        BootId = Guid.NewGuid().ToString("N");
        LogReset(BootId);
    }

    public SfuStatus Status(int janusSessions, int janusHandles)
    {
        var all = rooms.Values.ToList();
        var participants = all.Sum(r => r.Participants.Count);
        var streams = all.Sum(r => r.Participants.Values.Sum(p => p.Streams.Count + p.Subscriptions));
        return new SfuStatus(settings.WorkerId, BootId, all.Count, participants, streams, janusSessions, janusHandles);
    }

    public async Task<SfuRoomCreated> CreateAsync(SfuCreateRoomRequest request, CancellationToken cancellationToken)
    {
        if (rooms.TryGetValue(request.Room, out var existing))
        {
            return new SfuRoomCreated(existing.Key, existing.Id);
        }

        var room = new Room(request.Room, Interlocked.Increment(ref nextRoomId), Convert.ToHexString(RandomNumberGenerator.GetBytes(24)));
        await WithHandleAsync(handle => janus.MessageAsync(handle, new JsonObject
        {
            ["request"] = "create",
            ["room"] = room.Id,
            ["admin_key"] = settings.Janus.AdminKey,
            ["secret"] = room.Secret,
            ["is_private"] = true,
            ["require_e2ee"] = true,
            ["allowed"] = new JsonArray(),
            ["publishers"] = Math.Clamp(request.Publishers, 1, 1000),
            ["audiocodec"] = "opus",
            ["videocodec"] = "vp8",
            ["notify_joining"] = false,
        }, cancellationToken: cancellationToken));
        if (!rooms.TryAdd(room.Key, room))
        {
            await DestroyJanusRoomAsync(room);
            return new SfuRoomCreated(request.Room, rooms[request.Room].Id);
        }

        LogCreated(room.Key, room.Id);
        return new SfuRoomCreated(room.Key, room.Id);
    }

    public async Task DestroyAsync(Guid key)
    {
        if (!rooms.TryRemove(key, out var room))
        {
            return;
        }

        await room.Gate.WaitAsync();
        try
        {
            foreach (var participant in room.Participants.Values)
            {
                await DetachAllAsync(participant);
            }

            await DestroyJanusRoomAsync(room);
        }
        finally
        {
            room.Gate.Release();
        }
    }

    /// <summary>Admits a participant: a fresh token on the room's allowed list.</summary>
    public Task<SfuParticipantAdded> AddParticipantAsync(Guid key, SfuAddParticipantRequest request, CancellationToken cancellationToken) =>
        InRoomAsync(key, async room =>
        {
            if (room.Participants.TryGetValue(request.FeedId, out var old))
            {
                await RemoveAsync(room, old);
            }

            var participant = new Participant(request.FeedId, Convert.ToHexString(RandomNumberGenerator.GetBytes(24))) { Muted = request.ServerMuted };
            await AllowedAsync(room, "add", participant.Token, cancellationToken);
            room.Participants[participant.FeedId] = participant;
            return new SfuParticipantAdded(participant.FeedId, participant.Token);
        });

    public Task RemoveParticipantAsync(Guid key, long feedId) =>
        InRoomAsync(key, async room =>
        {
            if (room.Participants.TryGetValue(feedId, out var participant))
            {
                await RemoveAsync(room, participant);
            }

            return true;
        });

    /// <summary>
    /// Publishes (first offer: joinandconfigure; later offers: configure), always with <c>e2ee: true</c>.
    /// A restart, or a publisher Janus hung up, is detached first and the feed joins anew on a new
    /// handle: Janus cannot give a hung-up publisher a new PeerConnection.
    /// </summary>
    public Task<SfuPublishResult> PublishAsync(Guid key, long feedId, SfuPublishRequest request, CancellationToken cancellationToken) =>
        InParticipantAsync(key, feedId, async (room, participant) =>
        {
            var replaced = false;
            if (participant.Publisher is { } old && (request.Restart || hungUp.ContainsKey(old)))
            {
                LogPublisherReplaced(feedId, key, request.Restart ? "the browser opened a new connection" : "Janus had hung it up");
                participant.Publisher = null;
                participant.Streams = [];
                await DetachPublisherAsync(old);
                replaced = true;
            }

            var jsep = new JsonObject { ["type"] = "offer", ["sdp"] = request.Sdp, ["e2ee"] = true };
            JsonObject data;
            JsonObject? answer;
            if (participant.Publisher is { } handle)
            {
                (data, answer) = await janus.MessageAsync(handle, new JsonObject { ["request"] = "configure", ["e2ee"] = true }, jsep, cancellationToken);
            }
            else
            {
                var join = new JsonObject
                {
                    ["request"] = "joinandconfigure",
                    ["ptype"] = "publisher",
                    ["room"] = room.Id,
                    ["id"] = participant.FeedId,
                    ["token"] = participant.Token,
                    ["e2ee"] = true,
                };

                // Janus leaves the room for a detached handle a moment after the detach answers:
                // until then the feed id of the publisher just replaced is taken (436). Each try
                // needs a new handle, since Janus took the offer's ICE details on the first.
                var deadline = DateTime.UtcNow + TransientRefusalWindow;
                while (true)
                {
                    handle = await janus.AttachAsync(cancellationToken);
                    try
                    {
                        (data, answer) = await janus.MessageAsync(handle, join.DeepClone().AsObject(), jsep.DeepClone().AsObject(), cancellationToken);
                        break;
                    }
                    catch (JanusException ex) when (replaced && ex.Code == JanusIdExists && DateTime.UtcNow < deadline)
                    {
                        await janus.DetachAsync(handle);
                        await Task.Delay(100, cancellationToken);
                    }
                    catch
                    {
                        // A refused offer leaves the handle unusable: start over with a fresh one next time.
                        await janus.DetachAsync(handle);
                        throw;
                    }
                }

                participant.Publisher = handle;
                handles[handle] = (room.Key, participant.FeedId, false);
            }

            if (answer?["sdp"]?.GetValue<string>() is not { } sdp)
            {
                throw new SfuException(SfuErrorCodes.JanusError, "Janus returned no SDP answer.", StatusCodes.Status502BadGateway);
            }

            participant.Streams = (data["streams"] as JsonArray ?? [])
                .OfType<JsonObject>()
                .Where(s => s["disabled"]?.GetValue<bool>() != true)
                .Select(s => new VoiceStream(s["mid"]?.GetValue<string>() ?? "", s["type"]?.GetValue<string>() ?? ""))
                .ToList();
            await ApplyModerationAsync(room, participant, cancellationToken);
            return new SfuPublishResult(sdp, participant.Streams, handle);
        });

    /// <summary>
    /// Joins (first time, or on a restart: a new handle for the browser's new connection) or updates
    /// the participant's subscriber handle; returns Janus' offer.
    /// </summary>
    public Task<SfuSubscribeResult> SubscribeAsync(Guid key, long feedId, SfuSubscribeRequest request, CancellationToken cancellationToken) =>
        InParticipantAsync(key, feedId, async (room, participant) =>
        {
            if (request.Restart && participant.Subscriber is { } old)
            {
                participant.Subscriber = null;
                participant.Subscriptions = 0;
                participant.Substreams.Clear();
                handles.TryRemove(old, out _);
                await janus.DetachAsync(old);
            }

            static JsonArray Refs(IEnumerable<VoiceStreamRef> refs) => new(refs.Select(r =>
            {
                var item = new JsonObject { ["feed"] = r.FeedId };
                if (r.Mid is not null)
                {
                    item["mid"] = r.Mid;
                }

                return (JsonNode)item;
            }).ToArray());

            JsonObject? offer;
            JsonObject data;
            if (participant.Subscriber is not { } handle)
            {
                if (request.Subscribe.Count == 0)
                {
                    return new SfuSubscribeResult(null);
                }

                handle = await janus.AttachAsync(cancellationToken);
                try
                {
                    var join = new JsonObject
                    {
                        ["request"] = "join",
                        ["ptype"] = "subscriber",
                        ["room"] = room.Id,
                        ["token"] = participant.Token,
                        ["use_msid"] = true,
                        ["streams"] = Refs(request.Subscribe),
                    };
                    (data, offer) = await WhileJanusRefusesAsync(JanusNoSuchFeed, () => janus.MessageAsync(handle, join.DeepClone().AsObject(), cancellationToken: cancellationToken), cancellationToken);
                }
                catch
                {
                    await janus.DetachAsync(handle);
                    throw;
                }

                participant.Subscriber = handle;
                handles[handle] = (room.Key, participant.FeedId, true);
            }
            else
            {
                var body = new JsonObject { ["request"] = "update" };
                if (request.Subscribe.Count > 0)
                {
                    body["subscribe"] = Refs(request.Subscribe);
                }

                if (request.Unsubscribe.Count > 0)
                {
                    body["unsubscribe"] = Refs(request.Unsubscribe);
                }

                (data, offer) = await janus.MessageAsync(handle, body, cancellationToken: cancellationToken);
            }

            participant.Subscriptions = Math.Max(0, participant.Subscriptions + request.Subscribe.Count - request.Unsubscribe.Count);
            var streams = (data["streams"] as JsonArray ?? [])
                .OfType<JsonObject>()
                .Where(s => s["feed_id"] is not null && s["active"]?.GetValue<bool>() != false)
                .Select(s => new VoiceSubscribedStream(s["mid"]?.GetValue<string>() ?? "", s["feed_id"]!.GetValue<long>(), s["feed_mid"]?.GetValue<string>() ?? ""))
                .ToList();
            return new SfuSubscribeResult(offer?["sdp"]?.GetValue<string>(), streams);
        });

    public Task StartAsync(Guid key, long feedId, SfuSdpRequest request, CancellationToken cancellationToken) =>
        InParticipantAsync(key, feedId, async (_, participant) =>
        {
            var handle = participant.Subscriber ?? throw new SfuException(SfuErrorCodes.BadRequest, "No subscription to answer.", StatusCodes.Status409Conflict);
            await janus.MessageAsync(handle, new JsonObject { ["request"] = "start" }, new JsonObject { ["type"] = "answer", ["sdp"] = request.Sdp }, cancellationToken);
            return true;
        });

    public Task TrickleAsync(Guid key, long feedId, SfuTrickleRequest request, CancellationToken cancellationToken) =>
        InParticipantAsync(key, feedId, async (_, participant) =>
        {
            var handle = request.Target switch
            {
                "publisher" => participant.Publisher,
                "subscriber" => participant.Subscriber,
                _ => throw new SfuException(SfuErrorCodes.BadRequest, "target: publisher or subscriber.", StatusCodes.Status400BadRequest),
            } ?? throw new SfuException(SfuErrorCodes.BadRequest, $"No {request.Target} connection yet.", StatusCodes.Status409Conflict);
            var candidate = request.Candidate is null
                ? new JsonObject { ["completed"] = true }
                : new JsonObject { ["candidate"] = request.Candidate, ["sdpMid"] = request.SdpMid, ["sdpMLineIndex"] = request.SdpMLineIndex };
            await janus.TrickleAsync(handle, candidate, cancellationToken);
            return true;
        });

    /// <summary>Server mute: Janus stops forwarding the participant's audio streams.</summary>
    public Task ModerateAsync(Guid key, long feedId, SfuModerateRequest request, CancellationToken cancellationToken) =>
        InParticipantAsync(key, feedId, async (room, participant) =>
        {
            participant.Muted = request.Muted;
            await ApplyModerationAsync(room, participant, cancellationToken);
            return true;
        });

    /// <summary>
    /// Simulcast: which layer Janus forwards on one stream of the participant's subscription
    /// (videoroom <c>configure</c>). Janus switches on the new layer's next keyframe and asks the
    /// publisher for one, but drops a keyframe request that follows another within a second: a
    /// tile enlarged then shrunk at once could wait for its layer until the publisher's next
    /// keyframe, which WebRTC senders only make when asked. So the request is made once more after
    /// <see cref="SubstreamRepeatDelay"/> if it is still the wanted layer (a no-op once switched).
    /// </summary>
    public async Task SetSubstreamAsync(Guid key, long feedId, SfuSubstreamRequest request, CancellationToken cancellationToken)
    {
        var substream = Math.Clamp(request.Substream, 0, 2);
        var handle = await InParticipantAsync(key, feedId, async (_, participant) =>
        {
            var handle = participant.Subscriber ?? throw new SfuException(SfuErrorCodes.BadRequest, "No subscription yet.", StatusCodes.Status409Conflict);
            participant.Substreams[request.Mid] = substream;
            await ConfigureSubstreamAsync(handle, request.Mid, substream, cancellationToken);
            return handle;
        });
        _ = RepeatSubstreamAsync(key, feedId, handle, request.Mid, substream);
    }

    private async Task RepeatSubstreamAsync(Guid key, long feedId, long handle, string mid, int substream)
    {
        try
        {
            await Task.Delay(SubstreamRepeatDelay);
            await InParticipantAsync(key, feedId, async (_, participant) =>
            {
                if (participant.Subscriber == handle && participant.Substreams.GetValueOrDefault(mid, -1) == substream)
                {
                    await ConfigureSubstreamAsync(handle, mid, substream, CancellationToken.None);
                }

                return true;
            });
        }
        catch (Exception ex) when (ex is SfuException or JanusException or HttpRequestException or OperationCanceledException)
        {
            // The participant, room or subscription went away meanwhile: nothing to repeat.
            LogSubstreamRepeatSkipped(feedId, mid, ex.Message);
        }
    }

    private Task ConfigureSubstreamAsync(long handle, string mid, int substream, CancellationToken cancellationToken) =>
        janus.MessageAsync(handle, new JsonObject
        {
            ["request"] = "configure",
            ["streams"] = new JsonArray(new JsonObject { ["mid"] = mid, ["substream"] = substream }),
        }, cancellationToken: cancellationToken);

    /// <summary>Longer than Janus' one-second spacing of keyframe requests to a publisher.</summary>
    private static readonly TimeSpan SubstreamRepeatDelay = TimeSpan.FromMilliseconds(1500);

    /// <summary>Kicks the participant out of the Janus room (Janus hangs up) and revokes their token.</summary>
    public Task KickAsync(Guid key, long feedId, CancellationToken cancellationToken) =>
        InParticipantAsync(key, feedId, async (room, participant) =>
        {
            await RemoveAsync(room, participant);
            return true;
        });

    public Task<IReadOnlyList<SfuJanusParticipant>> ListAsync(Guid key, CancellationToken cancellationToken) =>
        InRoomAsync(key, async room =>
        {
            var (data, _) = await WithHandleAsync(handle => janus.MessageAsync(handle, new JsonObject { ["request"] = "listparticipants", ["room"] = room.Id }, cancellationToken: cancellationToken));
            return (IReadOnlyList<SfuJanusParticipant>)(data["participants"] as JsonArray ?? [])
                .OfType<JsonObject>()
                .Select(p => new SfuJanusParticipant(p["id"]!.GetValue<long>(), p["publisher"]?.GetValue<bool>() == true, p["talking"]?.GetValue<bool>() == true))
                .ToList();
        });

    private async Task ApplyModerationAsync(Room room, Participant participant, CancellationToken cancellationToken)
    {
        if (participant.Publisher is null)
        {
            return; // Applied when they publish.
        }

        foreach (var stream in participant.Streams.Where(s => s.Kind == "audio"))
        {
            await WithHandleAsync(handle => janus.MessageAsync(handle, new JsonObject
            {
                ["request"] = "moderate",
                ["room"] = room.Id,
                ["secret"] = room.Secret,
                ["id"] = participant.FeedId,
                ["mid"] = stream.Mid,
                ["mute"] = participant.Muted,
            }, cancellationToken: cancellationToken));
        }
    }

    private async Task RemoveAsync(Room room, Participant participant)
    {
        room.Participants.Remove(participant.FeedId);
        await AllowedAsync(room, "remove", participant.Token, CancellationToken.None);
        if (participant.Publisher is not null)
        {
            try
            {
                await WithHandleAsync(handle => janus.MessageAsync(handle, new JsonObject
                {
                    ["request"] = "kick",
                    ["room"] = room.Id,
                    ["secret"] = room.Secret,
                    ["id"] = participant.FeedId,
                }));
            }
            catch (JanusException)
            {
                // Already left.
            }
        }

        await DetachAllAsync(participant);
    }

    private async Task DetachAllAsync(Participant participant)
    {
        if (participant.Subscriber is { } subscriber)
        {
            handles.TryRemove(subscriber, out _);
            await janus.DetachAsync(subscriber);
        }

        if (participant.Publisher is { } publisher)
        {
            await DetachPublisherAsync(publisher);
        }

        participant.Publisher = participant.Subscriber = null;
    }

    /// <summary>Forgets a publisher handle before detaching it, so its own hang-up is not reported as a failure.</summary>
    private async Task DetachPublisherAsync(long handle)
    {
        handles.TryRemove(handle, out _);
        hungUp.TryRemove(handle, out _);
        await janus.DetachAsync(handle);
    }

    private Task AllowedAsync(Room room, string action, string token, CancellationToken cancellationToken) =>
        WithHandleAsync(handle => janus.MessageAsync(handle, new JsonObject
        {
            ["request"] = "allowed",
            ["room"] = room.Id,
            ["secret"] = room.Secret,
            ["action"] = action,
            ["allowed"] = new JsonArray(token),
        }, cancellationToken: cancellationToken));

    private async Task DestroyJanusRoomAsync(Room room)
    {
        try
        {
            await WithHandleAsync(handle => janus.MessageAsync(handle, new JsonObject { ["request"] = "destroy", ["room"] = room.Id, ["secret"] = room.Secret }));
        }
        catch (JanusException ex)
        {
            LogDestroyFailed(room.Key, ex.Message);
        }
    }

    private readonly SemaphoreSlim controlGate = new(1, 1);
    private long controlHandle;

    /// <summary>Room-level requests go through one long-lived control handle (re-attached after a session loss).</summary>
    private async Task<T> WithHandleAsync<T>(Func<long, Task<T>> action)
    {
        if (Interlocked.Read(ref controlHandle) == 0)
        {
            await controlGate.WaitAsync();
            try
            {
                if (Interlocked.Read(ref controlHandle) == 0)
                {
                    Interlocked.Exchange(ref controlHandle, await janus.AttachAsync());
                }
            }
            finally
            {
                controlGate.Release();
            }
        }

        return await action(Interlocked.Read(ref controlHandle));
    }

    private async Task WithHandleAsync(Func<long, Task> action) =>
        await WithHandleAsync(async handle =>
        {
            await action(handle);
            return true;
        });

    /// <summary>Forgets the control handle (the session it belonged to is gone).</summary>
    public void ForgetControlHandle() => Interlocked.Exchange(ref controlHandle, 0);

    private async Task<T> InRoomAsync<T>(Guid key, Func<Room, Task<T>> action)
    {
        if (!rooms.TryGetValue(key, out var room))
        {
            throw new SfuException(SfuErrorCodes.RoomNotFound, "No such room on this worker.", StatusCodes.Status404NotFound);
        }

        await room.Gate.WaitAsync();
        try
        {
            return await action(room);
        }
        finally
        {
            room.Gate.Release();
        }
    }

    /// <summary>
    /// The grain announces a feed once Janus answered its offer, but Janus refuses subscribers
    /// (428, no such feed) until that publisher's ICE/DTLS is up, a few hundred milliseconds later.
    /// A join that races it is retried for a bounded time instead of failing the subscriber.
    /// </summary>
    /// <summary>Retries <paramref name="request"/> every 100 ms for up to 5 s while Janus refuses it with <paramref name="code"/>.</summary>
    private static async Task<T> WhileJanusRefusesAsync<T>(int code, Func<Task<T>> request, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TransientRefusalWindow;
        while (true)
        {
            try
            {
                return await request();
            }
            catch (JanusException ex) when (ex.Code == code && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private const int JanusNoSuchFeed = 428;
    private const int JanusIdExists = 436;
    private static readonly TimeSpan TransientRefusalWindow = TimeSpan.FromSeconds(5);

    private Task<T> InParticipantAsync<T>(Guid key, long feedId, Func<Room, Participant, Task<T>> action) =>
        InRoomAsync(key, room => room.Participants.TryGetValue(feedId, out var participant)
            ? action(room, participant)
            : throw new SfuException(SfuErrorCodes.ParticipantNotFound, "No such participant in this room.", StatusCodes.Status404NotFound));

    [LoggerMessage(Level = LogLevel.Information, Message = "Room {Room} created as Janus room {RoomId} (require_e2ee)")]
    private partial void LogCreated(Guid room, long roomId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not destroy the Janus room of {Room}: {Reason}")]
    private partial void LogDestroyFailed(Guid room, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Repeated layer request for feed {FeedId} stream {Mid} skipped: {Reason}")]
    private partial void LogSubstreamRepeatSkipped(long feedId, string mid, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Publisher of feed {FeedId} in room {Room} replaced: {Reason}")]
    private partial void LogPublisherReplaced(long feedId, Guid room, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Janus state lost: every room is gone (boot id now {BootId})")]
    private partial void LogReset(string bootId);
}
