using System.Text.Json;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static LesCopains.Api.Tests.GuildClient;

namespace LesCopains.Api.Tests.Voice;

/// <summary>
/// Media-key relay (<c>VoiceSendKeys</c> → <c>voice:key</c>) against a real Janus: only participants send,
/// envelopes reach only the target participant's voice connection, and refused calls deliver nothing.
/// </summary>
[Collection(VoiceCollection.Name)]
public sealed class VoiceKeyTests(VoiceCluster cluster)
{
    private static async Task<string> ErrorOf(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<HubException>(call);
        return error.Message.Split("HubException: ")[^1];
    }

    private static async Task<(HubClient Hub, int Device)> DeviceHubAsync(GuildClient user)
    {
        var device = await user.Http.RegisterDeviceAsync();
        var hub = await user.ConnectHubAsync();
        await hub.Connection.InvokeAsync<JsonElement>("DmUseDevice", device);
        return (hub, device);
    }

    private static Task SendAsync(HubClient hub, Guid channelId, params object[] envelopes) =>
        hub.Connection.InvokeAsync("VoiceSendKeys", new { channelId, envelopes });

    [JanusFact]
    public async Task Participant_key_envelopes_reach_only_the_target_participants_voice_connection()
    {
        var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 3);
        var voice = guild.Channels.Single(c => c.Type == "voice").Id;
        var (a, aDevice) = await DeviceHubAsync(owner);
        var (b, bDevice) = await DeviceHubAsync(members[0]);
        var (c, cDevice) = await DeviceHubAsync(members[1]);
        // The target's second connection (not in voice) and an outsider connection.
        await using var bOther = await members[0].ConnectHubAsync();
        var (outsider, _) = await DeviceHubAsync(members[2]);
        await using var _a = a;
        await using var _b = b;
        await using var _c = c;
        await using var _o = outsider;
        foreach (var hub in new[] { a, b, c })
        {
            await hub.Connection.InvokeAsync<JsonElement>("VoiceJoin", new { channelId = voice });
        }

        await SendAsync(a, voice, new { userId = members[0].Id, deviceId = bDevice, type = 3, body = "b-ciphertext" });

        var (_, key) = await b.WaitForAsync("voice:key");
        Assert.Equal(voice, key.GetProperty("channelId").GetGuid());
        Assert.Equal(owner.Id, key.GetProperty("fromUserId").GetGuid());
        Assert.Equal(aDevice, key.GetProperty("fromDeviceId").GetInt32());
        Assert.Equal(bDevice, key.GetProperty("deviceId").GetInt32());
        Assert.Equal(3, key.GetProperty("type").GetInt32());
        Assert.Equal("b-ciphertext", key.GetProperty("body").GetString());

        // A later envelope to C proves ordering: by then nothing for B leaked elsewhere.
        // Envelopes for two of C's devices: only the one for the device C is in voice with is relayed.
        await SendAsync(a, voice,
            new { userId = members[1].Id, deviceId = cDevice + 1000, type = 3, body = "c-other-device" },
            new { userId = members[1].Id, deviceId = cDevice, type = 2, body = "c-ciphertext" });
        var (_, toC) = await c.WaitForAsync("voice:key");
        Assert.Equal("c-ciphertext", toC.GetProperty("body").GetString());

        // None for the device B is in voice with: refused, nothing delivered.
        var error = await ErrorOf(() => SendAsync(a, voice, new { userId = members[0].Id, deviceId = bDevice + 1000, type = 3, body = "wrong-device" }));
        Assert.StartsWith("devices_changed:", error, StringComparison.Ordinal);
        Assert.Contains(bDevice.ToString(System.Globalization.CultureInfo.InvariantCulture), error, StringComparison.Ordinal);
        await Task.Delay(300);
        Assert.Single(c.Events, e => e.Type == "voice:key");
        Assert.Single(b.Events, e => e.Type == "voice:key");
        Assert.DoesNotContain(bOther.Events, e => e.Type == "voice:key");
        Assert.DoesNotContain(outsider.Events, e => e.Type == "voice:key");
        Assert.DoesNotContain(a.Events, e => e.Type == "voice:key");
    }

    [JanusFact]
    public async Task Non_participants_cannot_send_and_non_participant_targets_are_refused_without_delivery()
    {
        var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 2);
        var voice = guild.Channels.Single(c => c.Type == "voice").Id;
        var (a, _) = await DeviceHubAsync(owner);
        var (b, bDevice) = await DeviceHubAsync(members[0]);
        var (outsider, outsiderDevice) = await DeviceHubAsync(members[1]);
        await using var _a = a;
        await using var _b = b;
        await using var _o = outsider;
        await a.Connection.InvokeAsync<JsonElement>("VoiceJoin", new { channelId = voice });
        await b.Connection.InvokeAsync<JsonElement>("VoiceJoin", new { channelId = voice });

        // Not in the room: refused.
        var error = await ErrorOf(() => SendAsync(outsider, voice, new { userId = members[0].Id, deviceId = bDevice, type = 3, body = "x" }));
        Assert.StartsWith("voice_not_joined:", error, StringComparison.Ordinal);

        // A target that is not in the room: the whole call is refused, the participant target gets nothing.
        error = await ErrorOf(() => SendAsync(a, voice,
            new { userId = members[0].Id, deviceId = bDevice, type = 3, body = "for-b" },
            new { userId = members[1].Id, deviceId = outsiderDevice, type = 3, body = "for-outsider" }));
        Assert.StartsWith("member_not_found:", error, StringComparison.Ordinal);

        // Limits: body size and envelopes per target.
        error = await ErrorOf(() => SendAsync(a, voice, new { userId = members[0].Id, deviceId = bDevice, type = 3, body = new string('x', 8193) }));
        Assert.StartsWith("voice_keys_too_large:", error, StringComparison.Ordinal);
        error = await ErrorOf(() => SendAsync(a, voice,
            new { userId = members[0].Id, deviceId = 1, type = 3, body = "1" },
            new { userId = members[0].Id, deviceId = 2, type = 3, body = "2" },
            new { userId = members[0].Id, deviceId = 3, type = 3, body = "3" }));
        Assert.StartsWith("voice_keys_too_large:", error, StringComparison.Ordinal);

        // A connection that did not declare its device cannot send.
        await using var noDevice = await owner.ConnectHubAsync();
        error = await ErrorOf(() => SendAsync(noDevice, voice, new { userId = members[0].Id, deviceId = bDevice, type = 3, body = "x" }));
        Assert.StartsWith("device_required:", error, StringComparison.Ordinal);

        // A valid call still goes through, and it is the only key B ever received.
        await SendAsync(a, voice, new { userId = members[0].Id, deviceId = bDevice, type = 3, body = "ok" });
        var (_, key) = await b.WaitForAsync("voice:key");
        Assert.Equal("ok", key.GetProperty("body").GetString());
        Assert.Single(b.Events, e => e.Type == "voice:key");
        Assert.DoesNotContain(outsider.Events, e => e.Type == "voice:key");
    }
}
