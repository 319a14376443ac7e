using LesCopains.Grains.Guilds;
using LesCopains.Testing;
using static LesCopains.Api.Tests.GuildClient;
using static LesCopains.Api.Tests.HubClient;

namespace LesCopains.Api.Tests;

/// <summary>
/// Guild events over the gateway, filtered per member (docs/API.md "Guilds", hub events). "Did not
/// receive" is asserted against a later sentinel event the same connection does receive.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class GuildLiveUpdateTests(InProcessCluster cluster)
{
    [Fact]
    public async Task Channel_create_reaches_the_members_who_can_see_it_and_only_them()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 2);
        using var insider = members[0];
        using var outsider = members[1];
        var insiders = await owner.CreateRoleAsync(guild.Id, "Insiders");
        await owner.SetRolesAsync(guild.Id, insider.Id, insiders.Id);
        var staff = await owner.CreateChannelAsync(guild.Id, "Staff", "category");
        await owner.SetOverwriteAsync(guild.Id, staff.Id, guild.Id, "role", Permissions.None, Permissions.ViewChannel);
        await owner.SetOverwriteAsync(guild.Id, staff.Id, insiders.Id, "role", Permissions.ViewChannel, Permissions.None);
        await using var ownerHub = await owner.ConnectHubAsync();
        await using var insiderHub = await insider.ConnectHubAsync();
        await using var outsiderHub = await outsider.ConnectHubAsync();

        var secret = await owner.CreateChannelAsync(guild.Id, "staff-chat", parentId: staff.Id);
        var open = await owner.CreateChannelAsync(guild.Id, "lobby");

        foreach (var hub in new[] { ownerHub, insiderHub })
        {
            var (_, created) = await hub.WaitForAsync("channel:create", OfChannel(secret.Id));
            Assert.Equal(guild.Id, created.GetProperty("guildId").GetGuid());
            Assert.Equal("staff-chat", created.GetProperty("channel").GetProperty("name").GetString());
            var (sentinel, _) = await hub.WaitForAsync("channel:create", OfChannel(open.Id));
            Assert.Equal(1, hub.Count("channel:create", OfChannel(secret.Id), sentinel));
        }

        var (index, _) = await outsiderHub.WaitForAsync("channel:create", OfChannel(open.Id));
        Assert.Equal(0, outsiderHub.Count("channel:create", OfChannel(secret.Id), index + 1));
        Assert.DoesNotContain(outsiderHub.Events, e => OfChannel(secret.Id)(e.Payload));
    }

    [Fact]
    public async Task Channel_delete_reaches_the_viewers_once_and_moving_into_a_private_category_hides_the_channel()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 2);
        using var insider = members[0];
        using var outsider = members[1];
        var insiders = await owner.CreateRoleAsync(guild.Id, "Insiders");
        await owner.SetRolesAsync(guild.Id, insider.Id, insiders.Id);
        var secret = await owner.CreatePrivateChannelAsync(guild.Id, "secret", insiders.Id);
        var staff = await owner.CreateChannelAsync(guild.Id, "Staff", "category");
        await owner.SetOverwriteAsync(guild.Id, staff.Id, guild.Id, "role", Permissions.None, Permissions.ViewChannel);
        await owner.SetOverwriteAsync(guild.Id, staff.Id, insiders.Id, "role", Permissions.ViewChannel, Permissions.None);
        var moving = await owner.CreateChannelAsync(guild.Id, "moving");
        var lobby = await owner.CreateChannelAsync(guild.Id, "lobby");
        await using var insiderHub = await insider.ConnectHubAsync();
        await using var outsiderHub = await outsider.ConnectHubAsync();

        // Moving "moving" into Staff (and re-syncing it) hides it from the outsider only.
        await owner.MoveChannelsAsync(guild.Id, [new { id = moving.Id, position = 0, parentId = staff.Id }]);
        await owner.UpdateChannelAsync(guild.Id, moving.Id, new { permissionsSynced = true });
        var (hidden, _) = await outsiderHub.WaitForAsync("channel:delete", OfChannel(moving.Id));
        await insiderHub.WaitForAsync("channel:update", e => OfChannel(moving.Id)(e) && e.GetProperty("channel").GetProperty("permissionsSynced").GetBoolean());

        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/channels/{secret.Id}");
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/channels/{lobby.Id}");

        var (insiderSentinel, _) = await insiderHub.WaitForAsync("channel:delete", OfChannel(lobby.Id));
        var (outsiderSentinel, _) = await outsiderHub.WaitForAsync("channel:delete", OfChannel(lobby.Id));
        Assert.Equal(1, insiderHub.Count("channel:delete", OfChannel(secret.Id), insiderSentinel));
        Assert.Equal(1, outsiderHub.Count("channel:delete", OfChannel(lobby.Id), outsiderSentinel + 1));
        Assert.Equal(1, outsiderHub.Count("channel:delete", OfChannel(moving.Id), outsiderSentinel));
        Assert.DoesNotContain(outsiderHub.Events, e => OfChannel(secret.Id)(e.Payload));
        Assert.Equal(0, outsiderHub.Count("channel:update", OfChannel(moving.Id), outsiderSentinel) - outsiderHub.Count("channel:update", OfChannel(moving.Id), hidden));
    }

    [Fact]
    public async Task Gaining_and_losing_the_role_of_a_private_channel_sends_channel_create_then_channel_delete_and_stops_its_updates()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var insiders = await owner.CreateRoleAsync(guild.Id, "Insiders");
        var secret = await owner.CreatePrivateChannelAsync(guild.Id, "secret", insiders.Id);
        await using var hub = await member.ConnectHubAsync();

        await owner.SetRolesAsync(guild.Id, member.Id, insiders.Id);
        var (created, payload) = await hub.WaitForAsync("channel:create", OfChannel(secret.Id));
        Assert.Equal("secret", payload.GetProperty("channel").GetProperty("name").GetString());

        await owner.UpdateChannelAsync(guild.Id, secret.Id, new { topic = "visible update" });
        await hub.WaitForAsync("channel:update", e => OfChannel(secret.Id)(e) && e.GetProperty("channel").GetProperty("topic").GetString() == "visible update", created);

        await owner.SetRolesAsync(guild.Id, member.Id);
        var (deleted, _) = await hub.WaitForAsync("channel:delete", OfChannel(secret.Id), created);

        await owner.UpdateChannelAsync(guild.Id, secret.Id, new { topic = "hidden update" });
        await owner.UpdateRoleAsync(guild.Id, insiders.Id, new { name = "Sentinel" });
        var (sentinel, _) = await hub.WaitForAsync("role:update", e => OfRole(insiders.Id)(e) && e.GetProperty("role").GetProperty("name").GetString() == "Sentinel", deleted);

        Assert.Equal(0, hub.Count("channel:update", OfChannel(secret.Id), sentinel) - hub.Count("channel:update", OfChannel(secret.Id), deleted));
        Assert.Equal(1, hub.Count("channel:create", OfChannel(secret.Id)));
        Assert.Equal(1, hub.Count("channel:delete", OfChannel(secret.Id)));
    }

    [Fact]
    public async Task Role_create_update_and_delete_and_guild_update_reach_every_member()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 2);
        await using var ownerHub = await owner.ConnectHubAsync();
        await using var firstHub = await members[0].ConnectHubAsync();
        await using var secondHub = await members[1].ConnectHubAsync();
        HubClient[] hubs = [ownerHub, firstHub, secondHub];

        var role = await owner.CreateRoleAsync(guild.Id, "Colourful", Permissions.AddReactions, 0x123456);
        await owner.UpdateRoleAsync(guild.Id, role.Id, new { name = "Renamed" });
        await owner.ExpectAsync<GuildView>(HttpMethod.Patch, $"/api/guilds/{guild.Id}", new { name = "Live" });
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/roles/{role.Id}");

        foreach (var hub in hubs)
        {
            var (_, created) = await hub.WaitForAsync("role:create", OfRole(role.Id));
            Assert.Equal(guild.Id, created.GetProperty("guildId").GetGuid());
            Assert.Equal(("Colourful", 0x123456, 1, Bits(Permissions.AddReactions)), (
                created.GetProperty("role").GetProperty("name").GetString(),
                created.GetProperty("role").GetProperty("color").GetInt32(),
                created.GetProperty("role").GetProperty("position").GetInt32(),
                created.GetProperty("role").GetProperty("permissions").GetString()));
            await hub.WaitForAsync("role:update", e => OfRole(role.Id)(e) && e.GetProperty("role").GetProperty("name").GetString() == "Renamed");
            var (_, renamed) = await hub.WaitForAsync("guild:update", OfGuild(guild.Id));
            Assert.Equal("Live", renamed.GetProperty("name").GetString());
            await hub.WaitForAsync("role:delete", OfRole(role.Id));
        }

        foreach (var m in members)
        {
            m.Dispose();
        }
    }

    [Fact]
    public async Task Joining_through_an_invite_sends_guild_create_to_the_joiner_and_member_join_to_the_members()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var existing = members[0];
        using var joiner = await NewAsync(cluster);
        var invite = await owner.CreateInviteAsync(guild.Id, guild.General.Id);
        await using var ownerHub = await owner.ConnectHubAsync();
        await using var existingHub = await existing.ConnectHubAsync();
        await using var joinerHub = await joiner.ConnectHubAsync();

        await joiner.JoinAsync(invite.Code);

        var (_, view) = await joinerHub.WaitForAsync("guild:create", OfGuild(guild.Id));
        Assert.Equal(3, view.GetProperty("memberCount").GetInt32());
        Assert.Equal(joiner.Id, view.GetProperty("me").GetProperty("userId").GetGuid());
        Assert.Contains(view.GetProperty("channels").EnumerateArray(), c => c.GetProperty("id").GetGuid() == guild.General.Id);
        foreach (var hub in new[] { ownerHub, existingHub })
        {
            var (_, joined) = await hub.WaitForAsync("member:join", OfMember(joiner.Id));
            Assert.Equal(guild.Id, joined.GetProperty("guildId").GetGuid());
            Assert.Equal(joiner.Tokens.User.Username, joined.GetProperty("member").GetProperty("username").GetString());
        }

        // The joiner now receives the guild's events.
        var lobby = await owner.CreateChannelAsync(guild.Id, "after-join");
        await joinerHub.WaitForAsync("channel:create", OfChannel(lobby.Id));
    }

    [Fact]
    public async Task Creating_a_guild_sends_guild_create_to_the_creators_connections()
    {
        using var owner = await NewAsync(cluster);
        await using var hub = await owner.ConnectHubAsync();
        await using var secondTab = await owner.ConnectHubAsync();

        var guild = await owner.CreateGuildAsync("Fresh");

        foreach (var h in new[] { hub, secondTab })
        {
            var (_, view) = await h.WaitForAsync("guild:create", OfGuild(guild.Id));
            Assert.Equal("Fresh", view.GetProperty("name").GetString());
        }

        // And the new guild's events follow without reconnecting.
        var channel = await owner.CreateChannelAsync(guild.Id, "first");
        await hub.WaitForAsync("channel:create", OfChannel(channel.Id));
    }

    [Fact]
    public async Task A_kicked_or_banned_member_gets_guild_delete_and_then_nothing_from_the_guild()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 2);
        using var kicked = members[0];
        using var banned = members[1];
        await using var ownerHub = await owner.ConnectHubAsync();
        await using var kickedHub = await kicked.ConnectHubAsync();
        await using var bannedHub = await banned.ConnectHubAsync();

        await owner.KickAsync(guild.Id, kicked.Id);
        await owner.BanAsync(guild.Id, banned.Id);

        foreach (var (hub, user) in new[] { (kickedHub, kicked), (bannedHub, banned) })
        {
            await hub.WaitForAsync("guild:delete", OfGuild(guild.Id));
            await ownerHub.WaitForAsync("member:leave", OfMember(user.Id));
        }

        var channel = await owner.CreateChannelAsync(guild.Id, "after-they-left");
        await ownerHub.WaitForAsync("channel:create", OfChannel(channel.Id));

        foreach (var (hub, user) in new[] { (kickedHub, kicked), (bannedHub, banned) })
        {
            var (deleted, _) = await hub.WaitForAsync("guild:delete", OfGuild(guild.Id));
            var own = await user.CreateGuildAsync("Sentinel");
            var (sentinel, _) = await hub.WaitForAsync("guild:create", OfGuild(own.Id));
            var afterwards = hub.Events.Skip(deleted + 1).Take(sentinel - deleted - 1).Where(e => OfGuild(guild.Id)(e.Payload)).Select(e => e.Type);
            Assert.Empty(afterwards);
        }
    }

    [Fact]
    public async Task A_connection_of_a_non_member_receives_nothing_from_the_guild()
    {
        using var owner = await NewAsync(cluster);
        using var stranger = await NewAsync(cluster);
        await using var ownerHub = await owner.ConnectHubAsync();
        await using var strangerHub = await stranger.ConnectHubAsync();

        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var role = await owner.CreateRoleAsync(guild.Id, "Role");
        await owner.SetRolesAsync(guild.Id, member.Id, role.Id);
        var channel = await owner.CreateChannelAsync(guild.Id, "busy");
        await owner.UpdateChannelAsync(guild.Id, channel.Id, new { topic = "things happen" });
        await owner.ExpectAsync<GuildView>(HttpMethod.Patch, $"/api/guilds/{guild.Id}", new { name = "Busy" });
        await owner.KickAsync(guild.Id, member.Id);
        await ownerHub.WaitForAsync("member:leave", OfMember(member.Id));

        var own = await stranger.CreateGuildAsync("Sentinel");
        await strangerHub.WaitForAsync("guild:create", OfGuild(own.Id));

        Assert.DoesNotContain(strangerHub.Events, e => OfGuild(guild.Id)(e.Payload));
        Assert.Equal(["guild:create"], strangerHub.Events.Select(e => e.Type));
    }
}
