using System.Text.Json;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static LesCopains.Api.Tests.GuildClient;

namespace LesCopains.Api.Tests.Voice;

/// <summary>The speaking indicator reported by clients: shown to others through voice:state, throttled by the room.</summary>
[Collection(VoiceCollection.Name)]
public sealed class VoiceSpeakingTests(VoiceCluster cluster)
{
    [JanusFact]
    public async Task Speaking_reports_reach_other_members_and_bursts_are_throttled_by_the_room_without_blocking_mute()
    {
        var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        var voice = guild.Channels.Single(c => c.Type == "voice").Id;
        await using var speaker = await members[0].ConnectHubAsync();
        await using var listener = await owner.ConnectHubAsync();
        await speaker.Connection.InvokeAsync<JsonElement>("VoiceJoin", new { channelId = voice });
        await listener.Connection.InvokeAsync<JsonElement>("VoiceJoin", new { channelId = voice });

        var self = await speaker.Connection.InvokeAsync<JsonElement>("VoiceUpdateState", new { channelId = voice, speaking = true });
        Assert.True(self.GetProperty("speaking").GetBoolean());
        await listener.WaitForAsync("voice:state", e => e.GetProperty("userId").GetGuid() == members[0].Id
            && e.GetProperty("participant").ValueKind == JsonValueKind.Object
            && e.GetProperty("participant").GetProperty("speaking").GetBoolean());

        // A burst of speaking-only updates: the room's bucket (10) refuses the excess with rate_limited.
        var results = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
        {
            try
            {
                await speaker.Connection.InvokeAsync<JsonElement>("VoiceUpdateState", new { channelId = voice, speaking = i % 2 == 0 });
                return null;
            }
            catch (HubException ex)
            {
                return ex.Message.Split("HubException: ")[^1];
            }
        }));
        Assert.InRange(results.Count(r => r is null), 9, 40);
        Assert.Contains(results, r => r is not null);
        Assert.All(results.Where(r => r is not null), r => Assert.StartsWith("rate_limited: Too many speaking updates", r, StringComparison.Ordinal));

        // Mute is not a speaking-only update: it still goes through, and ends the speaking state.
        var muted = await speaker.Connection.InvokeAsync<JsonElement>("VoiceUpdateState", new { channelId = voice, selfMute = true, speaking = true });
        Assert.True(muted.GetProperty("selfMute").GetBoolean());
        Assert.False(muted.GetProperty("speaking").GetBoolean());
    }
}
