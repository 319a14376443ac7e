using System.Net;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class NotificationSettingsTests(InProcessCluster cluster)
{
    private sealed record ChannelSettings(Guid ChannelId, string? Level, bool Muted, DateTimeOffset? MuteUntil);

    private sealed record Settings(Guid GuildId, string Level, bool SuppressEveryone, bool SuppressRoles, bool Muted, DateTimeOffset? MuteUntil, IReadOnlyList<ChannelSettings> Channels);

    private sealed record SettingsList(IReadOnlyList<Settings> Guilds);

    private static string Shape(Settings s) =>
        $"{s.Level} {s.SuppressEveryone} {s.SuppressRoles} {s.Muted} {s.MuteUntil:O} [{string.Join(", ", s.Channels)}]";

    private static string PathOf(Guid guildId) => $"/api/users/@me/guilds/{guildId}/notification-settings";

    private static async Task<Settings> GetAsync(GuildClient user, Guid guildId) =>
        (await user.ExpectAsync<SettingsList>(HttpMethod.Get, "/api/users/@me/notification-settings")).Guilds.Single(g => g.GuildId == guildId);

    [Fact]
    public async Task Settings_default_to_mentions_change_whole_reach_other_tabs_and_bad_changes_write_nothing()
    {
        using var owner = await GuildClient.NewAsync(cluster, "ns");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        var member = members[0];
        var general = guild.General.Id;
        var random = (await owner.CreateChannelAsync(guild.Id, "random")).Id;
        var staffRole = await owner.CreateRoleAsync(guild.Id, "staff");
        var staff = (await owner.CreatePrivateChannelAsync(guild.Id, "staff", staffRole.Id)).Id;
        var (elsewhere, _) = await GuildClient.GuildWithMembersAsync(owner, 0);

        // Every guild of the member is listed, at the default.
        var list = (await member.ExpectAsync<SettingsList>(HttpMethod.Get, "/api/users/@me/notification-settings")).Guilds;
        var initial = Assert.Single(list);
        Assert.Equal((guild.Id, "mentions", false, false, false, (DateTimeOffset?)null), (initial.GuildId, initial.Level, initial.SuppressEveryone, initial.SuppressRoles, initial.Muted, initial.MuteUntil));
        Assert.Empty(initial.Channels);

        await using var otherTab = await member.ConnectHubAsync();
        var events = new SocialEvents(otherTab);
        var until = DateTimeOffset.UtcNow.AddHours(8);
        var changed = await member.ExpectAsync<Settings>(HttpMethod.Patch, PathOf(guild.Id), new
        {
            level = "all",
            suppressEveryone = true,
            muted = true,
            muteUntil = until,
            channels = new object[] { new { channelId = general, level = "nothing" }, new { channelId = random, muted = true } },
        });
        Assert.Equal(("all", true, false, true), (changed.Level, changed.SuppressEveryone, changed.SuppressRoles, changed.Muted));
        Assert.Equal(until.ToUnixTimeMilliseconds(), changed.MuteUntil!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(
            new[] { new ChannelSettings(general, "nothing", false, null), new ChannelSettings(random, null, true, null) }.OrderBy(c => c.ChannelId),
            changed.Channels);
        Assert.Equal(changed.Channels, (await GetAsync(member, guild.Id)).Channels);
        var pushed = await events.WaitForAsync("notifications:update", e => e.GetProperty("guildId").GetGuid() == guild.Id);
        Assert.Equal("all", pushed.GetProperty("level").GetString());

        // What is left out stays; "default" follows the guild again; unmuting clears the time.
        var second = await member.ExpectAsync<Settings>(HttpMethod.Patch, PathOf(guild.Id), new
        {
            muted = false,
            channels = new object[] { new { channelId = general, level = "default" } },
        });
        Assert.Equal(("all", false, true, (DateTimeOffset?)null), (second.Level, second.Muted, second.SuppressEveryone, second.MuteUntil));
        Assert.Equal([new ChannelSettings(random, null, true, null)], second.Channels);

        // Refused, and nothing of the change is written (the valid level next to the bad part neither).
        async Task Refused(HttpStatusCode status, string code, object body)
        {
            await member.ExpectErrorAsync(HttpMethod.Patch, PathOf(guild.Id), status, code, body);
            Assert.Equal(Shape(second), Shape(await GetAsync(member, guild.Id)));
        }

        await Refused(HttpStatusCode.BadRequest, "validation_failed", new { level = "loud" });
        await Refused(HttpStatusCode.BadRequest, "validation_failed", new { level = "nothing", muted = true, muteUntil = DateTimeOffset.UtcNow.AddMinutes(-1) });
        await Refused(HttpStatusCode.BadRequest, "validation_failed", new { level = "nothing", muteUntil = DateTimeOffset.UtcNow.AddHours(1) });
        await Refused(HttpStatusCode.BadRequest, "validation_failed", new { level = "nothing", muted = true, muteUntil = DateTimeOffset.UtcNow.AddDays(400) });
        await Refused(HttpStatusCode.BadRequest, "validation_failed", new { level = "nothing", channels = new object[] { new { channelId = general, level = "everything" } } });
        await Refused(HttpStatusCode.BadRequest, "validation_failed", new { level = "nothing", channels = new object[] { new { channelId = general, muted = true }, new { channelId = general, muted = false } } });
        await Refused(HttpStatusCode.BadRequest, "validation_failed", new { level = "nothing", channels = new object[] { new { level = "all" } } });
        await Refused(HttpStatusCode.NotFound, "channel_not_found", new { level = "nothing", channels = new object[] { new { channelId = staff, muted = true } } });
        await Refused(HttpStatusCode.NotFound, "channel_not_found", new { level = "nothing", channels = new object[] { new { channelId = elsewhere.General.Id, muted = true } } });
        await member.ExpectErrorAsync(HttpMethod.Patch, PathOf(elsewhere.Id), HttpStatusCode.NotFound, "guild_not_found", new { level = "all" });
        await member.ExpectErrorAsync(HttpMethod.Patch, PathOf(Guid.NewGuid()), HttpStatusCode.NotFound, "guild_not_found", new { level = "all" });

        // Kept in PostgreSQL as one row; back at the default, the row goes.
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        async Task<long> Rows()
        {
            await using var query = db.CreateCommand("SELECT count(*) FROM notification_settings WHERE user_id = $1");
            query.Parameters.AddWithValue(member.Id);
            return (long)(await query.ExecuteScalarAsync())!;
        }

        Assert.Equal(1L, await Rows());
        var reset = await member.ExpectAsync<Settings>(HttpMethod.Patch, PathOf(guild.Id), new
        {
            level = "mentions",
            suppressEveryone = false,
            channels = new object[] { new { channelId = random, muted = false } },
        });
        Assert.Empty(reset.Channels);
        Assert.Equal(0L, await Rows());
    }

    [Fact]
    public async Task A_thread_takes_settings_of_its_own_only_under_a_channel_the_member_can_see()
    {
        using var owner = await GuildClient.NewAsync(cluster, "nts");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var staffRole = await owner.CreateRoleAsync(guild.Id, "staff");
        var staff = await owner.CreatePrivateChannelAsync(guild.Id, "staff", staffRole.Id);
        var open = await ThreadTests.CreateThreadAsync(owner, guild.General.Id, "open thread", null);
        var hidden = await ThreadTests.CreateThreadAsync(owner, staff.Id, "hidden thread", null);
        var archived = await ThreadTests.CreateThreadAsync(owner, guild.General.Id, "old thread", null);
        await owner.ExpectAsync<ThreadTests.ThreadView>(HttpMethod.Patch, $"/api/threads/{archived.Id}", new { archived = true });

        var saved = await member.ExpectAsync<Settings>(HttpMethod.Patch, PathOf(guild.Id), new
        {
            channels = new object[]
            {
                new { channelId = open.Id, level = "all" },
                new { channelId = archived.Id, muted = true },
            },
        });
        Assert.Equal(
            new[] { new ChannelSettings(open.Id, "all", false, null), new ChannelSettings(archived.Id, null, true, null) }.OrderBy(c => c.ChannelId),
            saved.Channels.OrderBy(c => c.ChannelId));
        Assert.Equal(Shape(saved), Shape(await GetAsync(member, guild.Id)));

        // A thread under a channel the member cannot see is refused like that channel, and nothing is written.
        await member.ExpectErrorAsync(HttpMethod.Patch, PathOf(guild.Id), HttpStatusCode.NotFound, "channel_not_found", new
        {
            channels = new object[] { new { channelId = open.Id, level = "nothing" }, new { channelId = hidden.Id, level = "all" } },
        });
        Assert.Equal(Shape(saved), Shape(await GetAsync(member, guild.Id)));

        // Given the role, it is accepted.
        await owner.SetRolesAsync(guild.Id, member.Id, staffRole.Id);
        var later = await member.ExpectAsync<Settings>(HttpMethod.Patch, PathOf(guild.Id), new
        {
            channels = new object[] { new { channelId = hidden.Id, level = "nothing" } },
        });
        Assert.Contains(new ChannelSettings(hidden.Id, "nothing", false, null), later.Channels);
    }

    [Fact]
    public async Task Suppressed_everyone_and_role_mentions_are_not_counted_and_mention_events_say_how_they_reach_a_member()
    {
        using var owner = await GuildClient.NewAsync(cluster, "ns");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        var member = members[0];
        var general = guild.General.Id;
        var crew = await owner.CreateRoleAsync(guild.Id, "crew");
        await owner.SetRolesAsync(guild.Id, member.Id, crew.Id);
        await using var hub = await member.ConnectHubAsync();
        var events = new SocialEvents(hub);

        var everyone = await owner.PostAsync(general, "@everyone meeting");
        var here = await owner.PostAsync(general, "@here anyone?");
        var role = await owner.PostAsync(general, $"<@&{crew.Id}> deploy");
        var direct = await owner.PostAsync(general, $"<@{member.Id}> and @everyone and <@&{crew.Id}>");
        string Via(SocialRoutes.Message m) =>
            events.WaitForAsync("mention:create", e => e.GetProperty("messageId").GetGuid() == m.Id).GetAwaiter().GetResult().GetProperty("via").GetString()!;
        Assert.Equal(["everyone", "everyone", "role", "user"], new[] { everyone, here, role, direct }.Select(Via));
        Assert.Equal((4, 4), ((await member.ReadStateAsync(general)).Unread, (await member.ReadStateAsync(general)).Mentions));

        await member.ExpectAsync<Settings>(HttpMethod.Patch, PathOf(guild.Id), new { suppressEveryone = true });
        Assert.Equal((4, 2), ((await member.ReadStateAsync(general)).Unread, (await member.ReadStateAsync(general)).Mentions));
        await member.ExpectAsync<Settings>(HttpMethod.Patch, PathOf(guild.Id), new { suppressRoles = true });
        var counted = await member.ReadStateAsync(general);
        Assert.Equal((4, 1), (counted.Unread, counted.Mentions));
        // The ack's answer and the read-state list follow the settings too.
        Assert.Equal(1, (await member.ReadStatesAsync()).Single(r => r.ChannelId == general).Mentions);
        Assert.Equal((1, 1), ((await member.AckAsync(general, role.Id)) is var a ? (a.Unread, a.Mentions) : default));

        // Muting does not change what is counted (the client dims the channel; mentions still show).
        await member.ExpectAsync<Settings>(HttpMethod.Patch, PathOf(guild.Id), new { suppressEveryone = false, suppressRoles = false, muted = true });
        Assert.Equal((1, 1), ((await member.ReadStateAsync(general)).Unread, (await member.ReadStateAsync(general)).Mentions));
    }
}
