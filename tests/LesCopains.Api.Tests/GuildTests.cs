using System.Net;
using LesCopains.Grains.Guilds;
using LesCopains.Testing;
using static LesCopains.Api.Tests.GuildClient;

namespace LesCopains.Api.Tests;

/// <summary>Guilds, channels and roles over REST (docs/API.md "Guilds").</summary>
[Collection(ApiCollection.Name)]
public sealed class GuildTests(InProcessCluster cluster)
{
    [Fact]
    public async Task Creating_a_guild_gives_default_categories_and_channels_and_the_owner_every_permission()
    {
        using var owner = await NewAsync(cluster);

        var guild = await owner.CreateGuildAsync("  Les Copains  ");

        Assert.Equal("Les Copains", guild.Name);
        Assert.Equal(owner.Id, guild.OwnerId);
        Assert.Equal(1, guild.MemberCount);
        var everyone = Assert.Single(guild.Roles);
        Assert.Equal(guild.Id, everyone.Id);
        Assert.Equal(0, everyone.Position);
        Assert.Equal(Bits(Permissions.DefaultEveryone), everyone.Permissions);

        var text = guild.Channel("Text Channels");
        var voice = guild.Channel("Voice Channels");
        Assert.Equal(("category", (Guid?)null), (text.Type, text.ParentId));
        Assert.Equal(("category", (Guid?)null), (voice.Type, voice.ParentId));
        Assert.True(text.Position < voice.Position);
        Assert.Equal(("text", text.Id, true), (guild.General.Type, guild.General.ParentId!.Value, guild.General.PermissionsSynced));
        var general = guild.Channels.Single(c => c.Type == "voice");
        Assert.Equal(("General", (Guid?)voice.Id), (general.Name, general.ParentId));
        Assert.Equal(4, guild.Channels.Count);
        Assert.All(guild.Channels, c => Assert.Equal(guild.Id, c.GuildId));

        Assert.Equal(owner.Id, guild.Me.UserId);
        Assert.Equal(Bits(Permissions.All), guild.Me.Permissions);
        Assert.Equal(guild.Channels.Select(c => c.Id).Order(), guild.Me.ChannelPermissions.Keys.Order());
        Assert.All(guild.Me.ChannelPermissions.Values, p => Assert.Equal(Bits(Permissions.All), p));

        Assert.Equal(guild.Id, (await owner.GetGuildAsync(guild.Id)).Id);
        Assert.Contains(await owner.ListGuildsAsync(), g => g.Id == guild.Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bad\u0001name")]
    [InlineData(null)]
    public async Task Guild_names_are_1_to_100_characters(string? name)
    {
        using var owner = await NewAsync(cluster);

        await owner.ExpectErrorAsync(HttpMethod.Post, "/api/guilds", HttpStatusCode.BadRequest, "validation_failed", new { name });
        await owner.ExpectErrorAsync(HttpMethod.Post, "/api/guilds", HttpStatusCode.BadRequest, "validation_failed", new { name = new string('x', 101) });
        Assert.Equal(new string('x', 100), (await owner.CreateGuildAsync(new string('x', 100))).Name);
        Assert.Single(await owner.ListGuildsAsync());
    }

    [Fact]
    public async Task Renaming_a_guild_needs_MANAGE_GUILD()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];

        await member.ExpectErrorAsync(HttpMethod.Patch, $"/api/guilds/{guild.Id}", HttpStatusCode.Forbidden, "missing_permission", new { name = "Mine" });
        Assert.Equal("Les Copains", (await owner.GetGuildAsync(guild.Id)).Name);

        var managers = await owner.CreateRoleAsync(guild.Id, "Managers", Permissions.ManageGuild);
        await owner.SetRolesAsync(guild.Id, member.Id, managers.Id);
        var renamed = await member.ExpectAsync<GuildView>(HttpMethod.Patch, $"/api/guilds/{guild.Id}", new { name = "Renamed" });

        Assert.Equal("Renamed", renamed.Name);
        Assert.Equal("Renamed", (await owner.GetGuildAsync(guild.Id)).Name);
        await owner.ExpectErrorAsync(HttpMethod.Patch, $"/api/guilds/{guild.Id}", HttpStatusCode.BadRequest, "validation_failed", new { name = " " });
    }

