using System.Net;
using LesCopains.Grains.Guilds;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

/// <summary><c>GET /api/users/@me/mentions</c>: the Inbox's list of recent mentions across guilds.</summary>
[Collection(ApiCollection.Name)]
public sealed class RecentMentionsTests(InProcessCluster cluster)
{
    public sealed record Author(Guid Id, string Username);

    public sealed record Message(Guid Id, Guid ChannelId, Guid GuildId, Author Author, string Content, IReadOnlyList<SocialRoutes.Reaction> Reactions);

    public sealed record Mention(Message Message, string GuildName, string ChannelName, Guid? ThreadParentId, string? ThreadName);

    public sealed record Page(IReadOnlyList<Mention> Mentions, bool HasMore);

    [Fact]
    public async Task Mentions_by_name_role_everyone_and_in_threads_are_listed_newest_first_across_guilds_with_where_they_were_said()
    {
        using var owner = await GuildClient.NewAsync(cluster, "inb");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 2, "Inbox Guild");
        using var me = members[0];
        using var other = members[1];
        using var owner2 = await GuildClient.NewAsync(cluster, "inb");
        var guild2 = await owner2.CreateGuildAsync("Second Guild");
        await me.JoinAsync((await owner2.CreateInviteAsync(guild2.Id, guild2.General.Id)).Code);

        var crew = await owner.CreateRoleAsync(guild.Id, "crew");
        await owner.SetRolesAsync(guild.Id, me.Id, crew.Id);
        var thread = await ThreadTests.CreateThreadAsync(owner, guild.General.Id, "plans", null);

        var byName = await ThreadTests.SendAsync(owner, guild.General.Id, $"hello <@{me.Id}>");
        await ThreadTests.SendAsync(owner, guild.General.Id, "nobody in particular");
        var forOther = await ThreadTests.SendAsync(owner, guild.General.Id, $"for <@{other.Id}> only");
        var byRole = await ThreadTests.SendAsync(owner, guild.General.Id, $"<@&{crew.Id}> assemble");
        var everyone = await ThreadTests.SendAsync(owner, guild.General.Id, "@everyone lunch");
        var inThread = await ThreadTests.SendAsync(other, thread.Id, $"<@{me.Id}> see the plan");
        var elsewhere = await ThreadTests.SendAsync(owner2, guild2.General.Id, $"welcome <@{me.Id}>");
        await ThreadTests.SendAsync(me, guild.General.Id, $"talking to myself <@{me.Id}>");

        var all = await MentionsAsync(me, "");
        Assert.Equal([elsewhere.Id, inThread.Id, everyone.Id, byRole.Id, byName.Id], all.Mentions.Select(m => m.Message.Id));
        Assert.False(all.HasMore);
        Assert.Equal(("Second Guild", "general", (Guid?)null), (all.Mentions[0].GuildName, all.Mentions[0].ChannelName, all.Mentions[0].ThreadParentId));
        Assert.Equal(("Inbox Guild", "general", guild.General.Id, "plans"), (all.Mentions[1].GuildName, all.Mentions[1].ChannelName, all.Mentions[1].ThreadParentId!.Value, all.Mentions[1].ThreadName!));
        Assert.Equal(thread.Id, all.Mentions[1].Message.ChannelId);
        Assert.Equal(other.Id, all.Mentions[1].Message.Author.Id);

        // Filters: without @everyone, without role mentions, one guild.
        Assert.Equal([elsewhere.Id, inThread.Id, byRole.Id, byName.Id], await IdsAsync(me, "everyone=false"));
        Assert.Equal([elsewhere.Id, inThread.Id, everyone.Id, byName.Id], await IdsAsync(me, "roles=false"));
        Assert.Equal([elsewhere.Id, inThread.Id, byName.Id], await IdsAsync(me, "everyone=false&roles=false"));
        Assert.Equal([elsewhere.Id], await IdsAsync(me, $"guildId={guild2.Id}"));

        // Pages: before the last id of a page, and hasMore on the way.
        var first = await MentionsAsync(me, "limit=2");
        Assert.Equal([elsewhere.Id, inThread.Id], first.Mentions.Select(m => m.Message.Id));
        Assert.True(first.HasMore);
        var second = await MentionsAsync(me, $"limit=2&before={inThread.Id}");
        Assert.Equal([everyone.Id, byRole.Id], second.Mentions.Select(m => m.Message.Id));
        Assert.True(second.HasMore);
        var last = await MentionsAsync(me, $"limit=2&before={byRole.Id}");
        Assert.Equal([byName.Id], last.Mentions.Select(m => m.Message.Id));
        Assert.False(last.HasMore);

