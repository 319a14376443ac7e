using System.Net;
using System.Text.Json;
using LesCopains.Grains.Guilds;
using LesCopains.Testing;
using static LesCopains.Api.Tests.GuildClient;

namespace LesCopains.Api.Tests;

/// <summary>Kick, ban, timeout, the audit log and member paging (docs/API.md "Guilds").</summary>
[Collection(ApiCollection.Name)]
public sealed class ModerationTests(InProcessCluster cluster)
{
    [Fact]
    public async Task A_kicked_member_is_removed_and_can_rejoin_with_an_invite()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var role = await owner.CreateRoleAsync(guild.Id, "Regulars");
        await owner.SetRolesAsync(guild.Id, member.Id, role.Id);

        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/members/{member.Id}?reason=too%20loud");

        await member.ExpectErrorAsync(HttpMethod.Get, $"/api/guilds/{guild.Id}", HttpStatusCode.NotFound, "guild_not_found");
        Assert.Empty(await member.ListGuildsAsync());
        Assert.DoesNotContain(await owner.ListMembersAsync(guild.Id), m => m.UserId == member.Id);
        Assert.Equal(1, (await owner.GetGuildAsync(guild.Id)).MemberCount);
        await owner.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/members/{member.Id}", HttpStatusCode.NotFound, "member_not_found");

