using System.Text.Json;
using LesCopains.Grains.Voice;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static LesCopains.Api.Tests.GuildClient;

namespace LesCopains.Api.Tests.Voice;

/// <summary>
/// Screen-share annotations (<c>VoiceAnnotate</c> → <c>voice:annotation</c>) against a real Janus: only
/// participants of the room send and receive them, about a screen that is being shared, within the
/// size limit and the room's throttle; a refused call delivers nothing.
/// </summary>
[Collection(VoiceCollection.Name)]
public sealed class VoiceAnnotationTests(VoiceCluster cluster)
{
    private static async Task<string> ErrorOf(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<HubException>(call);
        return error.Message.Split("HubException: ")[^1];
    }

    private static Task AnnotateAsync(HubClient hub, Guid channelId, Guid screenUserId, string data) =>
        hub.Connection.InvokeAsync("VoiceAnnotate", new { channelId, screenUserId, data });

    private static Task<JsonElement> JoinAsync(HubClient hub, Guid channelId) =>
        hub.Connection.InvokeAsync<JsonElement>("VoiceJoin", new { channelId });

    private static Task ShareAsync(HubClient hub, Guid channelId) =>
        hub.Connection.InvokeAsync<JsonElement>("VoicePublish", new { channelId, sdp = Sdp.AudioAndVideoOffer(), screen = true });

    private static string Opaque(int bytes) => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes));

    [JanusFact]
    public async Task A_viewer_without_Stream_annotates_the_share_and_only_other_participants_receive_it()
    {
        var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 3);
        var voice = guild.Channels.Single(c => c.Type == "voice").Id;
        await owner.SetOverwriteAsync(guild.Id, voice, guild.Id, "role", LesCopains.Grains.Guilds.Permissions.None, LesCopains.Grains.Guilds.Permissions.Stream);
        await using var sharer = await owner.ConnectHubAsync();
        await using var viewer = await members[0].ConnectHubAsync();
        await using var third = await members[1].ConnectHubAsync();
        await using var outsider = await members[2].ConnectHubAsync();
        await using var viewerOther = await members[0].ConnectHubAsync();
        foreach (var hub in new[] { sharer, viewer, third })
        {
            await JoinAsync(hub, voice);
        }

        // Nothing is shared yet: there is no screen to annotate.
        var error = await ErrorOf(() => AnnotateAsync(viewer, voice, owner.Id, Opaque(40)));
        Assert.StartsWith("validation_failed:", error, StringComparison.Ordinal);

        await ShareAsync(sharer, voice);
        var data = Opaque(300);
        await AnnotateAsync(viewer, voice, owner.Id, data);

        foreach (var receiver in new[] { sharer, third })
        {
            var (_, evt) = await receiver.WaitForAsync("voice:annotation");
            Assert.Equal(voice, evt.GetProperty("channelId").GetGuid());
            Assert.Equal(members[0].Id, evt.GetProperty("fromUserId").GetGuid());
            Assert.Equal(owner.Id, evt.GetProperty("screenUserId").GetGuid());
            Assert.Equal(data, evt.GetProperty("data").GetString());
        }

        // A guild member who is not in the room (no voice session on that connection) is refused,
        // and so is the viewer's other connection.
        error = await ErrorOf(() => AnnotateAsync(outsider, voice, owner.Id, Opaque(40)));
        Assert.StartsWith("voice_not_joined:", error, StringComparison.Ordinal);
        error = await ErrorOf(() => AnnotateAsync(viewerOther, voice, owner.Id, Opaque(40)));
        Assert.StartsWith("voice_not_joined:", error, StringComparison.Ordinal);

        // Someone outside the guild is refused the same way.
        var stranger = await NewAsync(cluster);
        await using var strangerHub = await stranger.ConnectHubAsync();
        error = await ErrorOf(() => AnnotateAsync(strangerHub, voice, owner.Id, Opaque(40)));
        Assert.StartsWith("voice_not_joined:", error, StringComparison.Ordinal);

        await Task.Delay(300);
        Assert.Single(sharer.Events, e => e.Type == "voice:annotation");
        Assert.Single(third.Events, e => e.Type == "voice:annotation");
        Assert.DoesNotContain(viewer.Events, e => e.Type == "voice:annotation");
        Assert.DoesNotContain(viewerOther.Events, e => e.Type == "voice:annotation");
        Assert.DoesNotContain(outsider.Events, e => e.Type == "voice:annotation");
    }

    [JanusFact]
    public async Task Oversized_malformed_or_misaddressed_annotations_are_refused_without_delivery_and_bursts_are_throttled()
    {
        var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        var voice = guild.Channels.Single(c => c.Type == "voice").Id;
        await using var sharer = await owner.ConnectHubAsync();
        await using var viewer = await members[0].ConnectHubAsync();
        await JoinAsync(sharer, voice);
        await JoinAsync(viewer, voice);
        await ShareAsync(sharer, voice);

        // Size limit: 4096 base64 characters pass, one more does not.
        var largest = new string('A', 4096);
        await AnnotateAsync(viewer, voice, owner.Id, largest);
        var error = await ErrorOf(() => AnnotateAsync(viewer, voice, owner.Id, largest + "AAAA"));
        Assert.StartsWith("voice_annotation_too_large:", error, StringComparison.Ordinal);
        error = await ErrorOf(() => AnnotateAsync(viewer, voice, owner.Id, ""));
        Assert.StartsWith("voice_annotation_too_large:", error, StringComparison.Ordinal);
        error = await ErrorOf(() => AnnotateAsync(viewer, voice, owner.Id, "not base64!"));
        Assert.StartsWith("validation_failed:", error, StringComparison.Ordinal);
        // The viewer is not sharing: annotating "their" screen is refused.
        error = await ErrorOf(() => AnnotateAsync(sharer, voice, members[0].Id, Opaque(40)));
        Assert.StartsWith("validation_failed:", error, StringComparison.Ordinal);

        await sharer.WaitForAsync("voice:annotation");
        await Task.Delay(300);
        Assert.Single(sharer.Events, e => e.Type == "voice:annotation");
        Assert.DoesNotContain(viewer.Events, e => e.Type == "voice:annotation");

        // A burst far above the room's throttle: some pass (the shared per-user budget does not
        // count them), the rest are refused with rate_limited, and only the ones that passed arrive.
        var results = await Task.WhenAll(Enumerable.Range(0, 400).Select(async _ =>
        {
            try
            {
                await AnnotateAsync(viewer, voice, owner.Id, Opaque(24));
                return null;
            }
            catch (HubException ex)
            {
                return ex.Message.Split("HubException: ")[^1];
            }
        }));
        var passed = results.Count(r => r is null);
        Assert.InRange(passed, 60, 399);
        Assert.All(results.Where(r => r is not null), r => Assert.StartsWith("rate_limited: Too many annotations", r, StringComparison.Ordinal));
        await Poll.UntilAsync(
            () => Task.FromResult(sharer.Events.Count(e => e.Type == "voice:annotation")),
            n => n == passed + 1,
            TimeSpan.FromSeconds(20),
            "the passed annotations to arrive");
    }
}
