using System.Net;
using LesCopains.Grains.Guilds;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class PinTests(InProcessCluster cluster)
{
    [Fact]
    public async Task Pinning_needs_MANAGE_MESSAGES_and_pins_are_listed_newest_first_with_live_events()
    {
        using var owner = await GuildClient.NewAsync(cluster, "pin");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        var member = members[0];
        var general = guild.General.Id;
        await using var hub = await member.ConnectHubAsync();
        var events = new SocialEvents(hub);
        var first = await owner.PostAsync(general, "first");
        var second = await member.PostAsync(general, "second");

        await member.ExpectErrorAsync(HttpMethod.Put, $"/api/channels/{general}/pins/{first.Id}", HttpStatusCode.Forbidden, "missing_permission");
        await owner.PinAsync(general, first.Id);
        await owner.PinAsync(general, second.Id);
        await owner.PinAsync(general, second.Id); // idempotent
        Assert.Equal([second.Id, first.Id], (await member.PinsAsync(general)).Select(p => p.Message.Id));
        Assert.Equal(owner.Id, (await member.PinsAsync(general))[0].PinnedBy);
        await events.WaitForAsync("pin:add", e => e.GetProperty("pin").GetProperty("message").GetProperty("id").GetGuid() == second.Id);

        await member.ExpectErrorAsync(HttpMethod.Delete, $"/api/channels/{general}/pins/{first.Id}", HttpStatusCode.Forbidden, "missing_permission");
        await owner.UnpinAsync(general, first.Id);
        Assert.Equal([second.Id], (await member.PinsAsync(general)).Select(p => p.Message.Id));
        await events.WaitForAsync("pin:remove", e => e.GetProperty("messageId").GetGuid() == first.Id);

        // A moderator role may pin; a deleted message leaves the list.
        var mods = await owner.CreateRoleAsync(guild.Id, "mods", Permissions.ManageMessages);
        await owner.SetRolesAsync(guild.Id, member.Id, mods.Id);
        await member.PinAsync(general, first.Id);
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/channels/{general}/messages/{second.Id}");
        Assert.Equal([first.Id], (await owner.PinsAsync(general)).Select(p => p.Message.Id));
    }

    [Fact]
    public async Task A_channel_holds_at_most_50_pins()
    {
        using var owner = await GuildClient.NewAsync(cluster, "pin");
        var guild = await owner.CreateGuildAsync();
        var general = guild.General.Id;
        var messages = new List<SocialRoutes.Message>();
        for (var i = 0; i < 51; i++)
        {
            messages.Add(await owner.PostAsync(general, $"m{i}"));
        }

        foreach (var message in messages.Take(50))
        {
            await owner.PinAsync(general, message.Id);
        }

        await owner.ExpectErrorAsync(HttpMethod.Put, $"/api/channels/{general}/pins/{messages[50].Id}", HttpStatusCode.BadRequest, "too_many_pins");
        Assert.Equal(50, (await owner.PinsAsync(general)).Count);
        await owner.PinAsync(general, messages[0].Id); // already pinned: still fine

        await owner.UnpinAsync(general, messages[0].Id);
        await owner.PinAsync(general, messages[50].Id);
        Assert.Equal(messages[50].Id, (await owner.PinsAsync(general))[0].Message.Id);
    }
}