        var invite = await owner.CreateInviteAsync(guild.Id, guild.General.Id);
        var back = await member.JoinAsync(invite.Code);
        Assert.Equal(2, back.MemberCount);
        Assert.Empty(back.Me.Roles);
    }

    [Fact]
    public async Task A_banned_member_is_removed_and_cannot_rejoin_until_unbanned()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var invite = await owner.CreateInviteAsync(guild.Id, guild.General.Id);

        await owner.BanAsync(guild.Id, member.Id, "  spam  ");

        await member.ExpectErrorAsync(HttpMethod.Get, $"/api/guilds/{guild.Id}", HttpStatusCode.NotFound, "guild_not_found");
        Assert.Equal(1, (await owner.GetGuildAsync(guild.Id)).MemberCount);
        var bans = await owner.ExpectAsync<BanList>(HttpMethod.Get, $"/api/guilds/{guild.Id}/bans");
        var ban = Assert.Single(bans.Bans);
        Assert.Equal((member.Id, member.Tokens.User.Username, "spam", owner.Id), (ban.UserId, ban.Username, ban.Reason, ban.BannedBy));
        await member.ExpectErrorAsync(HttpMethod.Post, $"/api/invites/{invite.Code}", HttpStatusCode.Forbidden, "banned");

        await owner.UnbanAsync(guild.Id, member.Id);
        Assert.Empty((await owner.ExpectAsync<BanList>(HttpMethod.Get, $"/api/guilds/{guild.Id}/bans")).Bans);
        Assert.Equal(2, (await member.JoinAsync(invite.Code)).MemberCount);
        await owner.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/bans/{member.Id}", HttpStatusCode.NotFound, "member_not_found");
        await owner.ExpectErrorAsync(HttpMethod.Put, $"/api/guilds/{guild.Id}/bans/{member.Id}", HttpStatusCode.BadRequest, "validation_failed", new { deleteMessageSeconds = 604801 });
    }

    private sealed record BanEntry(Guid UserId, string? Username, string? Reason, Guid BannedBy, DateTimeOffset BannedAt);

    private sealed record BanList(IReadOnlyList<BanEntry> Bans);

    [Fact]
    public async Task A_timed_out_member_keeps_only_VIEW_CHANNEL_and_READ_MESSAGE_HISTORY_until_cleared()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var until = DateTimeOffset.UtcNow.AddHours(1);

        var timedOut = await owner.TimeoutAsync(guild.Id, member.Id, until, "cool down");
        Assert.Equal(until.ToUnixTimeMilliseconds(), timedOut.TimeoutUntil!.Value.ToUnixTimeMilliseconds());

        var view = await member.GetGuildAsync(guild.Id);
        Assert.NotNull(view.Me.TimeoutUntil);
        Assert.Equal(Bits(Permissions.ViewChannel | Permissions.ReadMessageHistory), view.Me.Permissions);
        Assert.Equal(guild.Channels.Count, view.Me.ChannelPermissions.Count);
        Assert.All(view.Me.ChannelPermissions.Values, p => Assert.Equal(Bits(Permissions.ViewChannel | Permissions.ReadMessageHistory), p));
        await member.ExpectErrorAsync(HttpMethod.Post, $"/api/guilds/{guild.Id}/invites", HttpStatusCode.Forbidden, "missing_permission", new { channelId = guild.General.Id });

        var cleared = await owner.TimeoutAsync(guild.Id, member.Id, null);
        Assert.Null(cleared.TimeoutUntil);
        view = await member.GetGuildAsync(guild.Id);
        Assert.Null(view.Me.TimeoutUntil);
        Assert.Equal(Bits(Permissions.DefaultEveryone), view.Me.Permissions);
        Assert.Equal(Permissions.DefaultEveryone, view.PermissionsIn(guild.General.Id));
    }

    [Fact]
    public async Task Timeouts_are_in_the_future_at_most_28_days_and_need_MODERATE_MEMBERS()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 2);
        using var member = members[0];
        using var other = members[1];
        var path = $"/api/guilds/{guild.Id}/members/{member.Id}/timeout";

        await owner.ExpectErrorAsync(HttpMethod.Put, path, HttpStatusCode.BadRequest, "validation_failed", new { until = DateTimeOffset.UtcNow.AddMinutes(-1) });
        await owner.ExpectErrorAsync(HttpMethod.Put, path, HttpStatusCode.BadRequest, "validation_failed", new { until = DateTimeOffset.UtcNow.AddDays(29) });
        await other.ExpectErrorAsync(HttpMethod.Put, path, HttpStatusCode.Forbidden, "missing_permission", new { until = DateTimeOffset.UtcNow.AddHours(1) });
        Assert.Null((await member.GetGuildAsync(guild.Id)).Me.TimeoutUntil);

        await owner.TimeoutAsync(guild.Id, member.Id, DateTimeOffset.UtcNow.AddDays(27));
    }

    [Fact]
    public async Task Nobody_can_kick_ban_or_time_out_the_owner_or_a_member_at_or_above_them()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 3);
        using var admin = members[0];
        using var moderator = members[1];
        using var peer = members[2];
        var admins = await owner.CreateRoleAsync(guild.Id, "Admins", Permissions.Administrator);
        var moderators = await owner.CreateRoleAsync(guild.Id, "Moderators", Permissions.KickMembers | Permissions.BanMembers | Permissions.ModerateMembers);
        await owner.SetRolesAsync(guild.Id, admin.Id, admins.Id);
        await owner.SetRolesAsync(guild.Id, moderator.Id, moderators.Id);
        await owner.SetRolesAsync(guild.Id, peer.Id, moderators.Id);
        var until = DateTimeOffset.UtcNow.AddHours(1);

        foreach (var (actor, target) in new[] { (admin, owner), (moderator, owner), (moderator, peer), (moderator, admin), (moderator, moderator) })
        {
            var m = $"/api/guilds/{guild.Id}/members/{target.Id}";
            await actor.ExpectErrorAsync(HttpMethod.Delete, m, HttpStatusCode.Forbidden, "hierarchy");
            await actor.ExpectErrorAsync(HttpMethod.Put, $"{m}/timeout", HttpStatusCode.Forbidden, "hierarchy", new { until });
            await actor.ExpectErrorAsync(HttpMethod.Put, $"/api/guilds/{guild.Id}/bans/{target.Id}", HttpStatusCode.Forbidden, "hierarchy", new { reason = "x" });
        }

        await owner.ExpectErrorAsync(HttpMethod.Put, $"/api/guilds/{guild.Id}/members/{owner.Id}/timeout", HttpStatusCode.Forbidden, "hierarchy", new { until });
        Assert.Equal(4, (await owner.GetGuildAsync(guild.Id)).MemberCount);

        // Strictly below is fine: the admin role sits above the moderators.
        await admin.TimeoutAsync(guild.Id, moderator.Id, until);
        await admin.KickAsync(guild.Id, peer.Id);
        Assert.Equal(3, (await owner.GetGuildAsync(guild.Id)).MemberCount);
    }

    [Fact]
    public async Task Every_administrative_change_is_in_the_audit_log_for_VIEW_AUDIT_LOG_only()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 3);
        using var auditor = members[0];
        using var kicked = members[1];
        using var banned = members[2];

        await owner.ExpectAsync<GuildView>(HttpMethod.Patch, $"/api/guilds/{guild.Id}", new { name = "Audited" });
        var channel = await owner.CreateChannelAsync(guild.Id, "logged");
        await owner.UpdateChannelAsync(guild.Id, channel.Id, new { topic = "watched" });
        var auditors = await owner.CreateRoleAsync(guild.Id, "Auditors", Permissions.ViewAuditLog);
        await owner.UpdateRoleAsync(guild.Id, auditors.Id, new { color = 0x00FF00 });
        await owner.SetOverwriteAsync(guild.Id, channel.Id, auditors.Id, "role", Permissions.AttachFiles, Permissions.None);
        await owner.SetRolesAsync(guild.Id, auditor.Id, auditors.Id);
        await owner.TimeoutAsync(guild.Id, kicked.Id, DateTimeOffset.UtcNow.AddMinutes(10), "calm down");
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/members/{kicked.Id}?reason=too%20loud");
        await owner.BanAsync(guild.Id, banned.Id, "spam");
        await owner.UnbanAsync(guild.Id, banned.Id);
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/channels/{channel.Id}");

        var entries = await auditor.AuditLogAsync(guild.Id);

        string[] expected =
        [
            "guild_create", "invite_create", "guild_update", "channel_create", "channel_update", "role_create", "role_update",
            "overwrite_update", "member_update", "member_timeout", "member_kick", "member_ban_add", "member_ban_remove", "channel_delete",
        ];
        Assert.Equal(Enumerable.Reverse(expected), entries.Select(e => e.Action));
        Assert.Equal(entries.Select(e => e.CreatedAt).OrderDescending(), entries.Select(e => e.CreatedAt));
        Assert.All(entries, e => Assert.Equal(owner.Id, e.ActorId));
        var kick = entries.Single(e => e.Action == "member_kick");
        Assert.Equal((kicked.Id, "too loud"), (kick.TargetId!.Value, kick.Reason));
        Assert.Equal("spam", entries.Single(e => e.Action == "member_ban_add").Reason);
        Assert.Equal("calm down", entries.Single(e => e.Action == "member_timeout").Reason);
        var rename = entries.Single(e => e.Action == "guild_update").Changes.GetProperty("name");
        Assert.Equal(("Les Copains", "Audited"), (rename.GetProperty("old").GetString(), rename.GetProperty("new").GetString()));
        Assert.Equal(auditor.Id, entries.Single(e => e.Action == "member_update").TargetId);

        // Paging: before = the last id of the previous page.
        var page1 = await auditor.ExpectAsync<AuditPage>(HttpMethod.Get, $"/api/guilds/{guild.Id}/audit-log?limit=5");
        var page2 = await auditor.ExpectAsync<AuditPage>(HttpMethod.Get, $"/api/guilds/{guild.Id}/audit-log?limit=5&before={page1.Entries[^1].Id}");
        Assert.Equal(entries.Take(10).Select(e => e.Id), page1.Entries.Concat(page2.Entries).Select(e => e.Id));

        // Without VIEW_AUDIT_LOG: refused.
        using var plain = await NewAsync(cluster);
        var invite = await owner.CreateInviteAsync(guild.Id, guild.General.Id);
        await plain.JoinAsync(invite.Code);
        await plain.ExpectErrorAsync(HttpMethod.Get, $"/api/guilds/{guild.Id}/audit-log", HttpStatusCode.Forbidden, "missing_permission");
    }

    private sealed record AuditPage(IReadOnlyList<AuditEntryView> Entries);

    [Fact]
    public async Task Members_are_listed_in_pages_by_shown_name_as_a_browser_sorts_it()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 4);
        var member = members[0];

        // Nicknames whose order differs between code points ("Bravo" < "alpha", "foxtrot" < "Écho")
        // and a browser's localeCompare (alpha, Bravo, delta, Écho, foxtrot), which the list follows.
        string[] nicknames = ["Écho", "foxtrot", "Bravo", "alpha", "delta"];
        var everyone = new[] { owner }.Concat(members).ToArray();
        for (var i = 0; i < everyone.Length; i++)
        {
            await owner.ExpectAsync<MemberView>(HttpMethod.Patch, $"/api/guilds/{guild.Id}/members/{everyone[i].Id}", new { nickname = nicknames[i] });
        }

        var pages = new List<MemberPageView>();
        string? after = null;
        do
        {
            var page = await member.ListMemberPageAsync(guild.Id, after, 2);
            pages.Add(page);
            after = page.Next;
        }
        while (after is not null && pages.Count < 10);

        Assert.Equal([2, 2, 1], pages.Select(p => p.Members.Count));
        Assert.Equal(["alpha", "Bravo", "delta", "Écho", "foxtrot"], pages.SelectMany(p => p.Members).Select(m => m.Nickname));
        Assert.Null(pages[^1].Next);

        // A page that ends exactly at the last member says so (no empty page to fetch).
        Assert.Null((await member.ListMemberPageAsync(guild.Id, pages[1].Next, 1)).Next);

        // The cursor holds the name it stopped at: the next page starts in the right place even after
        // that member left.
        var leaving = everyone[Array.IndexOf(nicknames, "Bravo")];
        await leaving.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/members/@me");
        Assert.Equal(["delta", "Écho"], (await member.ListMembersAsync(guild.Id, pages[0].Next, 2)).Select(m => m.Nickname));

        // Anything else as `after` is refused.
        foreach (var bad in new[] { Guid.NewGuid().ToString(), "not a cursor", "%%%", new string('A', 2000) })
        {
            await member.ExpectErrorAsync(HttpMethod.Get, MembersPath(guild.Id, bad), HttpStatusCode.BadRequest, "validation_failed");
        }

        var first = Assert.Single(await member.ListMembersAsync(guild.Id, limit: 1));
        Assert.Equal("alpha", first.Nickname);

        // The shown name follows a cleared nickname and a new display name.
        var renamed = everyone[Array.IndexOf(nicknames, "alpha")];
        await owner.ExpectAsync<MemberView>(HttpMethod.Patch, $"/api/guilds/{guild.Id}/members/{renamed.Id}", new { nickname = (string?)null });
        await renamed.ExpectAsync<JsonElement>(HttpMethod.Patch, "/api/users/@me", new { displayName = "zulu" });
        Assert.Equal(["delta", "Écho", "foxtrot", "zulu"], (await member.ListMembersAsync(guild.Id)).Select(m => m.Nickname ?? m.DisplayName));
        await renamed.ExpectAsync<JsonElement>(HttpMethod.Patch, "/api/users/@me", new { displayName = "Charlie" });
        Assert.Equal(["Charlie", "delta", "Écho", "foxtrot"], (await member.ListMembersAsync(guild.Id)).Select(m => m.Nickname ?? m.DisplayName));
        Assert.Equal(4, (await member.ListMembersAsync(guild.Id)).Count);
        Assert.Equal(4, (await member.ListMembersAsync(guild.Id, limit: 5000)).Count);
        var ownerEntry = (await member.ListMembersAsync(guild.Id)).Single(m => m.UserId == owner.Id);
        Assert.Equal(owner.Tokens.User.Username, ownerEntry.Username);
        foreach (var m in members)
        {
            m.Dispose();
        }
    }
}