        // Another member's list is their own: @everyone and their name (no crew role, and not what they wrote).
        Assert.Equal([everyone.Id, forOther.Id], await IdsAsync(other, ""));

        // A deleted message leaves the list; a reaction shows as history shows it.
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/channels/{guild.General.Id}/messages/{everyone.Id}");
        await me.ExpectStatusAsync(HttpMethod.Put, $"/api/channels/{guild.General.Id}/messages/{byName.Id}/reactions/{Uri.EscapeDataString("👋")}/@me", status: HttpStatusCode.OK);
        var after = await MentionsAsync(me, "");
        Assert.DoesNotContain(everyone.Id, after.Mentions.Select(m => m.Message.Id));
        var waved = Assert.Single(after.Mentions, m => m.Message.Id == byName.Id).Message.Reactions;
        Assert.Equal(("👋", 1, true), (waved[0].Emoji, waved[0].Count, waved[0].Me));

    }

    [Fact]
    public async Task Mentions_in_a_channel_the_caller_can_no_longer_read_or_in_a_guild_they_left_are_not_listed()
    {
        using var owner = await GuildClient.NewAsync(cluster, "inb");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        using var me = members[0];
        var staff = await owner.CreateRoleAsync(guild.Id, "staff");
        await owner.SetRolesAsync(guild.Id, me.Id, staff.Id);
        var secret = await owner.CreatePrivateChannelAsync(guild.Id, "secret", staff.Id);
        var thread = await ThreadTests.CreateThreadAsync(owner, secret.Id, "backroom", null);
        var open = await ThreadTests.SendAsync(owner, guild.General.Id, $"<@{me.Id}> open");
        var hidden = await ThreadTests.SendAsync(owner, secret.Id, $"<@{me.Id}> secret");
        var threaded = await ThreadTests.SendAsync(owner, thread.Id, $"<@{me.Id}> in the back");
        await owner.ExpectAsync<ThreadTests.ThreadView>(HttpMethod.Patch, $"/api/threads/{thread.Id}", new { archived = true });

        // An archived thread's mentions stay listed, as search finds them.
        Assert.Equal([threaded.Id, hidden.Id, open.Id], await IdsAsync(me, ""));

        // READ_MESSAGE_HISTORY taken away: the channel and its thread drop out.
        await owner.SetOverwriteAsync(guild.Id, secret.Id, me.Id, "member", Permissions.None, Permissions.ReadMessageHistory);
        Assert.Equal([open.Id], await IdsAsync(me, ""));

        // The role (and so the channel) gone: still only the open one; out of the guild: nothing.
        await owner.SetOverwriteAsync(guild.Id, secret.Id, me.Id, "member", Permissions.None, Permissions.None);
        Assert.Equal([threaded.Id, hidden.Id, open.Id], await IdsAsync(me, ""));
        await owner.SetRolesAsync(guild.Id, me.Id);
        Assert.Equal([open.Id], await IdsAsync(me, ""));
        await owner.KickAsync(guild.Id, me.Id);
        Assert.Empty(await IdsAsync(me, ""));
        await me.ExpectErrorAsync(HttpMethod.Get, $"/api/users/@me/mentions?guildId={guild.Id}", HttpStatusCode.NotFound, "guild_not_found");
    }

    [Fact]
    public async Task Mentions_from_before_the_caller_joined_are_not_listed_and_bad_queries_name_their_field()
    {
        using var owner = await GuildClient.NewAsync(cluster, "inb");
        var guild = await owner.CreateGuildAsync("Early");
        await ThreadTests.SendAsync(owner, guild.General.Id, "@everyone before anyone came");
        using var late = await GuildClient.NewAsync(cluster, "inb");
        await late.JoinAsync((await owner.CreateInviteAsync(guild.Id, guild.General.Id)).Code);
        var after = await ThreadTests.SendAsync(owner, guild.General.Id, "@everyone now you are here");
        Assert.Equal([after.Id], await IdsAsync(late, ""));

        foreach (var (query, field) in new[]
        {
            ("limit=0", "limit"), ("limit=51", "limit"), ("limit=ten", "limit"), ("before=nope", "before"),
            ("guildId=1", "guildId"), ("everyone=yes", "everyone"), ("roles=1", "roles"),
        })
        {
            var error = await late.ExpectErrorAsync(HttpMethod.Get, $"/api/users/@me/mentions?{query}", HttpStatusCode.BadRequest, "validation_failed");
            Assert.StartsWith(field + ":", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_dismissed_mention_leaves_the_list_on_every_device_once_and_only_the_callers_own_readable_mentions_can_be_dismissed()
    {
        using var owner = await GuildClient.NewAsync(cluster, "inb");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 2);
        using var me = members[0];
        using var other = members[1];
        var staff = await owner.CreateRoleAsync(guild.Id, "staff");
        await owner.SetRolesAsync(guild.Id, me.Id, staff.Id);
        var secret = await owner.CreatePrivateChannelAsync(guild.Id, "secret", staff.Id);
        var thread = await ThreadTests.CreateThreadAsync(owner, guild.General.Id, "side", null);
        var byName = await ThreadTests.SendAsync(owner, guild.General.Id, $"<@{me.Id}> one");
        var everyone = await ThreadTests.SendAsync(owner, guild.General.Id, "@everyone two");
        var byRole = await ThreadTests.SendAsync(owner, guild.General.Id, $"<@&{staff.Id}> three");
        var inThread = await ThreadTests.SendAsync(other, thread.Id, $"<@{me.Id}> four");
        var hidden = await ThreadTests.SendAsync(owner, secret.Id, $"<@{me.Id}> five");
        var plain = await ThreadTests.SendAsync(owner, guild.General.Id, "nobody");
        var mine = await ThreadTests.SendAsync(me, guild.General.Id, $"<@{me.Id}> myself");
        Assert.Equal([hidden.Id, inThread.Id, byRole.Id, everyone.Id, byName.Id], await IdsAsync(me, ""));

        await using var otherTab = await me.ConnectHubAsync();
        var events = new SocialEvents(otherTab);

        // Each kind of mention, in a channel and in a thread, goes; twice is fine and says nothing more.
        foreach (var id in new[] { byName.Id, everyone.Id, byRole.Id, inThread.Id })
        {
            await me.ExpectStatusAsync(HttpMethod.Delete, $"/api/users/@me/mentions/{id}", status: HttpStatusCode.NoContent);
            var pushed = await events.WaitForAsync("mention:dismiss", e => e.GetProperty("messageId").GetGuid() == id);
            Assert.Equal(guild.Id, pushed.GetProperty("guildId").GetGuid());
        }

        await me.ExpectStatusAsync(HttpMethod.Delete, $"/api/users/@me/mentions/{byName.Id}", status: HttpStatusCode.NoContent);
        Assert.Equal([hidden.Id], await IdsAsync(me, ""));
        Assert.Equal(1, events.Count("mention:dismiss", e => e.GetProperty("messageId").GetGuid() == byName.Id));

        // Someone else's list keeps the @everyone the caller dismissed.
        Assert.Contains(everyone.Id, await IdsAsync(other, ""));

        // Not a mention of the caller, their own message, another member's mention, no such message,
        // a channel they cannot read: message_not_found, and nothing is written.
        var forOther = await ThreadTests.SendAsync(owner, guild.General.Id, $"<@{other.Id}> yours");
        await owner.SetOverwriteAsync(guild.Id, secret.Id, me.Id, "member", Permissions.None, Permissions.ReadMessageHistory);
        foreach (var id in new[] { plain.Id, mine.Id, forOther.Id, Guid.NewGuid(), hidden.Id })
        {
            await me.ExpectErrorAsync(HttpMethod.Delete, $"/api/users/@me/mentions/{id}", HttpStatusCode.NotFound, "message_not_found");
        }

        await me.ExpectErrorAsync(HttpMethod.Delete, "/api/users/@me/mentions/nope", HttpStatusCode.NotFound, "not_found");
        await owner.SetOverwriteAsync(guild.Id, secret.Id, me.Id, "member", Permissions.None, Permissions.None);
        Assert.Equal([hidden.Id], await IdsAsync(me, ""));
        Assert.Contains(forOther.Id, await IdsAsync(other, ""));

        // Mentions by someone the caller blocked leave the list, and come back with an unblock.
        var fromOther = await ThreadTests.SendAsync(other, guild.General.Id, $"<@{me.Id}> from other");
        Assert.Equal([fromOther.Id, hidden.Id], await IdsAsync(me, ""));
        await me.ExpectStatusAsync(HttpMethod.Put, $"/api/dm/blocks/{other.Id}");
        Assert.Equal([hidden.Id], await IdsAsync(me, ""));
        await me.ExpectStatusAsync(HttpMethod.Delete, $"/api/dm/blocks/{other.Id}");
        Assert.Equal([fromOther.Id, hidden.Id], await IdsAsync(me, ""));
        await me.ExpectStatusAsync(HttpMethod.Delete, $"/api/users/@me/mentions/{fromOther.Id}", status: HttpStatusCode.NoContent);

        // A deleted message cannot be dismissed (it has left the list already).
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/channels/{secret.Id}/messages/{hidden.Id}");
        await me.ExpectErrorAsync(HttpMethod.Delete, $"/api/users/@me/mentions/{hidden.Id}", HttpStatusCode.NotFound, "message_not_found");
        Assert.Empty(await IdsAsync(me, ""));
    }

    [Fact]
    public async Task Dismiss_all_up_to_a_mention_takes_it_and_every_older_one_out_for_good_and_keeps_later_ones()
    {
        using var owner = await GuildClient.NewAsync(cluster, "inb");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        using var me = members[0];
        var first = await ThreadTests.SendAsync(owner, guild.General.Id, $"<@{me.Id}> one");
        var second = await ThreadTests.SendAsync(owner, guild.General.Id, "@everyone two");
        var third = await ThreadTests.SendAsync(owner, guild.General.Id, $"<@{me.Id}> three");
        var plain = await ThreadTests.SendAsync(owner, guild.General.Id, "nobody");
        Assert.Equal([third.Id, second.Id, first.Id], await IdsAsync(me, ""));
        await using var otherTab = await me.ConnectHubAsync();
        var events = new SocialEvents(otherTab);

        await me.ExpectStatusAsync(HttpMethod.Delete, $"/api/users/@me/mentions?upTo={second.Id}", status: HttpStatusCode.NoContent);
        Assert.Equal([third.Id], await IdsAsync(me, ""));
        var pushed = await events.WaitForAsync("mention:dismiss", e => e.TryGetProperty("upTo", out _));
        Assert.Equal(second.Id, pushed.GetProperty("upTo").GetGuid());

        // Never backwards: dismissing up to an older one again changes nothing and says nothing.
        await me.ExpectStatusAsync(HttpMethod.Delete, $"/api/users/@me/mentions?upTo={first.Id}", status: HttpStatusCode.NoContent);
        var later = await ThreadTests.SendAsync(owner, guild.General.Id, $"<@{me.Id}> four");
        Assert.Equal([later.Id, third.Id], await IdsAsync(me, ""));
        await Task.Delay(300);
        Assert.Equal(1, events.Count("mention:dismiss", e => e.TryGetProperty("upTo", out _)));

        // Only one of the caller's own mentions, and one is required.
        await me.ExpectErrorAsync(HttpMethod.Delete, $"/api/users/@me/mentions?upTo={plain.Id}", HttpStatusCode.NotFound, "message_not_found");
        await me.ExpectErrorAsync(HttpMethod.Delete, $"/api/users/@me/mentions?upTo={Guid.NewGuid()}", HttpStatusCode.NotFound, "message_not_found");
        var error = await me.ExpectErrorAsync(HttpMethod.Delete, "/api/users/@me/mentions", HttpStatusCode.BadRequest, "validation_failed");
        Assert.StartsWith("upTo:", error.Message, StringComparison.Ordinal);
        Assert.Equal([later.Id, third.Id], await IdsAsync(me, ""));
    }

    private static Task<Page> MentionsAsync(GuildClient user, string query) =>
        user.ExpectAsync<Page>(HttpMethod.Get, $"/api/users/@me/mentions?{query}");

    private static async Task<Guid[]> IdsAsync(GuildClient user, string query) =>
        [.. (await MentionsAsync(user, query)).Mentions.Select(m => m.Message.Id)];
}