    [Fact]
    public async Task Only_the_owner_can_delete_a_guild_and_then_it_is_gone_for_everyone()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var admins = await owner.CreateRoleAsync(guild.Id, "Admins", Permissions.Administrator);
        await owner.SetRolesAsync(guild.Id, member.Id, admins.Id);

        await member.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}", HttpStatusCode.Forbidden, "missing_permission");
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}");

        foreach (var user in new[] { owner, member })
        {
            await user.ExpectErrorAsync(HttpMethod.Get, $"/api/guilds/{guild.Id}", HttpStatusCode.NotFound, "guild_not_found");
            Assert.DoesNotContain(await user.ListGuildsAsync(), g => g.Id == guild.Id);
        }
    }

    [Fact]
    public async Task A_user_is_in_at_most_100_guilds()
    {
        using var owner = await NewAsync(cluster);
        using var joiner = await NewAsync(cluster);
        var other = await joiner.CreateGuildAsync("Elsewhere");
        var invite = await joiner.CreateInviteAsync(other.Id, other.General.Id);

        await Parallel.ForEachAsync(Enumerable.Range(0, 100), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
            await owner.CreateGuildAsync($"Guild {i}"));

        await owner.ExpectErrorAsync(HttpMethod.Post, "/api/guilds", HttpStatusCode.BadRequest, "limit_reached", new { name = "One too many" });
        await owner.ExpectErrorAsync(HttpMethod.Post, $"/api/invites/{invite.Code}", HttpStatusCode.BadRequest, "limit_reached");
        Assert.Equal(100, (await owner.ListGuildsAsync()).Count);
        Assert.Equal(1, (await joiner.GetGuildAsync(other.Id)).MemberCount);
    }

    [Fact]
    public async Task Channels_can_be_created_renamed_moved_reordered_and_deleted()
    {
        using var owner = await NewAsync(cluster);
        var guild = await owner.CreateGuildAsync();
        var textCategory = guild.Channel("Text Channels");

        var hello = await owner.CreateChannelAsync(guild.Id, "Hello World!", parentId: textCategory.Id, topic: " greetings ");
        Assert.Equal(("hello-world", "text", "greetings"), (hello.Name, hello.Type, hello.Topic));
        Assert.Equal((textCategory.Id, 1, true), (hello.ParentId!.Value, hello.Position, hello.PermissionsSynced));

        var stuff = await owner.CreateChannelAsync(guild.Id, "Stuff", "category");
        Assert.Equal(("category", (Guid?)null, 2), (stuff.Type, stuff.ParentId, stuff.Position));
        var a = await owner.CreateChannelAsync(guild.Id, "a", parentId: stuff.Id);
        var b = await owner.CreateChannelAsync(guild.Id, "b", "voice", stuff.Id);
        Assert.Equal((0, 1), (a.Position, b.Position));

        var renamed = await owner.UpdateChannelAsync(guild.Id, hello.Id, new { name = "New Name", topic = "about" });
        Assert.Equal(("new-name", "about"), (renamed.Name, renamed.Topic));

        // Move hello into Stuff (first place) and swap a and b.
        var channels = await owner.MoveChannelsAsync(guild.Id,
        [
            new { id = hello.Id, position = 0, parentId = stuff.Id },
            new { id = b.Id, position = 1 },
            new { id = a.Id, position = 2 },
        ]);
        var inStuff = channels.Where(c => c.ParentId == stuff.Id).OrderBy(c => c.Position).Select(c => c.Name).ToList();
        Assert.Equal(["new-name", "b", "a"], inStuff);
        Assert.False(channels.Single(c => c.Id == hello.Id).PermissionsSynced);
        Assert.Equal(["general"], channels.Where(c => c.ParentId == textCategory.Id).Select(c => c.Name));

        // parentId null moves to the top level.
        channels = await owner.MoveChannelsAsync(guild.Id, [new { id = a.Id, position = 0, parentId = (Guid?)null }]);
        Assert.Null(channels.Single(c => c.Id == a.Id).ParentId);

        // Deleting a category moves its children to the top level.
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/channels/{stuff.Id}");
        var view = await owner.GetGuildAsync(guild.Id);
        Assert.DoesNotContain(view.Channels, c => c.Id == stuff.Id);
        Assert.All(view.Channels.Where(c => c.Id == hello.Id || c.Id == b.Id || c.Id == a.Id), c =>
        {
            Assert.Null(c.ParentId);
            Assert.False(c.PermissionsSynced);
        });
        Assert.Equal(view.Channels.Where(c => c.ParentId is null).Count(), view.Channels.Where(c => c.ParentId is null).Select(c => c.Position).Distinct().Count());

        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/channels/{a.Id}");
        await owner.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/channels/{a.Id}", HttpStatusCode.NotFound, "channel_not_found");
    }

    [Fact]
    public async Task Channel_names_types_and_parents_are_validated()
    {
        using var owner = await NewAsync(cluster);
        var guild = await owner.CreateGuildAsync();
        var category = guild.Channel("Text Channels");
        var path = $"/api/guilds/{guild.Id}/channels";

        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { name = "!!!", type = "text" });
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { name = new string('a', 101), type = "text" });
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { name = "x", type = "forum" });
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { name = "x", type = "text", topic = new string('t', 1025) });

        // Categories do not nest, and only categories are parents.
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { name = "Sub", type = "category", parentId = category.Id });
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { name = "x", type = "text", parentId = guild.General.Id });
        await owner.ExpectErrorAsync(HttpMethod.Put, $"{path}/positions", HttpStatusCode.BadRequest, "validation_failed",
            new object[] { new { id = guild.Channel("Voice Channels").Id, position = 0, parentId = category.Id } });
        await owner.ExpectErrorAsync(HttpMethod.Patch, $"{path}/{guild.General.Id}", HttpStatusCode.BadRequest, "validation_failed", new { name = "***" });

        // Voice channels and categories keep their spelling.
        Assert.Equal("Chill Room", (await owner.CreateChannelAsync(guild.Id, " Chill Room ", "voice")).Name);
        Assert.Equal("MORE STUFF", (await owner.CreateChannelAsync(guild.Id, "MORE STUFF", "category")).Name);
        Assert.Equal(6, (await owner.GetGuildAsync(guild.Id)).Channels.Count);
    }

    [Fact]
    public async Task Roles_can_be_created_updated_moved_and_deleted()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];

        var first = await owner.CreateRoleAsync(guild.Id, "First", Permissions.KickMembers, 0x5865F2);
        Assert.Equal(("First", 0x5865F2, 1, Bits(Permissions.KickMembers)), (first.Name, first.Color, first.Position, first.Permissions));
        var second = await owner.CreateRoleAsync(guild.Id, "Second");
        Assert.Equal(1, second.Position);
        var roles = (await owner.GetGuildAsync(guild.Id)).Roles;
        Assert.Equal(["@everyone", "Second", "First"], roles.OrderBy(r => r.Position).Select(r => r.Name));

        var updated = await owner.UpdateRoleAsync(guild.Id, first.Id, new { name = "Kickers", color = 0xFF0000, permissions = Bits(Permissions.KickMembers | Permissions.BanMembers) });
        Assert.Equal(("Kickers", 0xFF0000, Bits(Permissions.KickMembers | Permissions.BanMembers)), (updated.Name, updated.Color, updated.Permissions));

        roles = await owner.MoveRoleAsync(guild.Id, first.Id, 1);
        Assert.Equal(["@everyone", "Kickers", "Second"], roles.OrderBy(r => r.Position).Select(r => r.Name));
        Assert.Equal([0, 1, 2], roles.Select(r => r.Position).Order());

        await owner.SetRolesAsync(guild.Id, member.Id, first.Id, second.Id);
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/roles/{second.Id}");
        var view = await member.GetGuildAsync(guild.Id);
        Assert.Equal(["@everyone", "Kickers"], view.Roles.Select(r => r.Name));
        Assert.Equal([first.Id], view.Me.Roles);
        await owner.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/roles/{second.Id}", HttpStatusCode.NotFound, "role_not_found");
    }

    [Fact]
    public async Task Role_colours_permissions_and_everyone_are_validated()
    {
        using var owner = await NewAsync(cluster);
        var guild = await owner.CreateGuildAsync();
        var path = $"/api/guilds/{guild.Id}/roles";

        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { name = "x", color = 0x1000000 });
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { name = "x", color = -1 });
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { name = "x", permissions = "256" });
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { name = "x", permissions = "-1" });
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { name = "" });
        await owner.ExpectErrorAsync(HttpMethod.Delete, $"{path}/{guild.Id}", HttpStatusCode.BadRequest, "validation_failed");
        await owner.ExpectErrorAsync(HttpMethod.Put, $"{path}/{guild.Id}/position", HttpStatusCode.BadRequest, "validation_failed", new { position = 3 });

        // @everyone's permissions can change, its name cannot.
        var everyone = await owner.UpdateRoleAsync(guild.Id, guild.Id, new { name = "all", permissions = Bits(Permissions.ViewChannel) });
        Assert.Equal(("@everyone", 0, Bits(Permissions.ViewChannel)), (everyone.Name, everyone.Position, everyone.Permissions));
        Assert.Single((await owner.GetGuildAsync(guild.Id)).Roles);
    }

    [Fact]
    public async Task Members_manage_only_roles_strictly_below_their_highest_and_grant_only_what_they_hold()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 2);
        using var manager = members[0];
        using var plain = members[1];
        // New roles go just above @everyone: create from the top down.
        var high = await owner.CreateRoleAsync(guild.Id, "High");
        var managers = await owner.CreateRoleAsync(guild.Id, "Managers", Permissions.ManageRoles | Permissions.KickMembers);
        var low = await owner.CreateRoleAsync(guild.Id, "Low");
        Assert.Equal(["@everyone", "Low", "Managers", "High"], (await owner.GetGuildAsync(guild.Id)).Roles.Select(r => r.Name));
        await owner.SetRolesAsync(guild.Id, manager.Id, managers.Id);
        var roles = $"/api/guilds/{guild.Id}/roles";

        // Below: allowed.
        Assert.Equal("Lower", (await manager.UpdateRoleAsync(guild.Id, low.Id, new { name = "Lower" })).Name);
        await manager.SetRolesAsync(guild.Id, plain.Id, low.Id);

        // At or above: hierarchy.
        foreach (var role in new[] { managers, high })
        {
            await manager.ExpectErrorAsync(HttpMethod.Patch, $"{roles}/{role.Id}", HttpStatusCode.Forbidden, "hierarchy", new { name = "Mine" });
            await manager.ExpectErrorAsync(HttpMethod.Put, $"{roles}/{role.Id}/position", HttpStatusCode.Forbidden, "hierarchy", new { position = 1 });
            await manager.ExpectErrorAsync(HttpMethod.Delete, $"{roles}/{role.Id}", HttpStatusCode.Forbidden, "hierarchy");
            await manager.ExpectErrorAsync(HttpMethod.Patch, $"/api/guilds/{guild.Id}/members/{plain.Id}", HttpStatusCode.Forbidden, "hierarchy", new { roles = new[] { low.Id, role.Id } });
        }

        await manager.ExpectErrorAsync(HttpMethod.Put, $"{roles}/{low.Id}/position", HttpStatusCode.Forbidden, "hierarchy", new { position = 2 });
        await manager.ExpectErrorAsync(HttpMethod.Patch, $"/api/guilds/{guild.Id}/members/{manager.Id}", HttpStatusCode.Forbidden, "hierarchy", new { roles = Array.Empty<Guid>() });

        // Never grant a permission one lacks.
        await manager.ExpectErrorAsync(HttpMethod.Post, roles, HttpStatusCode.Forbidden, "missing_permission", new { name = "Bans", permissions = Bits(Permissions.BanMembers) });
        await manager.ExpectErrorAsync(HttpMethod.Patch, $"{roles}/{low.Id}", HttpStatusCode.Forbidden, "missing_permission", new { permissions = Bits(Permissions.Administrator) });
        await manager.ExpectErrorAsync(HttpMethod.Patch, $"{roles}/{guild.Id}", HttpStatusCode.Forbidden, "missing_permission", new { permissions = Bits(Permissions.DefaultEveryone | Permissions.ManageGuild) });
        var kickers = await manager.CreateRoleAsync(guild.Id, "Kickers", Permissions.KickMembers | Permissions.SendMessages);
        Assert.Equal(1, kickers.Position);

        // The owner is untouchable, also by members who hold the permission.
        await manager.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/members/{owner.Id}", HttpStatusCode.Forbidden, "hierarchy");
        var after = await owner.GetGuildAsync(guild.Id);
        Assert.Equal([low.Id], (await plain.GetGuildAsync(guild.Id)).Me.Roles);
        Assert.Equal(3, after.MemberCount);
    }
    [Fact]
    public async Task Only_the_owner_transfers_the_guild_to_a_member_who_then_holds_everything_while_the_old_owner_may_leave()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 3);
        using var admin = members[0];
        using var heir = members[1];
        using var bystander = members[2];
        var admins = await owner.CreateRoleAsync(guild.Id, "Admins", Permissions.Administrator);
        await owner.SetRolesAsync(guild.Id, admin.Id, admins.Id);
        var staff = await owner.CreateRoleAsync(guild.Id, "Staff");
        var hidden = await owner.CreatePrivateChannelAsync(guild.Id, "staff-only", staff.Id);
        using var outsider = await NewAsync(cluster);

        // Only the owner, to a member, not to themselves; a rename rides in its own request.
        await admin.ExpectErrorAsync(HttpMethod.Patch, $"/api/guilds/{guild.Id}", HttpStatusCode.Forbidden, "missing_permission", new { ownerId = admin.Id });
        await owner.ExpectErrorAsync(HttpMethod.Patch, $"/api/guilds/{guild.Id}", HttpStatusCode.BadRequest, "validation_failed", new { ownerId = owner.Id });
        await owner.ExpectErrorAsync(HttpMethod.Patch, $"/api/guilds/{guild.Id}", HttpStatusCode.NotFound, "member_not_found", new { ownerId = outsider.Id });
        await owner.ExpectErrorAsync(HttpMethod.Patch, $"/api/guilds/{guild.Id}", HttpStatusCode.BadRequest, "validation_failed", new { name = "Renamed", ownerId = heir.Id });
        var unchanged = await owner.GetGuildAsync(guild.Id);
        Assert.Equal(owner.Id, unchanged.OwnerId);
        Assert.Equal(guild.Name, unchanged.Name);

        await using var heirHub = await heir.ConnectHubAsync();
        await using var ownerHub = await owner.ConnectHubAsync();
        await using var bystanderHub = await bystander.ConnectHubAsync();
        var view = await owner.ExpectAsync<GuildView>(HttpMethod.Patch, $"/api/guilds/{guild.Id}", new { ownerId = heir.Id });
        Assert.Equal(heir.Id, view.OwnerId);

        // Everyone hears it; the heir now sees the channel hidden from them, the old owner no longer does.
        await bystanderHub.WaitForAsync("guild:update", e => HubClient.OfGuild(guild.Id)(e) && e.TryGetProperty("ownerId", out var id) && id.GetGuid() == heir.Id);
        await heirHub.WaitForAsync("channel:create", HubClient.OfChannel(hidden.Id));
        await ownerHub.WaitForAsync("channel:delete", HubClient.OfChannel(hidden.Id));
        var heirView = await heir.GetGuildAsync(guild.Id);
        Assert.Equal(heir.Id, heirView.OwnerId);
        Assert.Equal(Permissions.All, Parse(heirView.Me.Permissions) & Permissions.All);
        Assert.Contains(heirView.Channels, c => c.Id == hidden.Id);
        Assert.DoesNotContain((await owner.GetGuildAsync(guild.Id)).Channels, c => c.Id == hidden.Id);

        var entry = (await heir.AuditLogAsync(guild.Id)).First(e => e.Action == "guild_owner_update");
        Assert.Equal(owner.Id, entry.ActorId);
        Assert.Equal(heir.Id, entry.TargetId);
        Assert.Equal(heir.Id, entry.Changes.GetProperty("owner").GetProperty("new").GetGuid());

        // The old owner is a member like any other: no more transfers or deletion, and free to leave.
        await owner.ExpectErrorAsync(HttpMethod.Patch, $"/api/guilds/{guild.Id}", HttpStatusCode.Forbidden, "missing_permission", new { ownerId = owner.Id });
        await owner.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}", HttpStatusCode.Forbidden, "missing_permission");
        await heir.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/members/@me", HttpStatusCode.BadRequest, "validation_failed");
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/members/@me");
        await heir.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}");
    }

    [Fact]
    public async Task Members_can_leave_but_the_owner_cannot()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];

        await owner.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/members/@me", HttpStatusCode.BadRequest, "validation_failed");
        await member.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/members/@me");

        await member.ExpectErrorAsync(HttpMethod.Get, $"/api/guilds/{guild.Id}", HttpStatusCode.NotFound, "guild_not_found");
        Assert.Empty(await member.ListGuildsAsync());
        Assert.Equal(1, (await owner.GetGuildAsync(guild.Id)).MemberCount);
        await member.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/members/@me", HttpStatusCode.NotFound, "guild_not_found");
    }

    [Fact]
    public async Task Members_set_their_own_nickname_and_others_need_MANAGE_ROLES_and_a_higher_role()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 2);
        using var member = members[0];
        using var other = members[1];
        var path = $"/api/guilds/{guild.Id}/members";

        Assert.Equal("Bob", (await member.ExpectAsync<MemberView>(HttpMethod.Patch, $"{path}/{member.Id}", new { nickname = " Bob " })).Nickname);
        await member.ExpectErrorAsync(HttpMethod.Patch, $"{path}/{member.Id}", HttpStatusCode.BadRequest, "validation_failed", new { nickname = new string('n', 33) });
        await member.ExpectErrorAsync(HttpMethod.Patch, $"{path}/{other.Id}", HttpStatusCode.Forbidden, "missing_permission", new { nickname = "Renamed" });

        var managers = await owner.CreateRoleAsync(guild.Id, "Managers", Permissions.ManageRoles);
        await owner.SetRolesAsync(guild.Id, member.Id, managers.Id);
        Assert.Equal("Renamed", (await member.ExpectAsync<MemberView>(HttpMethod.Patch, $"{path}/{other.Id}", new { nickname = "Renamed" })).Nickname);
        await member.ExpectErrorAsync(HttpMethod.Patch, $"{path}/{owner.Id}", HttpStatusCode.Forbidden, "hierarchy", new { nickname = "Boss" });

        Assert.Null((await member.ExpectAsync<MemberView>(HttpMethod.Patch, $"{path}/{member.Id}", new { nickname = (string?)null })).Nickname);
        var listed = await owner.ListMembersAsync(guild.Id);
        Assert.Equal(("Renamed", (string?)null), (listed.Single(m => m.UserId == other.Id).Nickname, listed.Single(m => m.UserId == member.Id).Nickname));
    }

    [Fact]
    public async Task Members_can_be_looked_up_by_id_and_the_lookup_leaves_out_everyone_else()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 2);
        using var a = members[0];
        using var b = members[1];
        using var outsider = await NewAsync(cluster);
        var path = $"/api/guilds/{guild.Id}/members";

        var found = await a.FindMembersAsync(guild.Id, $"{b.Id},{outsider.Id},{owner.Id},{b.Id},{Guid.NewGuid()}");
        Assert.Equal(new[] { b.Id, owner.Id }.Order(), found.Select(m => m.UserId).Order());
        Assert.Equal(b.Tokens.User.Username, found.Single(m => m.UserId == b.Id).Username);
        Assert.Empty(await a.FindMembersAsync(guild.Id, ""));

        // 100 ids at most; ids are user ids; a lookup does not page; only members may look.
        var tooMany = string.Join(',', Enumerable.Range(0, 101).Select(_ => Guid.NewGuid()));
        await a.ExpectErrorAsync(HttpMethod.Get, $"{path}?ids={tooMany}", HttpStatusCode.BadRequest, "validation_failed");
        Assert.Single(await a.FindMembersAsync(guild.Id, $"{string.Join(',', Enumerable.Range(0, 99).Select(_ => Guid.NewGuid()))},{b.Id}"));
        await a.ExpectErrorAsync(HttpMethod.Get, $"{path}?ids={b.Id},nope", HttpStatusCode.BadRequest, "validation_failed");
        await a.ExpectErrorAsync(HttpMethod.Get, $"{path}?ids={b.Id}&limit=5", HttpStatusCode.BadRequest, "validation_failed");
        await outsider.ExpectErrorAsync(HttpMethod.Get, $"{path}?ids={b.Id}", HttpStatusCode.NotFound, "guild_not_found");
    }

    [Fact]
    public async Task Members_are_found_by_a_prefix_of_their_shown_name_or_username_whatever_its_case_and_accents()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 4);
        using var outsider = await NewAsync(cluster);
        string[] nicknames = ["Zoé Martin", "zorro", "Éloïse", "50%_off"];
        for (var i = 0; i < members.Length; i++)
        {
            await owner.ExpectAsync<MemberView>(HttpMethod.Patch, $"/api/guilds/{guild.Id}/members/{members[i].Id}", new { nickname = nicknames[i] });
        }

        var path = $"/api/guilds/{guild.Id}/members";
        async Task<List<string?>> Search(string query, int? limit = null) =>
            [.. (await owner.ExpectAsync<MemberListView>(HttpMethod.Get, $"{path}?query={Uri.EscapeDataString(query)}" + (limit is { } l ? $"&limit={l}" : ""))).Members.Select(m => m.Nickname)];

        // By shown name, in the list's order, case and accents aside.
        Assert.Equal(["Zoé Martin", "zorro"], await Search("zo"));
        Assert.Equal(["Zoé Martin"], await Search("ZOE"));
        Assert.Equal(["Éloïse"], await Search("eloi"));
        Assert.Equal(["Zoé Martin"], await Search("zo", limit: 1));
        Assert.Empty(await Search("oé"));

        // LIKE's own characters are matched as themselves.
        Assert.Equal(["50%_off"], await Search("50%_"));
        Assert.Empty(await Search("5_"));
        Assert.Empty(await Search("%"));
        Assert.Empty(await Search("\\"));

        // By username, whatever the shown name is.
        var byUsername = await owner.ExpectAsync<MemberListView>(HttpMethod.Get, $"{path}?query={Uri.EscapeDataString(members[2].Tokens.User.Username.ToUpperInvariant())}");
        Assert.Equal(members[2].Id, Assert.Single(byUsername.Members).UserId);

        // It follows renames: the old name no longer finds them.
        await owner.ExpectAsync<MemberView>(HttpMethod.Patch, $"{path}/{members[1].Id}", new { nickname = "Xavier" });
        Assert.Equal(["Zoé Martin"], await Search("zo"));
        Assert.Equal(["Xavier"], await Search("xa"));

        // A blank or over-long query, a limit past 25, and a search combined with ids or a cursor are refused; only members may search.
        foreach (var bad in new[] { "?query=%20", $"?query={new string('a', 33)}", "?query=zo&limit=26", "?query=zo&limit=0", $"?query=zo&ids={owner.Id}", "?query=zo&after=abc" })
        {
            await owner.ExpectErrorAsync(HttpMethod.Get, path + bad, HttpStatusCode.BadRequest, "validation_failed");
        }

        await outsider.ExpectErrorAsync(HttpMethod.Get, $"{path}?query=zo", HttpStatusCode.NotFound, "guild_not_found");
        foreach (var m in members)
        {
            m.Dispose();
        }
    }

    private sealed record MemberListView(IReadOnlyList<MemberView> Members);
}
