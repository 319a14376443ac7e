using LesCopains.Grains.Guilds;
using LesCopains.Testing;

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
    public async Task Everyone_and_here_mention_nobody_without_MENTION_EVERYONE()
    {
        using var owner = await GuildClient.NewAsync(cluster, "men");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 2);
        var general = guild.General.Id;
        await using var hub = await members[1].ConnectHubAsync();
        var events = new SocialEvents(hub);

        var plain = await members[0].PostAsync(general, "@everyone @here look");
        Assert.False(plain.MentionEveryone);
        var loud = await owner.PostAsync(general, "@here look");
        Assert.True(loud.MentionEveryone);

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
}
