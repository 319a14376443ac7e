using System.Net;
using LesCopains.Grains.Guilds;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class ReactionTests(InProcessCluster cluster)
{
    [Fact]
    public async Task Reactions_are_idempotent_and_counted_with_me_for_each_reader()
    {
        using var owner = await GuildClient.NewAsync(cluster, "rea");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        var member = members[0];
        var general = guild.General.Id;
        await using var hub = await member.ConnectHubAsync();
        var events = new SocialEvents(hub);
        var message = await owner.PostAsync(general, "react to me");

        Assert.Equal(new SocialRoutes.Reaction("👍", 1, true), await owner.ReactAsync(general, message.Id, "👍"));
        Assert.Equal(new SocialRoutes.Reaction("👍", 1, true), await owner.ReactAsync(general, message.Id, "👍"));
        var added = await events.WaitForAsync("reaction:add");
        Assert.Equal(1, added.GetProperty("count").GetInt32());
        Assert.Equal(owner.Id, added.GetProperty("userId").GetGuid());

        // Through the hub too: same rules, same events.
        var viaHub = await hub.Connection.InvokeAsync<SocialRoutes.Reaction>("AddReaction", new { channelId = general, messageId = message.Id, emoji = "👍" });
        Assert.Equal(new SocialRoutes.Reaction("👍", 2, true), viaHub);
        await member.ReactAsync(general, message.Id, "🎉");

        Assert.Equal([new("👍", 2, true), new("🎉", 1, false)], (await owner.HistoryAsync(general)).Single(m => m.Id == message.Id).Reactions);
        Assert.Equal([new("👍", 2, true), new("🎉", 1, true)], (await member.HistoryAsync(general)).Single(m => m.Id == message.Id).Reactions);

        Assert.Equal(new SocialRoutes.Reaction("👍", 1, false), await member.UnreactAsync(general, message.Id, "👍"));
        Assert.Equal(new SocialRoutes.Reaction("👍", 1, false), await member.UnreactAsync(general, message.Id, "👍"));
        var removed = await events.WaitForAsync("reaction:remove");
        Assert.Equal(1, removed.GetProperty("count").GetInt32());
        var marker = await owner.PostAsync(general, "marker");
        await events.WaitForMessageAsync(marker.Id);
        Assert.Equal(3, events.Count("reaction:add"));
        Assert.Equal(1, events.Count("reaction:remove"));
        Assert.Equal([new("👍", 1, false), new("🎉", 1, true)], (await member.HistoryAsync(general)).Single(m => m.Id == message.Id).Reactions);
    }

    [Theory]
    [InlineData("👨‍👩‍👧")]
    [InlineData("🇫🇷")]
    [InlineData("1️⃣")]
    [InlineData("👍🏽")]
    [InlineData("❤️")]
    public async Task Single_emoji_including_sequences_are_accepted(string emoji)
    {
        using var owner = await GuildClient.NewAsync(cluster, "rea");
        var guild = await owner.CreateGuildAsync();
        var message = await owner.PostAsync(guild.General.Id, "emoji");
        Assert.Equal(1, (await owner.ReactAsync(guild.General.Id, message.Id, emoji)).Count);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("👍👍")]
    [InlineData(":smile:")]
    [InlineData("1")]
    [InlineData("<script>")]
    public async Task Anything_but_one_emoji_is_rejected(string emoji)
    {
        using var owner = await GuildClient.NewAsync(cluster, "rea");
        var guild = await owner.CreateGuildAsync();
        var message = await owner.PostAsync(guild.General.Id, "emoji");
        await owner.ExpectErrorAsync(HttpMethod.Put, SocialRoutes.ReactionPath(guild.General.Id, message.Id, emoji), HttpStatusCode.BadRequest, "validation_failed");
        Assert.Empty((await owner.HistoryAsync(guild.General.Id)).Single().Reactions!);
    }

    [Fact]
    public async Task A_new_emoji_needs_ADD_REACTIONS_but_joining_an_existing_one_does_not()
    {
        using var owner = await GuildClient.NewAsync(cluster, "rea");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        var general = guild.General.Id;
        await owner.SetOverwriteAsync(guild.Id, general, guild.Id, "role", Permissions.None, Permissions.AddReactions);
        var message = await owner.PostAsync(general, "quiet");

        await members[0].ExpectErrorAsync(HttpMethod.Put, SocialRoutes.ReactionPath(general, message.Id, "🎉"), HttpStatusCode.Forbidden, "missing_permission");
        await owner.ReactAsync(general, message.Id, "🎉");
        Assert.Equal(2, (await members[0].ReactAsync(general, message.Id, "🎉")).Count);

        await using var hub = await members[0].ConnectHubAsync();
        var error = await Assert.ThrowsAsync<HubException>(() => hub.Connection.InvokeAsync<SocialRoutes.Reaction>("AddReaction", new { channelId = general, messageId = message.Id, emoji = "😀" }));
        Assert.StartsWith("missing_permission:", error.Message.Split("HubException: ")[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_holds_at_most_20_different_emoji()
    {
        using var owner = await GuildClient.NewAsync(cluster, "rea");
        var guild = await owner.CreateGuildAsync();
        var general = guild.General.Id;
        var message = await owner.PostAsync(general, "many");
        string[] emoji = ["😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰", "😗", "😙", "😚", "🙂", "🤗", "🤩"];
        foreach (var e in emoji[..20])
        {
            await owner.ReactAsync(general, message.Id, e);
        }

        await owner.ExpectErrorAsync(HttpMethod.Put, SocialRoutes.ReactionPath(general, message.Id, emoji[20]), HttpStatusCode.BadRequest, "too_many_reactions");
        Assert.Equal(20, (await owner.HistoryAsync(general)).Single().Reactions!.Count);
        Assert.Equal(1, (await owner.ReactAsync(general, message.Id, emoji[0])).Count); // existing ones still fine
    }
}
