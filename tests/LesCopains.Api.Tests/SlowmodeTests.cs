using System.Net;
using System.Text.Json;
using LesCopains.Grains.Guilds;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

/// <summary>Slowmode: one message per member per N seconds in a channel, moderators exempt.</summary>
[Collection(ApiCollection.Name)]
public sealed class SlowmodeTests(InProcessCluster cluster)
{
    private sealed record ChannelView(Guid Id, string Type, int RateLimitPerUser);

    [Fact]
    public async Task A_member_waits_the_channels_slowmode_between_messages_moderators_do_not_and_a_retried_send_is_not_a_new_one()
    {
        using var owner = await GuildClient.NewAsync(cluster, "slow");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var general = guild.General.Id;
        var path = $"/api/guilds/{guild.Id}/channels/{general}";

        var set = await owner.ExpectAsync<ChannelView>(HttpMethod.Patch, path, new { rateLimitPerUser = 2 });
        Assert.Equal(2, set.RateLimitPerUser);
        var view = await member.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/guilds/{guild.Id}");
        Assert.Equal(2, view.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("id").GetGuid() == general).GetProperty("rateLimitPerUser").GetInt32());

        // The first message goes; a second right after is refused, and nothing of it is stored.
        var first = await member.ExpectAsync<JsonElement>(HttpMethod.Post, $"/api/channels/{general}/messages", new { content = "first", nonce = "n-1" }, HttpStatusCode.Created);
        var refused = await member.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{general}/messages", (HttpStatusCode)429, "slowmode", new { content = "too soon" });
        Assert.Contains("2 s", refused.Message);
        Assert.Equal(["first"], (await member.HistoryAsync(general)).Select(m => m.Content));

        // Retrying the first send (same nonce) is the same message, not a new one.
        var retried = await member.ExpectAsync<JsonElement>(HttpMethod.Post, $"/api/channels/{general}/messages", new { content = "first", nonce = "n-1" }, HttpStatusCode.Created);
        Assert.Equal(first.GetProperty("id").GetGuid(), retried.GetProperty("id").GetGuid());

        // The owner (MANAGE_CHANNELS, MANAGE_MESSAGES) is not slowed down.
        await owner.PostAsync(general, "mod one");
        await owner.PostAsync(general, "mod two");

        // A thread takes its parent's slowmode and counts on its own.
        var thread = await ThreadTests.CreateThreadAsync(owner, general, "slow thread", null);
        await ThreadTests.SendAsync(member, thread.Id, "in the thread");
        await member.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{thread.Id}/messages", (HttpStatusCode)429, "slowmode", new { content = "again" });

        // Once the wait is over, the member sends again.
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        await member.PostAsync(general, "second");

        // Off again: no wait.
        Assert.Equal(0, (await owner.ExpectAsync<ChannelView>(HttpMethod.Patch, path, new { rateLimitPerUser = 0 })).RateLimitPerUser);
        await member.PostAsync(general, "third");
        await member.PostAsync(general, "fourth");
    }

    [Fact]
    public async Task Slowmode_is_0_to_6_hours_on_text_channels_set_with_MANAGE_CHANNELS_and_a_refused_change_changes_nothing()
    {
        using var owner = await GuildClient.NewAsync(cluster, "slow");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var path = $"/api/guilds/{guild.Id}/channels/{guild.General.Id}";
        await owner.ExpectErrorAsync(HttpMethod.Patch, path, HttpStatusCode.BadRequest, "validation_failed", new { rateLimitPerUser = -1 });
        await owner.ExpectErrorAsync(HttpMethod.Patch, path, HttpStatusCode.BadRequest, "validation_failed", new { rateLimitPerUser = 21_601, name = "renamed" });
        var voice = guild.Channels.Single(c => c.Type == "voice");
        await owner.ExpectErrorAsync(HttpMethod.Patch, $"/api/guilds/{guild.Id}/channels/{voice.Id}", HttpStatusCode.BadRequest, "validation_failed", new { rateLimitPerUser = 10 });
        await member.ExpectErrorAsync(HttpMethod.Patch, path, HttpStatusCode.Forbidden, "missing_permission", new { rateLimitPerUser = 10 });

        var channel = (await owner.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/guilds/{guild.Id}")).GetProperty("channels").EnumerateArray()
            .Single(c => c.GetProperty("id").GetGuid() == guild.General.Id);
        Assert.Equal((0, "general"), (channel.GetProperty("rateLimitPerUser").GetInt32(), channel.GetProperty("name").GetString()));
        Assert.Equal(21_600, (await owner.ExpectAsync<ChannelView>(HttpMethod.Patch, path, new { rateLimitPerUser = 21_600 })).RateLimitPerUser);
    }
}
