using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LesCopains.Grains.Guilds;
using LesCopains.Grains.Voice;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static LesCopains.Api.Tests.GuildClient;

namespace LesCopains.Api.Tests.Voice;

/// <summary>
/// Voice rooms against a real Janus (control plane only: offers are answered, no media flows):
/// permissions, capacity, the SFU room's E2EE and token rules, moderation told over the hub.
/// </summary>
[Collection(VoiceCollection.Name)]
public sealed class VoiceTests(VoiceCluster cluster)
{
    private sealed record Setup(GuildView Guild, GuildClient Owner, GuildClient[] Members, Guid Voice)
    {
        public Guid EveryoneRole => Guild.Id;
    }

    [JanusFact]
    public async Task A_worker_reports_ready_once_the_directory_knows_it()
    {
        // Ready means rooms can be placed on it: Janus answers and a heartbeat reached the directory.
        var worker = cluster.Workers.Single();
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(worker.Url, "/health"));
        var health = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.True(health.GetProperty("registered").GetBoolean());
        Assert.Contains(await cluster.Grains.GetGrain<ISfuDirectoryGrain>(0).GetWorkers(), w => w.WorkerId == worker.WorkerId);
    }

    private async Task<Setup> GuildAsync(int members)
    {
        var owner = await NewAsync(cluster);
        var (guild, joined) = await GuildWithMembersAsync(owner, members);
        return new Setup(guild, owner, joined, guild.Channels.Single(c => c.Type == "voice").Id);
    }

    private static Task<JsonElement> JoinAsync(HubClient hub, Guid channelId, bool selfMute = false) =>
        hub.Connection.InvokeAsync<JsonElement>("VoiceJoin", new { channelId, selfMute });

    private static async Task<string> ErrorOf(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<HubException>(call);
        return error.Message.Split("HubException: ")[^1];
    }

    private Task<VoiceRoomInfo> RoomAsync(Guid channelId) => cluster.Grains.GetGrain<IVoiceRoomGrain>(channelId).GetInfo();

    [JanusFact]
    public async Task Member_without_Connect_is_refused_with_missing_permission_and_is_not_in_the_room()
    {
        var s = await GuildAsync(1);
        await s.Owner.SetOverwriteAsync(s.Guild.Id, s.Voice, s.EveryoneRole, "role", Permissions.None, Permissions.Connect);
        await using var hub = await s.Members[0].ConnectHubAsync();

        var error = await ErrorOf(() => JoinAsync(hub, s.Voice));

        Assert.StartsWith("missing_permission:", error, StringComparison.Ordinal);
        Assert.Contains("CONNECT", error, StringComparison.Ordinal);
        Assert.Equal(0, (await RoomAsync(s.Voice)).Participants);
        Assert.Null(await cluster.Grains.GetGrain<IVoiceMemberGrain>(s.Members[0].Id).GetChannel());
    }

    [JanusFact]
    public async Task Member_without_Speak_joins_server_muted_and_cannot_unmute()
    {
        var s = await GuildAsync(1);
        await s.Owner.SetOverwriteAsync(s.Guild.Id, s.Voice, s.EveryoneRole, "role", Permissions.None, Permissions.Speak);
        await using var hub = await s.Members[0].ConnectHubAsync();

        var joined = await JoinAsync(hub, s.Voice);
        var self = joined.GetProperty("self");
        Assert.True(self.GetProperty("serverMute").GetBoolean());
        Assert.True(self.GetProperty("selfMute").GetBoolean());
        Assert.True(joined.GetProperty("e2ee").GetBoolean());

        var error = await ErrorOf(() => hub.Connection.InvokeAsync<JsonElement>("VoiceUpdateState", new { channelId = s.Voice, selfMute = false }));
        Assert.StartsWith("missing_permission:", error, StringComparison.Ordinal);
        Assert.Contains("SPEAK", error, StringComparison.Ordinal);

        // A moderator cannot lift the mute either while SPEAK is denied.
        await using var ownerHub = await s.Owner.ConnectHubAsync();
        await JoinAsync(ownerHub, s.Voice);
        error = await ErrorOf(() => ownerHub.Connection.InvokeAsync<JsonElement>("VoiceServerMute", new { channelId = s.Voice, userId = s.Members[0].Id, muted = false }));
        Assert.StartsWith("missing_permission:", error, StringComparison.Ordinal);
        var member = (await cluster.Grains.GetGrain<IVoiceRoomGrain>(s.Voice).GetParticipants()).Single(p => p.UserId == s.Members[0].Id);
        Assert.True(member.ServerMute);
    }

    [JanusFact]
    public async Task Screen_share_needs_Stream_and_video_is_only_published_as_a_screen_share()
    {
        var s = await GuildAsync(1);
        await s.Owner.SetOverwriteAsync(s.Guild.Id, s.Voice, s.EveryoneRole, "role", Permissions.None, Permissions.Stream);
        await using var memberHub = await s.Members[0].ConnectHubAsync();
        await using var ownerHub = await s.Owner.ConnectHubAsync();
        await JoinAsync(memberHub, s.Voice);
        await JoinAsync(ownerHub, s.Voice);

        var error = await ErrorOf(() => memberHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = s.Voice, sdp = Sdp.AudioAndVideoOffer(), screen = true }));
        Assert.StartsWith("missing_permission:", error, StringComparison.Ordinal);
        Assert.Contains("STREAM", error, StringComparison.Ordinal);
        error = await ErrorOf(() => memberHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = s.Voice, sdp = Sdp.AudioAndVideoOffer(), screen = false }));
        Assert.StartsWith("validation_failed:", error, StringComparison.Ordinal);

        // Audio is fine; the owner (who has STREAM) shares a screen.
        var answer = await memberHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = s.Voice, sdp = Sdp.AudioOffer() });
        Assert.Equal("answer", answer.GetProperty("type").GetString());
        Assert.Contains("m=audio", answer.GetProperty("sdp").GetString(), StringComparison.Ordinal);
        var shared = await ownerHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = s.Voice, sdp = Sdp.AudioAndVideoOffer(), screen = true });
        Assert.Contains("m=video", shared.GetProperty("sdp").GetString(), StringComparison.Ordinal);

        var participants = await cluster.Grains.GetGrain<IVoiceRoomGrain>(s.Voice).GetParticipants();
        var owner = participants.Single(p => p.UserId == s.Owner.Id);
        var member = participants.Single(p => p.UserId == s.Members[0].Id);
        Assert.True(owner.ScreenSharing);
        Assert.Contains(owner.Streams, x => x.Kind == "video");
        Assert.True(member.Publishing);
        Assert.False(member.ScreenSharing);
        Assert.Equal(["audio"], member.Streams.Select(x => x.Kind));

        // Viewers learn it through voice:state.
        await memberHub.WaitForAsync("voice:state", e => e.GetProperty("userId").GetGuid() == s.Owner.Id
            && e.GetProperty("participant").ValueKind == JsonValueKind.Object
            && e.GetProperty("participant").GetProperty("screenSharing").GetBoolean());
    }

    [JanusFact]
    public async Task Camera_needs_Stream_and_viewers_can_tell_it_from_the_screen_share()
    {
        var s = await GuildAsync(1);
        await s.Owner.SetOverwriteAsync(s.Guild.Id, s.Voice, s.EveryoneRole, "role", Permissions.None, Permissions.Stream);
        await using var memberHub = await s.Members[0].ConnectHubAsync();
        await using var ownerHub = await s.Owner.ConnectHubAsync();
        var joined = await JoinAsync(memberHub, s.Voice);
        Assert.True(joined.GetProperty("simulcast").GetBoolean()); // the silo's ENABLE_SIMULCAST, told to clients
        await JoinAsync(ownerHub, s.Voice);

        // A camera is video in a voice channel: STREAM, like a screen share (Discord's "Video" permission).
        var error = await ErrorOf(() => memberHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = s.Voice, sdp = Sdp.AudioAndVideoOffer(), camera = true, cameraMid = "1" }));
        Assert.StartsWith("missing_permission:", error, StringComparison.Ordinal);
        Assert.Contains("STREAM", error, StringComparison.Ordinal);

        // Every sending video section must be declared: two video sections with only a camera declared are refused.
        error = await ErrorOf(() => ownerHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = s.Voice, sdp = Sdp.AudioAndTwoVideosOffer(), camera = true, cameraMid = "2" }));
        Assert.StartsWith("validation_failed:", error, StringComparison.Ordinal);
        Assert.False((await cluster.Grains.GetGrain<IVoiceRoomGrain>(s.Voice).GetParticipants()).Single(p => p.UserId == s.Owner.Id).Publishing);

        var answer = await ownerHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = s.Voice, sdp = Sdp.AudioAndTwoVideosOffer(), screen = true, screenMid = "1", camera = true, cameraMid = "2" });
        Assert.Equal(2, answer.GetProperty("sdp").GetString()!.Split("m=video").Length - 1);
        var owner = (await cluster.Grains.GetGrain<IVoiceRoomGrain>(s.Voice).GetParticipants()).Single(p => p.UserId == s.Owner.Id);
        Assert.True(owner.Camera);
        Assert.True(owner.ScreenSharing);
        Assert.Equal([("0", "audio", "microphone"), ("1", "video", "screen"), ("2", "video", "camera")], owner.Streams.Select(x => (x.Mid, x.Kind, x.Source)).OrderBy(x => x.Mid));
        await memberHub.WaitForAsync("voice:state", e => e.GetProperty("userId").GetGuid() == s.Owner.Id
            && e.GetProperty("participant").ValueKind == JsonValueKind.Object
            && e.GetProperty("participant").GetProperty("camera").GetBoolean()
            && e.GetProperty("participant").GetProperty("streams").EnumerateArray().Any(x => x.GetProperty("source").GetString() == "camera"));

        // The camera alone (no mid given: the one video section is the camera); the screen share ended.
        await ownerHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = s.Voice, sdp = Sdp.AudioAndVideoOffer(), camera = true });
        owner = (await cluster.Grains.GetGrain<IVoiceRoomGrain>(s.Voice).GetParticipants()).Single(p => p.UserId == s.Owner.Id);
        Assert.True(owner.Camera);
        Assert.False(owner.ScreenSharing);

        // Picking a simulcast layer: 0 to 2, and only on a subscription.
        error = await ErrorOf(() => memberHub.Connection.InvokeAsync("VoiceSetSubstream", new { channelId = s.Voice, mid = "1", substream = 3 }));
        Assert.StartsWith("validation_failed:", error, StringComparison.Ordinal);
        error = await ErrorOf(() => memberHub.Connection.InvokeAsync("VoiceSetSubstream", new { channelId = s.Voice, mid = "1", substream = 0 }));
        Assert.StartsWith("validation_failed:", error, StringComparison.Ordinal);
    }

    [JanusFact]
    public async Task A_room_holds_at_most_MAX_PARTICIPANTS_PER_ROOM()
    {
        var s = await GuildAsync(VoiceCluster.MaxParticipants);
        var hubs = new List<HubClient>();
        try
        {
            foreach (var member in s.Members)
            {
                var hub = await member.ConnectHubAsync();
                hubs.Add(hub);
                await JoinAsync(hub, s.Voice);
            }

            var late = await s.Owner.ConnectHubAsync();
            hubs.Add(late);
            var error = await ErrorOf(() => JoinAsync(late, s.Voice));
            Assert.StartsWith("voice_room_full:", error, StringComparison.Ordinal);
            Assert.Equal(VoiceCluster.MaxParticipants, (await RoomAsync(s.Voice)).Participants);

            // A seat frees up when someone leaves.
            await hubs[0].Connection.InvokeAsync("VoiceLeave");
            await JoinAsync(late, s.Voice);
        }
        finally
        {
            foreach (var hub in hubs)
            {
                await hub.DisposeAsync();
            }
        }
    }

    [JanusFact]
    public async Task The_sfu_room_requires_join_tokens_and_end_to_end_encrypted_publishers()
    {
        var worker = cluster.Workers[0];
        using var adapter = new HttpClient { BaseAddress = worker.Url };
        var room = Guid.NewGuid();

        // The adapter refuses callers without the shared secret.
        using (var anonymous = await adapter.PostAsJsonAsync("/rooms", new SfuCreateRoomRequest(room, 5)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        adapter.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.WorkerSecret);
        var created = await (await adapter.PostAsJsonAsync("/rooms", new SfuCreateRoomRequest(room, 5))).Content.ReadFromJsonAsync<SfuRoomCreated>();
        var added = await (await adapter.PostAsJsonAsync($"/rooms/{room:N}/participants", new SfuAddParticipantRequest(7, false))).Content.ReadFromJsonAsync<SfuParticipantAdded>();

        // Straight to Janus, as an attacker on the worker host would: no token, then no E2EE, then both.
        await using var janus = await JanusSession.OpenAsync(worker.Janus.Url);
        static JsonObject Offer() => new() { ["type"] = "offer", ["sdp"] = Sdp.AudioOffer() };
        var noToken = await janus.PublishAsync(created!.RoomId, 7, token: null, Offer());
        Assert.Equal(433, noToken.ErrorCode);
        Assert.Contains("allowed", noToken.Error, StringComparison.OrdinalIgnoreCase);

        var noE2ee = await janus.PublishAsync(created.RoomId, 7, added!.Token, Offer());
        Assert.Equal(433, noE2ee.ErrorCode);
        Assert.Contains("end-to-end", noE2ee.Error, StringComparison.Ordinal);

        var encrypted = await janus.PublishAsync(created.RoomId, 17, added.Token, new JsonObject { ["type"] = "offer", ["sdp"] = Sdp.AudioOffer(), ["e2ee"] = true });
        Assert.Null(encrypted.ErrorCode);
        Assert.True(encrypted.Jsep?["e2ee"]?.GetValue<bool>());

        // The worker reports its load.
        var status = await adapter.GetFromJsonAsync<SfuStatus>("/status");
        Assert.Equal(worker.WorkerId, status!.WorkerId);
        Assert.True(status.Rooms >= 1 && status.Participants >= 1, $"status: {status}");
        Assert.True(status.JanusSessions >= 1);

        // A removed participant's token no longer opens the room.
        Assert.True((await adapter.DeleteAsync($"/rooms/{room:N}/participants/7")).IsSuccessStatusCode);
        var revoked = await janus.PublishAsync(created.RoomId, 18, added.Token, new JsonObject { ["type"] = "offer", ["sdp"] = Sdp.AudioOffer(), ["e2ee"] = true });
        Assert.Equal(433, revoked.ErrorCode);
        Assert.True((await adapter.DeleteAsync($"/rooms/{room:N}")).IsSuccessStatusCode);
    }

    [JanusFact]
    public async Task Disconnecting_a_member_needs_MOVE_MEMBERS_tells_their_client_and_hangs_them_up()
    {
        var s = await GuildAsync(2);
        await using var ownerHub = await s.Owner.ConnectHubAsync();
        await using var victimHub = await s.Members[0].ConnectHubAsync();
        await using var otherHub = await s.Members[1].ConnectHubAsync();
        await JoinAsync(ownerHub, s.Voice);
        await JoinAsync(victimHub, s.Voice);
        await JoinAsync(otherHub, s.Voice);
        await victimHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = s.Voice, sdp = Sdp.AudioOffer() });
        var feed = (await cluster.Grains.GetGrain<IVoiceRoomGrain>(s.Voice).GetParticipants()).Single(p => p.UserId == s.Members[0].Id).FeedId;
        Assert.Contains(await SfuParticipantsAsync(s.Voice), p => p.Id == feed);

        var error = await ErrorOf(() => otherHub.Connection.InvokeAsync("VoiceDisconnect", new { channelId = s.Voice, userId = s.Members[0].Id }));
        Assert.StartsWith("missing_permission:", error, StringComparison.Ordinal);
        Assert.Contains("MOVE_MEMBERS", error, StringComparison.Ordinal);

        await ownerHub.Connection.InvokeAsync("VoiceDisconnect", new { channelId = s.Voice, userId = s.Members[0].Id });

        var (_, kicked) = await victimHub.WaitForAsync("voice:kicked");
        Assert.Equal(s.Voice, kicked.GetProperty("channelId").GetGuid());
        Assert.Equal("removed", kicked.GetProperty("reason").GetString());
        Assert.Equal(s.Owner.Id, kicked.GetProperty("byUserId").GetGuid());
        Assert.DoesNotContain(await SfuParticipantsAsync(s.Voice), p => p.Id == feed);
        await otherHub.WaitForAsync("voice:state", e => e.GetProperty("userId").GetGuid() == s.Members[0].Id && e.GetProperty("participant").ValueKind == JsonValueKind.Null);
        Assert.Null(await cluster.Grains.GetGrain<IVoiceMemberGrain>(s.Members[0].Id).GetChannel());
        error = await ErrorOf(() => victimHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = s.Voice, sdp = Sdp.AudioOffer() }));
        Assert.StartsWith("voice_not_joined:", error, StringComparison.Ordinal);
    }

    [JanusFact]
    public async Task Server_mute_needs_MUTE_MEMBERS_and_reaches_viewers()
    {
        var s = await GuildAsync(2);
        await using var ownerHub = await s.Owner.ConnectHubAsync();
        await using var memberHub = await s.Members[0].ConnectHubAsync();
        await using var otherHub = await s.Members[1].ConnectHubAsync();
        await JoinAsync(ownerHub, s.Voice);
        await JoinAsync(memberHub, s.Voice);
        await memberHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = s.Voice, sdp = Sdp.AudioOffer() });

        var error = await ErrorOf(() => otherHub.Connection.InvokeAsync<JsonElement>("VoiceServerMute", new { channelId = s.Voice, userId = s.Owner.Id, muted = true }));
        Assert.Contains("MUTE_MEMBERS", error, StringComparison.Ordinal);

        var muted = await ownerHub.Connection.InvokeAsync<JsonElement>("VoiceServerMute", new { channelId = s.Voice, userId = s.Members[0].Id, muted = true });
        Assert.True(muted.GetProperty("serverMute").GetBoolean());
        await otherHub.WaitForAsync("voice:state", e => e.GetProperty("userId").GetGuid() == s.Members[0].Id
            && e.GetProperty("participant").ValueKind == JsonValueKind.Object
            && e.GetProperty("participant").GetProperty("serverMute").GetBoolean());

        var unmuted = await ownerHub.Connection.InvokeAsync<JsonElement>("VoiceServerMute", new { channelId = s.Voice, userId = s.Members[0].Id, muted = false });
        Assert.False(unmuted.GetProperty("serverMute").GetBoolean());
    }

    [JanusFact]
    public async Task A_user_is_in_one_voice_channel_and_joins_and_leaves_ask_for_a_new_key()
    {
        var s = await GuildAsync(1);
        var second = await s.Owner.CreateChannelAsync(s.Guild.Id, "Second", "voice");
        await using var ownerHub = await s.Owner.ConnectHubAsync();
        await using var memberHub = await s.Members[0].ConnectHubAsync();
        var first = await JoinAsync(ownerHub, s.Voice);
        var epoch = first.GetProperty("epoch").GetInt64();

        var joined = await JoinAsync(memberHub, s.Voice);
        Assert.Equal(epoch + 1, joined.GetProperty("epoch").GetInt64());
        Assert.Equal(2, joined.GetProperty("participants").GetArrayLength());
        var (_, rekey) = await ownerHub.WaitForAsync("voice:rekey", e => e.GetProperty("reason").GetString() == "join");
        Assert.Equal(epoch + 1, rekey.GetProperty("epoch").GetInt64());
        Assert.Contains(rekey.GetProperty("userIds").EnumerateArray(), u => u.GetGuid() == s.Members[0].Id);

        // Joining another channel leaves the first one: the others rotate keys again.
        await JoinAsync(memberHub, second.Id);
        await ownerHub.WaitForAsync("voice:rekey", e => e.GetProperty("reason").GetString() == "leave" && e.GetProperty("epoch").GetInt64() == epoch + 2);
        var (_, arrived) = await ownerHub.WaitForAsync("voice:state", e => e.GetProperty("channelId").GetGuid() == second.Id && e.GetProperty("userId").GetGuid() == s.Members[0].Id);
        Assert.DoesNotContain(await cluster.Grains.GetGrain<IVoiceRoomGrain>(s.Voice).GetParticipants(), p => p.UserId == s.Members[0].Id);
        Assert.Equal(second.Id, await cluster.Grains.GetGrain<IVoiceMemberGrain>(s.Members[0].Id).GetChannel());

        // The snapshot says which live events it already holds: its version is at least the last one seen.
        var states = await ownerHub.Connection.InvokeAsync<JsonElement>("GetVoiceStates", s.Guild.Id);
        Assert.Equal(2, states.GetArrayLength());
        var secondState = states.EnumerateArray().Single(c => c.GetProperty("channelId").GetGuid() == second.Id);
        Assert.Contains(secondState.GetProperty("participants").EnumerateArray(), p => p.GetProperty("userId").GetGuid() == s.Members[0].Id);
        Assert.True(secondState.GetProperty("version").GetInt64() >= arrived.GetProperty("version").GetInt64());

        // Closing the connection leaves voice.
        await memberHub.Connection.StopAsync();
        await Poll.UntilAsync(() => RoomAsync(second.Id), r => r.Participants == 0, TimeSpan.FromSeconds(20), "the closed connection to leave");
        var (_, left) = await ownerHub.WaitForAsync("voice:state", e => e.GetProperty("channelId").GetGuid() == second.Id && e.GetProperty("participant").ValueKind == JsonValueKind.Null);

        // An emptied channel is still listed (a client that reconnects learns who left), newer than the leave.
        states = await ownerHub.Connection.InvokeAsync<JsonElement>("GetVoiceStates", s.Guild.Id);
        secondState = states.EnumerateArray().Single(c => c.GetProperty("channelId").GetGuid() == second.Id);
        Assert.Equal(0, secondState.GetProperty("participants").GetArrayLength());
        Assert.True(secondState.GetProperty("version").GetInt64() >= left.GetProperty("version").GetInt64());
    }

    [JanusFact]
    public async Task Moving_a_member_needs_MOVE_MEMBERS_and_lands_them_in_the_target_channel()
    {
        var s = await GuildAsync(2);
        var target = await s.Owner.CreateChannelAsync(s.Guild.Id, "Target", "voice");
        await using var ownerHub = await s.Owner.ConnectHubAsync();
        await using var memberHub = await s.Members[0].ConnectHubAsync();
        await using var otherHub = await s.Members[1].ConnectHubAsync();
        await JoinAsync(memberHub, s.Voice);
        await JoinAsync(otherHub, s.Voice);

        var error = await ErrorOf(() => otherHub.Connection.InvokeAsync("VoiceMove", new { channelId = s.Voice, userId = s.Members[0].Id, targetChannelId = target.Id }));
        Assert.Contains("MOVE_MEMBERS", error, StringComparison.Ordinal);

        await ownerHub.Connection.InvokeAsync("VoiceMove", new { channelId = s.Voice, userId = s.Members[0].Id, targetChannelId = target.Id });

        var (_, moved) = await memberHub.WaitForAsync("voice:moved");
        Assert.Equal(s.Voice, moved.GetProperty("fromChannelId").GetGuid());
        Assert.Equal(target.Id, moved.GetProperty("join").GetProperty("channelId").GetGuid());
        Assert.Equal(target.Id, await cluster.Grains.GetGrain<IVoiceMemberGrain>(s.Members[0].Id).GetChannel());
        Assert.Equal(1, (await RoomAsync(s.Voice)).Participants);
        var answer = await memberHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = target.Id, sdp = Sdp.AudioOffer() });
        Assert.Equal("answer", answer.GetProperty("type").GetString());
    }

    [JanusFact]
    public async Task When_the_sfu_hangs_up_a_publisher_viewers_see_it_and_the_member_publishes_again_on_a_new_handle()
    {
        var s = await GuildAsync(1);
        await using var memberHub = await s.Members[0].ConnectHubAsync();
        await using var ownerHub = await s.Owner.ConnectHubAsync();
        await JoinAsync(ownerHub, s.Voice);
        await JoinAsync(memberHub, s.Voice);
        await memberHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = s.Voice, sdp = Sdp.AudioOffer() });
        await ownerHub.WaitForAsync("voice:state", e => e.GetProperty("userId").GetGuid() == s.Members[0].Id
            && e.GetProperty("participant").ValueKind == JsonValueKind.Object && e.GetProperty("participant").GetProperty("publishing").GetBoolean());

        // The media path dies (as when ICE fails): Janus hangs up every PeerConnection of the worker.
        var info = await RoomAsync(s.Voice);
        await JanusSession.HangUpAllAsync(cluster.Workers.Single(w => w.WorkerId == info.WorkerId).Janus);

        await Poll.UntilAsync(
            () => cluster.Grains.GetGrain<IVoiceRoomGrain>(s.Voice).GetParticipants(),
            list => list.Single(p => p.UserId == s.Members[0].Id) is { Publishing: false, Streams.Count: 0 },
            TimeSpan.FromSeconds(40),
            "the hung-up publisher to stop publishing");
        await ownerHub.WaitForAsync("voice:state", e => e.GetProperty("userId").GetGuid() == s.Members[0].Id
            && e.GetProperty("participant").ValueKind == JsonValueKind.Object && !e.GetProperty("participant").GetProperty("publishing").GetBoolean());

        // The member's client is asked to publish again; Janus cannot give the hung-up handle a new
        // PeerConnection, so the SFU publishes the same feed on a new handle.
        var (_, republish) = await memberHub.WaitForAsync("voice:republish");
        Assert.Equal(s.Voice, republish.GetProperty("channelId").GetGuid());
        Assert.Equal("publisher_down", republish.GetProperty("reason").GetString());
        var handlesBefore = await JanusSession.HandlesAsync(cluster.Workers.Single(w => w.WorkerId == info.WorkerId).Janus);
        var answer = await memberHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = s.Voice, sdp = Sdp.AudioOffer() });
        Assert.Equal("answer", answer.GetProperty("type").GetString());
        var handlesAfter = await JanusSession.HandlesAsync(cluster.Workers.Single(w => w.WorkerId == info.WorkerId).Janus);
        Assert.Single(handlesBefore.Except(handlesAfter));
        Assert.Single(handlesAfter.Except(handlesBefore));

        var self = (await cluster.Grains.GetGrain<IVoiceRoomGrain>(s.Voice).GetParticipants()).Single(p => p.UserId == s.Members[0].Id);
        Assert.True(self.Publishing);
        Assert.Equal(2, self.Publication);
        await ownerHub.WaitForAsync("voice:state", e => e.GetProperty("userId").GetGuid() == s.Members[0].Id
            && e.GetProperty("participant").ValueKind == JsonValueKind.Object && e.GetProperty("participant").GetProperty("publication").GetInt32() == 2);
    }

    [JanusFact]
    public async Task A_publish_restart_starts_the_feed_on_a_new_sfu_handle_and_a_new_publication()
    {
        var s = await GuildAsync(1);
        await using var memberHub = await s.Members[0].ConnectHubAsync();
        await JoinAsync(memberHub, s.Voice);
        var room = cluster.Grains.GetGrain<IVoiceRoomGrain>(s.Voice);
        await memberHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = s.Voice, sdp = Sdp.AudioOffer() });
        Assert.Equal(1, (await room.GetParticipants()).Single().Publication);

        // Renegotiating the same connection keeps the publication and the handle.
        var workerId = (await RoomAsync(s.Voice)).WorkerId;
        var janus = cluster.Workers.Single(w => w.WorkerId == workerId).Janus;
        var before = await JanusSession.HandlesAsync(janus);
        await memberHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = s.Voice, sdp = Sdp.AudioOffer() });
        Assert.Equal(1, (await room.GetParticipants()).Single().Publication);
        Assert.Equal(before, await JanusSession.HandlesAsync(janus));

        // A new connection (restart): the old publisher handle goes, the feed joins on a new one.
        var answer = await memberHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = s.Voice, sdp = Sdp.AudioOffer(), restart = true });
        Assert.Equal("answer", answer.GetProperty("type").GetString());
        var after = await JanusSession.HandlesAsync(janus);
        Assert.Single(before.Except(after));
        Assert.Single(after.Except(before));
        var self = (await room.GetParticipants()).Single();
        Assert.True(self.Publishing);
        Assert.Equal(2, self.Publication);
        Assert.Contains(await SfuParticipantsAsync(s.Voice), p => p.Id == self.FeedId);

        // A hang-up of the replaced handle that Janus reports late does not take the new publisher
        // down; one of the current handle does, and asks the member to publish again.
        await room.OnSfuEvent(workerId!, self.FeedId, "publisher_down", null, before.Except(after).Single());
        await Task.Delay(300);
        Assert.True((await room.GetParticipants()).Single().Publishing);
        await room.OnSfuEvent(workerId!, self.FeedId, "publisher_down", null, after.Except(before).Single());
        await Poll.UntilAsync(() => room.GetParticipants(), list => !list.Single().Publishing, TimeSpan.FromSeconds(10), "the current publisher to go down");
        await memberHub.WaitForAsync("voice:republish");
        Assert.Equal(1, memberHub.Count("voice:republish"));
    }

    private async Task<IReadOnlyList<SfuJanusParticipant>> SfuParticipantsAsync(Guid channelId)
    {
        var info = await RoomAsync(channelId);
        var worker = cluster.Workers.Single(w => w.WorkerId == info.WorkerId);
        using var adapter = new HttpClient { BaseAddress = worker.Url };
        adapter.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.WorkerSecret);
        return (await adapter.GetFromJsonAsync<List<SfuJanusParticipant>>($"/rooms/{channelId:N}/participants"))!;
    }
}
