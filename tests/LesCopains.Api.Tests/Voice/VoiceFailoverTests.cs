using System.Text.Json;
using LesCopains.Grains.Voice;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using static LesCopains.Api.Tests.GuildClient;

namespace LesCopains.Api.Tests.Voice;

/// <summary>Two SFU workers: rooms go to the least-loaded one, and a dead worker's rooms move to the other.</summary>
public sealed class VoiceFailoverTests(TwoWorkerVoiceCluster cluster) : IClassFixture<TwoWorkerVoiceCluster>
{
    [JanusFact]
    public async Task A_dead_worker_s_rooms_are_recreated_on_another_and_clients_are_told_to_rejoin()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var voice = guild.Channels.Single(c => c.Type == "voice").Id;
        var other = await owner.CreateChannelAsync(guild.Id, "Other", "voice");
        await using var ownerHub = await owner.ConnectHubAsync();
        await using var memberHub = await member.ConnectHubAsync();

        // Two rooms spread over the two workers.
        await ownerHub.Connection.InvokeAsync<JsonElement>("VoiceJoin", new { channelId = voice });
        await memberHub.Connection.InvokeAsync<JsonElement>("VoiceJoin", new { channelId = other.Id });
        var room = cluster.Grains.GetGrain<IVoiceRoomGrain>(voice);
        var before = await room.GetInfo();
        var otherBefore = await cluster.Grains.GetGrain<IVoiceRoomGrain>(other.Id).GetInfo();
        Assert.NotNull(before.WorkerId);
        Assert.NotEqual(before.WorkerId, otherBefore.WorkerId);
        await ownerHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = voice, sdp = Sdp.AudioOffer() });

        var dying = cluster.Workers.Single(w => w.WorkerId == before.WorkerId);
        var survivor = cluster.Workers.Single(w => w.WorkerId != before.WorkerId);
        await dying.KillAsync();

        var (_, rejoin) = await ownerHub.WaitForAsync("voice:rejoin");
        Assert.Equal(voice, rejoin.GetProperty("channelId").GetGuid());
        Assert.Equal("worker_failed", rejoin.GetProperty("reason").GetString());
        var after = await room.GetInfo();
        Assert.Equal(survivor.WorkerId, after.WorkerId);
        Assert.True(after.Epoch > before.Epoch);
        Assert.Equal(1, after.Participants);

        // The participant is still joined and publishes again on the new worker.
        var answer = await ownerHub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId = voice, sdp = Sdp.AudioOffer() });
        Assert.Equal("answer", answer.GetProperty("type").GetString());
        var workers = await cluster.Grains.GetGrain<ISfuDirectoryGrain>(0).GetWorkers();
        Assert.False(workers.Single(w => w.WorkerId == dying.WorkerId).Healthy);
        Assert.Contains(voice, workers.Single(w => w.WorkerId == survivor.WorkerId).AssignedRooms);

        // The room on the surviving worker was not disturbed.
        Assert.Equal(0, memberHub.Count("voice:rejoin"));
    }
}
