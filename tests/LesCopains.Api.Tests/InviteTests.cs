using System.Net;
using LesCopains.Testing;
using static LesCopains.Api.Tests.GuildClient;

namespace LesCopains.Api.Tests;

/// <summary>Invites: preview, join, expiry, use limits, revocation and bans (docs/API.md "Guilds").</summary>
[Collection(ApiCollection.Name)]
public sealed class InviteTests(InProcessCluster cluster)
{
    [Fact]
    public async Task Previewing_an_invite_does_not_join_and_joining_does()
    {
        using var owner = await NewAsync(cluster);
        using var joiner = await NewAsync(cluster);
        var guild = await owner.CreateGuildAsync("Preview Club");
        var invite = await owner.CreateInviteAsync(guild.Id, guild.General.Id);
        Assert.Equal((guild.Id, guild.General.Id, owner.Id, 0, 0), (invite.GuildId, invite.ChannelId, invite.CreatorId, invite.MaxUses, invite.Uses));
        Assert.InRange(invite.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddDays(7).AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(7).AddMinutes(5));

        var preview = await joiner.PreviewInviteAsync(invite.Code);
        Assert.Equal((invite.Code, guild.Id, "Preview Club", "general", guild.General.Id, 1), (preview.Code, preview.GuildId, preview.GuildName, preview.ChannelName, preview.ChannelId, preview.MemberCount));
        await joiner.PreviewInviteAsync(invite.Code);

        Assert.Equal(1, (await owner.GetGuildAsync(guild.Id)).MemberCount);
        await joiner.ExpectErrorAsync(HttpMethod.Get, $"/api/guilds/{guild.Id}", HttpStatusCode.NotFound, "guild_not_found");
        Assert.Empty(await joiner.ListGuildsAsync());

        var joined = await joiner.JoinAsync(invite.Code);
        Assert.Equal((guild.Id, 2, joiner.Id), (joined.Id, joined.MemberCount, joined.Me.UserId));
        Assert.Empty(joined.Me.Roles);
        Assert.Equal([guild.Id], (await joiner.ListGuildsAsync()).Select(g => g.Id));
        Assert.Equal(1, (await owner.ListInvitesAsync(guild.Id)).Single(i => i.Code == invite.Code).Uses);
        Assert.Equal(2, (await joiner.PreviewInviteAsync(invite.Code)).MemberCount);
        Assert.Contains(await owner.ListMembersAsync(guild.Id), m => m.UserId == joiner.Id && m.Username == joiner.Tokens.User.Username);
    }

    [Fact]
    public async Task Joining_twice_is_idempotent()
    {
        using var owner = await NewAsync(cluster);
        using var joiner = await NewAsync(cluster);
        var guild = await owner.CreateGuildAsync();
        var invite = await owner.CreateInviteAsync(guild.Id, guild.General.Id, maxUses: 2);

        var first = await joiner.JoinAsync(invite.Code);
        var second = await joiner.JoinAsync(invite.Code);

        Assert.Equal((2, 2), (first.MemberCount, second.MemberCount));
        Assert.Equal(first.Me.JoinedAt, second.Me.JoinedAt);
        Assert.Equal(1, (await owner.ListInvitesAsync(guild.Id)).Single().Uses);
        Assert.Equal(2, (await owner.ListMembersAsync(guild.Id)).Count);

        // The owner "joining" through their own invite changes nothing either.
        Assert.Equal(2, (await owner.JoinAsync(invite.Code)).MemberCount);
    }

    [Fact]
    public async Task An_expired_invite_is_not_found()
    {
        using var owner = await NewAsync(cluster);
        using var joiner = await NewAsync(cluster);
        var guild = await owner.CreateGuildAsync();

        var invite = await owner.CreateInviteAsync(guild.Id, guild.General.Id, maxAgeSeconds: 1);
        Assert.InRange(invite.ExpiresAt!.Value - invite.CreatedAt, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        await Poll.UntilAsync(async () =>
        {
            using var response = await joiner.SendAsync(HttpMethod.Get, $"/api/invites/{invite.Code}");
            return response.StatusCode == HttpStatusCode.NotFound;
        }, TimeSpan.FromSeconds(15), "the invite to expire");

        await joiner.ExpectErrorAsync(HttpMethod.Get, $"/api/invites/{invite.Code}", HttpStatusCode.NotFound, "invite_not_found");
        await joiner.ExpectErrorAsync(HttpMethod.Post, $"/api/invites/{invite.Code}", HttpStatusCode.NotFound, "invite_not_found");
        Assert.Equal(1, (await owner.GetGuildAsync(guild.Id)).MemberCount);
        Assert.DoesNotContain(await owner.ListInvitesAsync(guild.Id), i => i.Code == invite.Code);

        // maxAgeSeconds 0 never expires.
        Assert.Null((await owner.CreateInviteAsync(guild.Id, guild.General.Id, maxAgeSeconds: 0)).ExpiresAt);
    }

    [Fact]
    public async Task Two_concurrent_joins_for_the_last_use_let_exactly_one_in()
    {
        using var owner = await NewAsync(cluster);
        using var first = await NewAsync(cluster);
        using var second = await NewAsync(cluster);
        var guild = await owner.CreateGuildAsync();
        var invite = await owner.CreateInviteAsync(guild.Id, guild.General.Id, maxUses: 1);

        var responses = await Task.WhenAll(
            first.SendAsync(HttpMethod.Post, $"/api/invites/{invite.Code}"),
            second.SendAsync(HttpMethod.Post, $"/api/invites/{invite.Code}"));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.NotFound], responses.Select(r => r.StatusCode).Order());
        await responses.Single(r => r.StatusCode == HttpStatusCode.NotFound).AssertErrorAsync(HttpStatusCode.NotFound, "invite_not_found");
        foreach (var response in responses)
        {
            response.Dispose();
        }

