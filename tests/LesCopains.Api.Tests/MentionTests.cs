using System.Net;
using System.Text.Json;
using LesCopains.Grains.Guilds;
using LesCopains.Grains.Presence;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class MentionTests(InProcessCluster cluster)
{
    [Fact]
    public async Task User_and_role_mentions_are_parsed_on_send_and_edit_and_code_is_not_a_mention()
    {
        using var owner = await GuildClient.NewAsync(cluster, "men");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 2);
        var role = await owner.CreateRoleAsync(guild.Id, "crew");
        var general = guild.General.Id;

        var sent = await owner.PostAsync(general, $"hi <@{members[0].Id}> and <@&{role.Id}>, not `<@{members[1].Id}>`, twice <@{members[0].Id}>");
        Assert.Equal([members[0].Id], sent.Mentions);
        Assert.Equal([role.Id], sent.MentionRoles);
        Assert.False(sent.MentionEveryone);

        var stored = (await members[1].HistoryAsync(general)).Single(m => m.Id == sent.Id);
        Assert.Equal([members[0].Id], stored.Mentions);
        Assert.Equal([role.Id], stored.MentionRoles);

        var edited = await owner.ExpectAsync<SocialRoutes.Message>(HttpMethod.Patch, $"/api/channels/{general}/messages/{sent.Id}", new { content = $"now <@{members[1].Id}> @everyone" });
        Assert.Equal([members[1].Id], edited.Mentions);
        Assert.Empty(edited.MentionRoles!);
        Assert.True(edited.MentionEveryone);
        Assert.Equal([members[1].Id], (await owner.HistoryAsync(general)).Single(m => m.Id == sent.Id).Mentions);
    }

    [Fact]
    public async Task A_reply_mentions_the_author_it_answers_unless_the_sender_turns_it_off()
    {
        using var owner = await GuildClient.NewAsync(cluster, "men");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        var member = members[0];
        var general = guild.General.Id;
        await using var hub = await member.ConnectHubAsync();
        var events = new SocialEvents(hub);
        var question = await member.PostAsync(general, "lunch?");

        // REST: a reply pings the author (mention event, unread mention, in the message's mentions).
        var reply = await owner.ExpectAsync<SocialRoutes.Message>(HttpMethod.Post, $"/api/channels/{general}/messages", new { content = "yes", replyTo = question.Id }, HttpStatusCode.Created);
        Assert.Equal([member.Id], reply.Mentions);
        var mention = await events.WaitForAsync("mention:create", e => e.GetProperty("messageId").GetGuid() == reply.Id);
        Assert.Equal(owner.Id, mention.GetProperty("authorId").GetGuid());
        Assert.Equal(1, (await member.ReadStateAsync(general)).Mentions);

        // An edit keeps it, whatever the new text says.
        var edited = await owner.ExpectAsync<SocialRoutes.Message>(HttpMethod.Patch, $"/api/channels/{general}/messages/{reply.Id}", new { content = "yes, at noon" });
        Assert.Equal([member.Id], edited.Mentions);
        Assert.Equal(1, (await member.ReadStateAsync(general)).Mentions);

        // Turned off (REST and hub): no mention, no event, no count.
        var quiet = await owner.ExpectAsync<SocialRoutes.Message>(HttpMethod.Post, $"/api/channels/{general}/messages", new { content = "ok", replyTo = question.Id, mentionReplied = false }, HttpStatusCode.Created);
        Assert.Empty(quiet.Mentions!);
        await using var ownerHub = await owner.ConnectHubAsync();
        var viaHub = await ownerHub.Connection.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = "fine", replyTo = question.Id, mentionReplied = false });
        Assert.Equal(0, viaHub.GetProperty("mentions").GetArrayLength());
        var pinged = await ownerHub.Connection.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = "see you", replyTo = question.Id });
        Assert.Equal(member.Id, pinged.GetProperty("mentions")[0].GetGuid());
        await events.WaitForAsync("mention:create", e => e.GetProperty("messageId").GetGuid() == pinged.GetProperty("id").GetGuid());
        Assert.Equal(0, events.Count("mention:create", e => e.GetProperty("messageId").GetGuid() == quiet.Id || e.GetProperty("messageId").GetGuid() == viaHub.GetProperty("id").GetGuid()));
        Assert.Equal(2, (await member.ReadStateAsync(general)).Mentions);

        // Replying to oneself mentions nobody.
        var self = await member.ExpectAsync<SocialRoutes.Message>(HttpMethod.Post, $"/api/channels/{general}/messages", new { content = "also", replyTo = question.Id }, HttpStatusCode.Created);
        Assert.Empty(self.Mentions!);
    }

    [Fact]
    public async Task Everyone_and_here_mention_nobody_without_MENTION_EVERYONE()
    {
        using var owner = await GuildClient.NewAsync(cluster, "men");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 2);
        var general = guild.General.Id;
        await using var hub = await members[1].ConnectHubAsync();
        var events = new SocialEvents(hub);

        var plain = await members[0].PostAsync(general, "@everyone @here look");
        Assert.False(plain.MentionEveryone);
        await UntilPresentAsync(owner, guild.Id, members[1].Id, "online");
        var loud = await owner.PostAsync(general, "@here look");
        Assert.True(loud.MentionHere);
        Assert.False(loud.MentionEveryone);

        var mention = await events.WaitForAsync("mention:create");
        Assert.Equal(loud.Id, mention.GetProperty("messageId").GetGuid());
        await events.WaitForMessageAsync(loud.Id);
        Assert.Equal(1, events.Count("mention:create"));

        // Granted through a role, the member's @everyone counts.
        var shouters = await owner.CreateRoleAsync(guild.Id, "shouters", Permissions.MentionEveryone);
        await owner.SetRolesAsync(guild.Id, members[0].Id, shouters.Id);
        Assert.True((await members[0].PostAsync(general, "@everyone now")).MentionEveryone);
    }

    [Fact]
    public async Task Only_mentioned_members_who_can_view_the_channel_get_mention_events()
    {
        using var owner = await GuildClient.NewAsync(cluster, "men");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 3);
        var insiders = await owner.CreateRoleAsync(guild.Id, "insiders");
        await owner.SetRolesAsync(guild.Id, members[0].Id, insiders.Id);
        var secret = await owner.CreatePrivateChannelAsync(guild.Id, "secret", insiders.Id);
        await using var insiderHub = await members[0].ConnectHubAsync();
        await using var outsiderHub = await members[1].ConnectHubAsync();
        await using var bystanderHub = await members[2].ConnectHubAsync();
        var insider = new SocialEvents(insiderHub);
        var outsider = new SocialEvents(outsiderHub);
        var bystander = new SocialEvents(bystanderHub);

        var hidden = await owner.PostAsync(secret.Id, $"<@{members[1].Id}> <@&{insiders.Id}>");
        await insider.WaitForAsync("mention:create", e => e.GetProperty("messageId").GetGuid() == hidden.Id);

        var visible = await owner.PostAsync(guild.General.Id, $"<@{members[1].Id}>");
        await outsider.WaitForAsync("mention:create", e => e.GetProperty("messageId").GetGuid() == visible.Id);
        await bystander.WaitForMessageAsync(visible.Id);
        await insider.WaitForMessageAsync(visible.Id);
        Assert.Equal(0, outsider.Count("mention:create", SocialEvents.InChannel(secret.Id)));
        Assert.Equal(0, bystander.Count("mention:create"));
        Assert.Equal(0, insider.Count("mention:create", e => e.GetProperty("messageId").GetGuid() == visible.Id));
    }

    [Fact]
    public async Task Here_mentions_only_members_online_idle_or_dnd_who_can_view_the_channel_and_everyone_mentions_all()
    {
        using var owner = await GuildClient.NewAsync(cluster, "men");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 5);
        var (online, dnd, ghost, away, outsider) = (members[0], members[1], members[2], members[3], members[4]);
        var insiders = await owner.CreateRoleAsync(guild.Id, "insiders");
        foreach (var m in new[] { online, dnd, ghost, away })
        {
            await owner.SetRolesAsync(guild.Id, m.Id, insiders.Id);
        }

        var secret = await owner.CreatePrivateChannelAsync(guild.Id, "secret", insiders.Id);
        await ghost.ExpectAsync<JsonElement>(HttpMethod.Put, "/api/users/@me/presence", new { status = "invisible" });
        await using var onlineHub = await online.ConnectHubAsync();
        await using var dndHub = await dnd.ConnectHubAsync();
        await using var ghostHub = await ghost.ConnectHubAsync();
        await using var outsiderHub = await outsider.ConnectHubAsync();
        await dndHub.Connection.InvokeAsync<JsonElement>("SetPresence", "dnd");
        var events = new[] { onlineHub, dndHub, ghostHub, outsiderHub }.Select(h => new SocialEvents(h)).ToArray();
        await UntilPresentAsync(owner, guild.Id, online.Id, "online");
        await UntilPresentAsync(owner, guild.Id, dnd.Id, "dnd");
        await UntilPresentAsync(owner, guild.Id, outsider.Id, "online");
        var ghostPresence = cluster.ApiServices.GetRequiredService<IClusterClient>().GetGrain<IPresenceGrain>(ghost.Id);
        await Poll.UntilAsync(async () => (await ghostPresence.Get()).Connections == 1, TimeSpan.FromSeconds(20), "the invisible member connected");

        var here = await owner.PostAsync(secret.Id, "@here standup");
        Assert.True(here.MentionHere);
        Assert.False(here.MentionEveryone);
        foreach (var e in events[..2])
        {
            await e.WaitForAsync("mention:create", m => m.GetProperty("messageId").GetGuid() == here.Id);
        }

        await events[2].WaitForMessageAsync(here.Id);
        Assert.Equal(0, events[2].Count("mention:create"));
        Assert.Equal(0, events[3].Count("mention:create"));

        // Read state counts follow the same rule, also for members who were not connected at all.
        Assert.Equal(1, (await online.ReadStateAsync(secret.Id)).Mentions);
        Assert.Equal(1, (await dnd.ReadStateAsync(secret.Id)).Mentions);
        Assert.Equal(0, (await ghost.ReadStateAsync(secret.Id)).Mentions);
        Assert.Equal(0, (await away.ReadStateAsync(secret.Id)).Mentions);
        Assert.Equal(1, (await ghost.ReadStateAsync(secret.Id)).Unread);

        // Reloaded from the database, the message still says @here.
        Assert.True((await online.HistoryAsync(secret.Id)).Single(m => m.Id == here.Id).MentionHere);

        var everyone = await owner.PostAsync(secret.Id, "@everyone lunch");
        Assert.True(everyone.MentionEveryone);
        await events[2].WaitForAsync("mention:create", m => m.GetProperty("messageId").GetGuid() == everyone.Id);
        Assert.Equal(1, (await ghost.ReadStateAsync(secret.Id)).Mentions);
        Assert.Equal(1, (await away.ReadStateAsync(secret.Id)).Mentions);
        Assert.Equal(2, (await online.ReadStateAsync(secret.Id)).Mentions);
        // The outsider, online but not allowed in the channel, was never told.
        Assert.Equal(0, events[3].Count("mention:create"));
    }

    [Fact]
    public async Task An_edit_that_adds_mentions_notifies_only_the_newly_mentioned_and_updates_their_counts()
    {
        using var owner = await GuildClient.NewAsync(cluster, "men");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 3);
        var crew = await owner.CreateRoleAsync(guild.Id, "crew");
        await owner.SetRolesAsync(guild.Id, members[0].Id, crew.Id);
        var general = guild.General.Id;
        await using var firstHub = await members[0].ConnectHubAsync();
        await using var secondHub = await members[1].ConnectHubAsync();
        await using var thirdHub = await members[2].ConnectHubAsync();
        var first = new SocialEvents(firstHub);
        var second = new SocialEvents(secondHub);
        var third = new SocialEvents(thirdHub);
        bool About(JsonElement e, Guid id) => e.GetProperty("messageId").GetGuid() == id;

        var sent = await owner.PostAsync(general, $"hi <@{members[0].Id}>");
        await first.WaitForAsync("mention:create", e => About(e, sent.Id));
        Assert.Equal(0, (await members[1].ReadStateAsync(general)).Mentions);

        // Adds the second member by name and the first one's role: only the second is told.
        var edited = await owner.ExpectAsync<SocialRoutes.Message>(HttpMethod.Patch, $"/api/channels/{general}/messages/{sent.Id}", new { content = $"hi <@{members[0].Id}> <@{members[1].Id}> <@&{crew.Id}>" });
        Assert.Equal([members[0].Id, members[1].Id], edited.Mentions);
        await second.WaitForAsync("mention:create", e => About(e, sent.Id));
        Assert.Equal(1, (await members[1].ReadStateAsync(general)).Mentions);

        // An edit that adds nobody new sends nothing; one that adds @everyone reaches only the third.
        await owner.ExpectAsync<SocialRoutes.Message>(HttpMethod.Patch, $"/api/channels/{general}/messages/{sent.Id}", new { content = $"hello <@{members[1].Id}> <@&{crew.Id}>" });
        await owner.ExpectAsync<SocialRoutes.Message>(HttpMethod.Patch, $"/api/channels/{general}/messages/{sent.Id}", new { content = $"hello <@{members[1].Id}> <@&{crew.Id}> @everyone" });
        await third.WaitForAsync("mention:create", e => About(e, sent.Id));
        Assert.Equal(1, (await members[2].ReadStateAsync(general)).Mentions);

        // Events of one channel arrive in order: the updates the first two saw came before the third's mention.
        await first.WaitForAsync("message:update", e => e.GetProperty("message").GetProperty("content").GetString()!.Contains("@everyone", StringComparison.Ordinal));
        await second.WaitForAsync("message:update", e => e.GetProperty("message").GetProperty("content").GetString()!.Contains("@everyone", StringComparison.Ordinal));
        Assert.Equal(1, first.Count("mention:create", e => About(e, sent.Id)));
        Assert.Equal(1, second.Count("mention:create", e => About(e, sent.Id)));
        Assert.Equal(1, (await members[0].ReadStateAsync(general)).Mentions);
    }

    private static Task UntilPresentAsync(GuildClient viewer, Guid guildId, Guid userId, string status) =>
        Poll.UntilAsync(
            async () => PresenceJson.StatusOf(await viewer.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/guilds/{guildId}/presences"), userId) == status,
            TimeSpan.FromSeconds(20),
            $"{userId} {status} in the guild's presences");
}
