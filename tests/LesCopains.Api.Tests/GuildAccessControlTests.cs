using System.Net;
using LesCopains.Grains.Guilds;
using LesCopains.Testing;
using static LesCopains.Api.Tests.GuildClient;

namespace LesCopains.Api.Tests;

/// <summary>
/// Who may do what: non-members learn nothing (404 <c>guild_not_found</c> everywhere), plain members
/// are refused management (403 <c>missing_permission</c>), overwrites hide private channels.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class GuildAccessControlTests(InProcessCluster cluster)
{
    /// <summary>Every guild route with a method and a body that would be valid for the owner.</summary>
    private static IEnumerable<(HttpMethod Method, string Path, object? Body)> GuildRoutes(GuildView guild, Guid roleId, Guid memberId, Guid channelId)
    {
        var g = $"/api/guilds/{guild.Id}";
        return
        [
            (HttpMethod.Get, g, null),
            (HttpMethod.Patch, g, new { name = "Taken over" }),
            (HttpMethod.Delete, g, null),
            (HttpMethod.Post, $"{g}/channels", new { name = "intruder", type = "text" }),
            (HttpMethod.Patch, $"{g}/channels/{channelId}", new { name = "renamed" }),
            (HttpMethod.Put, $"{g}/channels/positions", new object[] { new { id = channelId, position = 0 } }),
            (HttpMethod.Delete, $"{g}/channels/{channelId}", null),
            (HttpMethod.Put, $"{g}/channels/{channelId}/overwrites/{roleId}", new { type = "role", allow = "0", deny = "1024" }),
            (HttpMethod.Delete, $"{g}/channels/{channelId}/overwrites/{roleId}", null),
            (HttpMethod.Post, $"{g}/roles", new { name = "Intruders" }),
            (HttpMethod.Patch, $"{g}/roles/{roleId}", new { name = "renamed" }),
            (HttpMethod.Put, $"{g}/roles/{roleId}/position", new { position = 1 }),
            (HttpMethod.Delete, $"{g}/roles/{roleId}", null),
            (HttpMethod.Get, $"{g}/members", null),
            (HttpMethod.Patch, $"{g}/members/{memberId}", new { roles = new[] { roleId } }),
            (HttpMethod.Delete, $"{g}/members/{memberId}", null),
            (HttpMethod.Put, $"{g}/members/{memberId}/timeout", new { until = DateTimeOffset.UtcNow.AddHours(1) }),
            (HttpMethod.Get, $"{g}/bans", null),
            (HttpMethod.Put, $"{g}/bans/{memberId}", new { reason = "no" }),
            (HttpMethod.Delete, $"{g}/bans/{memberId}", null),
            (HttpMethod.Post, $"{g}/invites", new { channelId }),
            (HttpMethod.Get, $"{g}/invites", null),
            (HttpMethod.Get, $"{g}/audit-log", null),
        ];
    }

    [Fact]
    public async Task A_non_member_gets_guild_not_found_on_every_route_and_changes_nothing()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        using var outsider = await NewAsync(cluster);
        var role = await owner.CreateRoleAsync(guild.Id, "Role");
        var auditBefore = (await owner.AuditLogAsync(guild.Id)).Count;

        foreach (var (method, path, body) in GuildRoutes(guild, role.Id, member.Id, guild.General.Id))
        {
            await outsider.ExpectErrorAsync(method, path, HttpStatusCode.NotFound, "guild_not_found", body);
        }

        // Also with ids that do not exist in the guild: no hint that the guild exists.
        var unknown = Guid.NewGuid();
        foreach (var (method, path, body) in GuildRoutes(guild, unknown, unknown, unknown))
        {
            await outsider.ExpectErrorAsync(method, path, HttpStatusCode.NotFound, "guild_not_found", body);
        }

        await outsider.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/members/@me", HttpStatusCode.NotFound, "guild_not_found");

        var after = await owner.GetGuildAsync(guild.Id);
        Assert.Equal((guild.Name, 2, guild.Channels.Count, 2), (after.Name, after.MemberCount, after.Channels.Count, after.Roles.Count));
        Assert.Equal(auditBefore, (await owner.AuditLogAsync(guild.Id)).Count);
        Assert.Equal([guild.Id], (await member.ListGuildsAsync()).Select(g => g.Id));
    }

    [Fact]
    public async Task An_unknown_guild_answers_exactly_like_a_guild_one_is_not_in()
    {
        using var outsider = await NewAsync(cluster);
        var fake = Guid.NewGuid();
        var view = new GuildView(fake, "", Guid.Empty, default, 0, [], [], new MeView(Guid.Empty, null, [], default, null, "0", []));

        foreach (var (method, path, body) in GuildRoutes(view, Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid()))
        {
            await outsider.ExpectErrorAsync(method, path, HttpStatusCode.NotFound, "guild_not_found", body);
        }
    }

    [Fact]
    public async Task A_plain_member_is_refused_every_management_route()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 2);
        using var member = members[0];
        using var other = members[1];
        var role = await owner.CreateRoleAsync(guild.Id, "Role");
        var ownerInvite = await owner.CreateInviteAsync(guild.Id, guild.General.Id);
        var allowed = new HashSet<string> { "GET /api/guilds/{g}", "GET /api/guilds/{g}/members", "POST /api/guilds/{g}/invites" };

        foreach (var (method, path, body) in GuildRoutes(guild, role.Id, other.Id, guild.General.Id))
        {
            if (allowed.Contains($"{method} {path.Replace(guild.Id.ToString(), "{g}", StringComparison.Ordinal)}"))
            {
                continue;
            }

            await member.ExpectErrorAsync(method, path, HttpStatusCode.Forbidden, "missing_permission", body);
        }

        await member.ExpectErrorAsync(HttpMethod.Delete, $"/api/invites/{ownerInvite.Code}", HttpStatusCode.Forbidden, "missing_permission");

        // What every member may do.
        Assert.Equal(guild.Id, (await member.GetGuildAsync(guild.Id)).Id);
        Assert.Equal(3, (await member.ListMembersAsync(guild.Id)).Count);
        var own = await member.CreateInviteAsync(guild.Id, guild.General.Id);
        await member.ExpectStatusAsync(HttpMethod.Delete, $"/api/invites/{own.Code}");
        var renamed = await member.ExpectAsync<MemberView>(HttpMethod.Patch, $"/api/guilds/{guild.Id}/members/{member.Id}", new { nickname = "Me" });
        Assert.Equal("Me", renamed.Nickname);

        var after = await owner.GetGuildAsync(guild.Id);
        Assert.Equal((guild.Name, 3, guild.Channels.Count, 2), (after.Name, after.MemberCount, after.Channels.Count, after.Roles.Count));
        Assert.Equal(ownerInvite.Code, (await owner.PreviewInviteAsync(ownerInvite.Code)).Code);
    }

    [Fact]
    public async Task A_member_with_MANAGE_ROLES_cannot_grant_permissions_they_do_not_have()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var manager = members[0];
        var managers = await owner.CreateRoleAsync(guild.Id, "Managers", Permissions.ManageRoles);
        await owner.SetRolesAsync(guild.Id, manager.Id, managers.Id);
        var low = await manager.CreateRoleAsync(guild.Id, "Low", Permissions.SendMessages);
        var channel = $"/api/guilds/{guild.Id}/channels/{guild.General.Id}/overwrites";

        foreach (var missing in new[] { Permissions.Administrator, Permissions.ManageGuild, Permissions.BanMembers, Permissions.ManageChannels })
        {
            await manager.ExpectErrorAsync(HttpMethod.Post, $"/api/guilds/{guild.Id}/roles", HttpStatusCode.Forbidden, "missing_permission", new { name = "More", permissions = Bits(missing) });
            await manager.ExpectErrorAsync(HttpMethod.Patch, $"/api/guilds/{guild.Id}/roles/{low.Id}", HttpStatusCode.Forbidden, "missing_permission", new { permissions = Bits(Permissions.SendMessages | missing) });
        }

        // Overwrites: only bits the manager holds in the channel.
        await manager.ExpectErrorAsync(HttpMethod.Put, $"{channel}/{low.Id}", HttpStatusCode.Forbidden, "missing_permission",
            new { type = "role", allow = Bits(Permissions.ManageMessages), deny = "0" });
        await manager.ExpectErrorAsync(HttpMethod.Put, $"{channel}/{low.Id}", HttpStatusCode.Forbidden, "missing_permission",
            new { type = "role", allow = "0", deny = Bits(Permissions.MuteMembers) });
        var updated = await manager.SetOverwriteAsync(guild.Id, guild.General.Id, low.Id, "role", Permissions.AttachFiles, Permissions.SendMessages);
        Assert.Contains(updated.Overwrites, o => o.Id == low.Id && o.Allow == Bits(Permissions.AttachFiles) && o.Deny == Bits(Permissions.SendMessages));
        Assert.False(updated.PermissionsSynced);

        // Removing a permission one lacks is fine.
        var owned = await owner.CreateRoleAsync(guild.Id, "Bans", Permissions.BanMembers);
        await owner.MoveRoleAsync(guild.Id, owned.Id, 1);
        Assert.Equal(Bits(Permissions.None), (await manager.UpdateRoleAsync(guild.Id, owned.Id, new { permissions = "0" })).Permissions);

        var roles = (await owner.GetGuildAsync(guild.Id)).Roles;
        Assert.DoesNotContain(roles, r => Parse(r.Permissions).HasFlag(Permissions.Administrator));
    }

    [Fact]
    public async Task A_private_channel_is_hidden_and_not_found_for_members_without_the_allowed_role()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 2);
        using var outsider = members[0];
        using var insider = members[1];
        var insiders = await owner.CreateRoleAsync(guild.Id, "Insiders");
        var secret = await owner.CreatePrivateChannelAsync(guild.Id, "secret", insiders.Id);
        await owner.SetRolesAsync(guild.Id, insider.Id, insiders.Id);

        var hidden = await outsider.GetGuildAsync(guild.Id);
        Assert.DoesNotContain(hidden.Channels, c => c.Id == secret.Id);
        Assert.False(hidden.Me.ChannelPermissions.ContainsKey(secret.Id));
        Assert.Contains(hidden.Channels, c => c.Id == hidden.General.Id);

        // Even a member who could manage channels is told it does not exist.
        var managers = await owner.CreateRoleAsync(guild.Id, "Channel managers", Permissions.ManageChannels | Permissions.ManageRoles);
        await owner.SetRolesAsync(guild.Id, outsider.Id, managers.Id);
        var c = $"/api/guilds/{guild.Id}/channels/{secret.Id}";
        await outsider.ExpectErrorAsync(HttpMethod.Patch, c, HttpStatusCode.NotFound, "channel_not_found", new { name = "peek" });
        await outsider.ExpectErrorAsync(HttpMethod.Delete, c, HttpStatusCode.NotFound, "channel_not_found");
        await outsider.ExpectErrorAsync(HttpMethod.Put, $"{c}/overwrites/{outsider.Id}", HttpStatusCode.NotFound, "channel_not_found", new { type = "member", allow = "1024", deny = "0" });
        await outsider.ExpectErrorAsync(HttpMethod.Delete, $"{c}/overwrites/{guild.Id}", HttpStatusCode.NotFound, "channel_not_found");
        await outsider.ExpectErrorAsync(HttpMethod.Post, $"/api/guilds/{guild.Id}/invites", HttpStatusCode.NotFound, "channel_not_found", new { channelId = secret.Id });
        Assert.DoesNotContain((await outsider.GetGuildAsync(guild.Id)).Channels, ch => ch.Id == secret.Id);

        var visible = await insider.GetGuildAsync(guild.Id);
        Assert.Contains(visible.Channels, ch => ch.Id == secret.Id);
        Assert.Equal(Permissions.DefaultEveryone, visible.PermissionsIn(secret.Id));
        Assert.Equal("secret", (await owner.GetGuildAsync(guild.Id)).Channels.Single(ch => ch.Id == secret.Id).Name);

        // Taking the role away hides it again.
        await owner.SetRolesAsync(guild.Id, insider.Id);
        Assert.DoesNotContain((await insider.GetGuildAsync(guild.Id)).Channels, ch => ch.Id == secret.Id);
    }

    [Fact]
    public async Task A_private_category_hides_its_synced_channels_and_a_member_overwrite_opens_one()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var staff = await owner.CreateChannelAsync(guild.Id, "Staff", "category");
        var synced = await owner.CreateChannelAsync(guild.Id, "staff-chat", parentId: staff.Id);
        await owner.SetOverwriteAsync(guild.Id, staff.Id, guild.Id, "role", Permissions.None, Permissions.ViewChannel);

        var view = await member.GetGuildAsync(guild.Id);
        Assert.DoesNotContain(view.Channels, c => c.Id == staff.Id || c.Id == synced.Id);

        await owner.SetOverwriteAsync(guild.Id, synced.Id, member.Id, "member", Permissions.ViewChannel, Permissions.None);
        view = await member.GetGuildAsync(guild.Id);
        Assert.Contains(view.Channels, c => c.Id == synced.Id);
        Assert.DoesNotContain(view.Channels, c => c.Id == staff.Id);

        // Re-syncing with the category takes the category's overwrites back.
        var resynced = await owner.UpdateChannelAsync(guild.Id, synced.Id, new { permissionsSynced = true });
        Assert.True(resynced.PermissionsSynced);
        Assert.DoesNotContain((await member.GetGuildAsync(guild.Id)).Channels, c => c.Id == synced.Id);
    }
}