        var members = await owner.ListMembersAsync(guild.Id);
        Assert.Equal(2, members.Count);
        Assert.Equal(2, (await owner.GetGuildAsync(guild.Id)).MemberCount);
        Assert.Single(new[] { first.Id, second.Id }, id => members.Any(m => m.UserId == id));
        await owner.ExpectErrorAsync(HttpMethod.Get, $"/api/invites/{invite.Code}", HttpStatusCode.NotFound, "invite_not_found");
    }

    [Fact]
    public async Task A_revoked_invite_is_not_found_and_only_its_creator_or_MANAGE_GUILD_may_revoke()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 2);
        using var creator = members[0];
        using var other = members[1];
        using var joiner = await NewAsync(cluster);
        var mine = await creator.CreateInviteAsync(guild.Id, guild.General.Id);
        var owners = await owner.CreateInviteAsync(guild.Id, guild.General.Id);

        await other.ExpectErrorAsync(HttpMethod.Delete, $"/api/invites/{mine.Code}", HttpStatusCode.Forbidden, "missing_permission");
        await creator.ExpectStatusAsync(HttpMethod.Delete, $"/api/invites/{mine.Code}");
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/invites/{owners.Code}");

        foreach (var code in new[] { mine.Code, owners.Code })
        {
            await joiner.ExpectErrorAsync(HttpMethod.Get, $"/api/invites/{code}", HttpStatusCode.NotFound, "invite_not_found");
            await joiner.ExpectErrorAsync(HttpMethod.Post, $"/api/invites/{code}", HttpStatusCode.NotFound, "invite_not_found");
            await owner.ExpectErrorAsync(HttpMethod.Delete, $"/api/invites/{code}", HttpStatusCode.NotFound, "invite_not_found");
        }

        Assert.DoesNotContain(await owner.ListInvitesAsync(guild.Id), i => i.Code == mine.Code || i.Code == owners.Code);
        Assert.Equal(3, (await owner.GetGuildAsync(guild.Id)).MemberCount);
    }

    [Fact]
    public async Task A_banned_user_cannot_join_through_any_invite()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var troublemaker = members[0];
        using var stranger = await NewAsync(cluster);
        var old = await owner.CreateInviteAsync(guild.Id, guild.General.Id);

        await owner.BanAsync(guild.Id, troublemaker.Id, "spam");
        await owner.BanAsync(guild.Id, stranger.Id, "pre-emptive");
        var fresh = await owner.CreateInviteAsync(guild.Id, guild.Channels.Single(c => c.Type == "voice").Id, maxAgeSeconds: 0);

        foreach (var user in new[] { troublemaker, stranger })
        {
            foreach (var code in new[] { old.Code, fresh.Code })
            {
                await user.ExpectErrorAsync(HttpMethod.Post, $"/api/invites/{code}", HttpStatusCode.Forbidden, "banned");
            }

            await user.ExpectErrorAsync(HttpMethod.Get, $"/api/guilds/{guild.Id}", HttpStatusCode.NotFound, "guild_not_found");
        }

        Assert.Equal(1, (await owner.GetGuildAsync(guild.Id)).MemberCount);
        var invites = await owner.ListInvitesAsync(guild.Id);
        Assert.Equal((0, 0), (invites.Single(i => i.Code == old.Code).Uses, invites.Single(i => i.Code == fresh.Code).Uses));
    }

    [Fact]
    public async Task Invite_settings_and_codes_are_validated()
    {
        using var owner = await NewAsync(cluster);
        var guild = await owner.CreateGuildAsync();
        var path = $"/api/guilds/{guild.Id}/invites";

        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { channelId = guild.General.Id, maxUses = 101 });
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { channelId = guild.General.Id, maxUses = -1 });
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { channelId = guild.General.Id, maxAgeSeconds = 604801 });
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { channelId = guild.General.Id, maxAgeSeconds = -1 });
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { channelId = guild.Channel("Text Channels").Id });
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", new { maxUses = 1 });
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.NotFound, "channel_not_found", new { channelId = Guid.NewGuid() });

        foreach (var code in new[] { "nope", "abcdefghij", "bad-code!", new string('a', 33) })
        {
            await owner.ExpectErrorAsync(HttpMethod.Get, $"/api/invites/{Uri.EscapeDataString(code)}", HttpStatusCode.NotFound, "invite_not_found");
            await owner.ExpectErrorAsync(HttpMethod.Post, $"/api/invites/{Uri.EscapeDataString(code)}", HttpStatusCode.NotFound, "invite_not_found");
        }

        using var anonymous = cluster.CreateClient();
        var invite = await owner.CreateInviteAsync(guild.Id, guild.General.Id);
        using var response = await anonymous.GetAsync($"/api/invites/{invite.Code}");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Matches("^[A-Za-z0-9]{10}$", invite.Code);
    }
}
