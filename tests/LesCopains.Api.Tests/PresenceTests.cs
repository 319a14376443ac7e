using System.Net;
using System.Text.Json;
using LesCopains.Grains.Presence;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using static LesCopains.Api.Tests.GuildClient;

namespace LesCopains.Api.Tests;

/// <summary>
/// Presence (docs/API.md "Presence"): several connections aggregate to one status, invisible is
/// offline to others, updates reach co-members only and are coalesced per guild.
/// </summary>
[Collection(ApiCollection.Name)]
public class PresenceTests(InProcessCluster cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private sealed record Self(string Status, string Chosen);

    [Fact]
    public async Task Two_connections_keep_the_user_online_until_both_close()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        await using var ownerHub = await owner.ConnectHubAsync();
        var updates = Record(ownerHub);

        var first = await member.ConnectHubAsync();
        await using var second = await member.ConnectHubAsync();
        await UntilStatusAsync(owner, guild.Id, member.Id, "online");
        await updates.WaitForAsync(member.Id, "online");
        Assert.Equal(2, (await Presence(member.Id).Get()).Connections);

        await first.DisposeAsync();
        await Poll.UntilAsync(async () => (await Presence(member.Id).Get()).Connections == 1, Deadline, "one connection left");
        Assert.Equal("online", await StatusOfAsync(owner, guild.Id, member.Id));
        Assert.Equal("online", (await member.ExpectAsync<Self>(HttpMethod.Get, "/api/users/@me/presence")).Status);

        await second.DisposeAsync();
        await UntilStatusAsync(owner, guild.Id, member.Id, "offline");
        await updates.WaitForAsync(member.Id, "offline");
        Assert.Equal("offline", (await member.ExpectAsync<Self>(HttpMethod.Get, "/api/users/@me/presence")).Status);
    }

    [Fact]
    public async Task An_invisible_user_is_offline_to_others_invisible_to_themselves_and_nothing_reveals_them()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 2);
        using var ghost = members[0];
        using var sentinel = members[1];
        Assert.Equal("invisible", (await ghost.ExpectAsync<Self>(HttpMethod.Put, "/api/users/@me/presence", new { status = "invisible" })).Chosen);
        await using var ownerHub = await owner.ConnectHubAsync();
        var updates = Record(ownerHub);

        var selfEvents = new List<JsonElement>();
        var ghostHub = cluster.CreateHubConnection(() => ghost.Tokens.AccessToken);
        ghostHub.On<JsonElement>("presence:self", e =>
        {
            lock (selfEvents)
            {
                selfEvents.Add(e);
            }
        });
        await ghostHub.StartAsync();
        await Poll.UntilAsync(async () => (await Presence(ghost.Id).Get()).Connections == 1, Deadline, "the invisible user's connection registered");
        await Poll.UntilAsync(() => Task.FromResult(Count(selfEvents) > 0), Deadline, "presence:self on connect");
        Assert.Equal("invisible", selfEvents[0].GetProperty("status").GetString());
        Assert.Equal("invisible", (await ghost.ExpectAsync<Self>(HttpMethod.Get, "/api/users/@me/presence")).Status);

        // A later change in the same guild reaches the owner; nothing about the invisible user came before it.
        await using (var sentinelHub = await sentinel.ConnectHubAsync())
        {
            await updates.WaitForAsync(sentinel.Id, "online");
            Assert.Empty(updates.About(ghost.Id));
            Assert.Equal("offline", await StatusOfAsync(owner, guild.Id, ghost.Id));

            // Becoming visible is announced; going invisible again looks like signing off.
            var self = await ghostHub.InvokeAsync<JsonElement>("SetPresence", "dnd");
            Assert.Equal("dnd", self.GetProperty("status").GetString());
            await updates.WaitForAsync(ghost.Id, "dnd");
            await ghostHub.InvokeAsync<JsonElement>("SetPresence", "invisible");
            await updates.WaitForAsync(ghost.Id, "offline");
            Assert.Equal("offline", await StatusOfAsync(owner, guild.Id, ghost.Id));
        }

        await ghostHub.DisposeAsync();
    }

    [Fact]
    public async Task Updates_reach_co_members_and_not_members_of_other_guilds()
    {
        using var owner = await NewAsync(cluster);
        var (_, members) = await GuildWithMembersAsync(owner, 1);
        using var coMember = members[0];
        using var stranger = await NewAsync(cluster);
        var (otherGuild, strangerMembers) = await GuildWithMembersAsync(stranger, 1, "Elsewhere");
        using var strangerFriend = strangerMembers[0];
        await using var coHub = await coMember.ConnectHubAsync();
        await using var strangerHub = await stranger.ConnectHubAsync();
        var coUpdates = Record(coHub);
        var strangerUpdates = Record(strangerHub);

        await using (var ownerHub = await owner.ConnectHubAsync())
        {
            await coUpdates.WaitForAsync(owner.Id, "online");
        }

        await coUpdates.WaitForAsync(owner.Id, "offline");
        await using var friendHub = await strangerFriend.ConnectHubAsync();
        await strangerUpdates.WaitForAsync(strangerFriend.Id, "online");
        Assert.Empty(strangerUpdates.About(owner.Id));

        // The REST view is for members only.
        await owner.ExpectErrorAsync(HttpMethod.Get, $"/api/guilds/{otherGuild.Id}/presences", HttpStatusCode.NotFound, "guild_not_found");
    }

    [Fact]
    public async Task Updates_and_the_snapshot_carry_user_ids_grouped_by_status()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 3);
        using var busy = members[0];
        using var away = members[1];
        using var gone = members[2];
        await using var ownerHub = await owner.ConnectHubAsync();
        var updates = Record(ownerHub);
        await using var busyHub = await busy.ConnectHubAsync();
        await using var awayHub = await away.ConnectHubAsync();
        await using (var goneHub = await gone.ConnectHubAsync())
        {
            await updates.WaitForAsync(gone.Id, "online");
        }

        await busyHub.Connection.InvokeAsync<JsonElement>("SetPresence", "dnd");
        await awayHub.Connection.InvokeAsync<JsonElement>("SetPresence", "idle");
        await updates.WaitForAsync(busy.Id, "dnd");
        await updates.WaitForAsync(away.Id, "idle");
        await updates.WaitForAsync(gone.Id, "offline");

        // Every batch: the guild's id and non-empty arrays of ids under the status names, each id once.
        foreach (var batch in updates.All())
        {
            var names = batch.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(guild.Id, batch.GetProperty("guildId").GetGuid());
            Assert.Subset(new HashSet<string> { "guildId", "online", "idle", "dnd", "offline" }, names.ToHashSet());
            Assert.All(names.Where(n => n != "guildId"), n => Assert.NotEqual(0, batch.GetProperty(n).GetArrayLength()));
            var ids = PresenceJson.Entries(batch).Select(e => e.UserId).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());
        }

        // The snapshot: the same groups without guildId, and nobody offline.
        var snapshot = await owner.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/guilds/{guild.Id}/presences");
        Assert.Equal(["online", "idle", "dnd"], snapshot.EnumerateObject().Select(p => p.Name));
        Assert.Equal([owner.Id], snapshot.GetProperty("online").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Equal([away.Id], snapshot.GetProperty("idle").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Equal([busy.Id], snapshot.GetProperty("dnd").EnumerateArray().Select(e => e.GetGuid()));
    }

    [Fact]
    public async Task A_burst_of_changes_reaches_co_members_as_a_few_coalesced_batches()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        await using var ownerHub = await owner.ConnectHubAsync();
        await using var memberHub = await member.ConnectHubAsync();
        var updates = Record(ownerHub);
        await updates.WaitForAsync(member.Id, "online");
        var before = updates.Count;

        const int Changes = 40;
        var started = DateTime.UtcNow;
        for (var i = 0; i < Changes; i++)
        {
            await memberHub.Connection.InvokeAsync<JsonElement>("SetPresence", i % 2 == 0 ? "dnd" : "idle");
        }

        var burst = DateTime.UtcNow - started;
        await UntilStatusAsync(owner, guild.Id, member.Id, "idle");
        await updates.WaitForAsync(member.Id, "idle", from: before);

        // At most one batch per second per guild (+1 for the change that opens a window, +1 for the last).
        var batches = updates.About(member.Id, from: before).Count;
        Assert.True(batches <= Math.Ceiling(burst.TotalSeconds) + 2, $"{batches} presence:update batches for {Changes} changes in {burst.TotalSeconds:0.0} s");
        Assert.True(batches < Changes / 2, $"{batches} presence:update batches for {Changes} changes");
        Assert.Equal("idle", updates.About(member.Id, from: before)[^1]);
    }

    [Fact]
    public async Task Auto_idle_turns_online_into_idle_only_when_every_connection_is_idle_and_a_chosen_status_wins()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        await using var tab1 = await member.ConnectHubAsync();
        await using var tab2 = await member.ConnectHubAsync();
        await UntilStatusAsync(owner, guild.Id, member.Id, "online");

        var self = await tab1.Connection.InvokeAsync<JsonElement>("SetActivity", "idle");
        Assert.Equal("online", self.GetProperty("status").GetString());
        self = await tab2.Connection.InvokeAsync<JsonElement>("SetActivity", "idle");
        Assert.Equal("idle", self.GetProperty("status").GetString());
        await UntilStatusAsync(owner, guild.Id, member.Id, "idle");

        await tab1.Connection.InvokeAsync<JsonElement>("SetPresence", "dnd");
        await UntilStatusAsync(owner, guild.Id, member.Id, "dnd");
        await tab1.Connection.InvokeAsync<JsonElement>("SetPresence", "online");
        self = await tab2.Connection.InvokeAsync<JsonElement>("SetActivity", "active");
        Assert.Equal("online", self.GetProperty("status").GetString());
        await UntilStatusAsync(owner, guild.Id, member.Id, "online");
    }

    [Fact]
    public async Task A_connected_user_who_joins_a_guild_appears_online_there_at_once()
    {
        using var owner = await NewAsync(cluster);
        var guild = await owner.CreateGuildAsync();
        var invite = await owner.CreateInviteAsync(guild.Id, guild.General.Id);
        using var newcomer = await NewAsync(cluster);
        await using var newcomerHub = await newcomer.ConnectHubAsync();
        await Poll.UntilAsync(async () => (await Presence(newcomer.Id).Get()).Connections == 1, Deadline, "the newcomer connected");

        await newcomer.JoinAsync(invite.Code);

        // Well before the periodic re-announcement (every PRESENCE_TTL, 60 s here).
        await UntilStatusAsync(owner, guild.Id, newcomer.Id, "online");
    }

    [Fact]
    public async Task Bad_statuses_are_rejected_and_change_nothing()
    {
        using var user = await NewAsync(cluster);
        await user.ExpectErrorAsync(HttpMethod.Put, "/api/users/@me/presence", HttpStatusCode.BadRequest, "validation_failed", new { status = "offline" });
        await user.ExpectErrorAsync(HttpMethod.Put, "/api/users/@me/presence", HttpStatusCode.BadRequest, "validation_failed", new { status = "away" });
        await using var hub = await user.ConnectHubAsync();
        var error = await Assert.ThrowsAsync<HubException>(() => hub.Connection.InvokeAsync<JsonElement>("SetPresence", "busy"));
        Assert.StartsWith("validation_failed:", error.Message.Split("HubException: ")[^1], StringComparison.Ordinal);
        error = await Assert.ThrowsAsync<HubException>(() => hub.Connection.InvokeAsync<JsonElement>("SetActivity", "asleep"));
        Assert.StartsWith("validation_failed:", error.Message.Split("HubException: ")[^1], StringComparison.Ordinal);
        Assert.Equal(new Self("online", "online"), await user.ExpectAsync<Self>(HttpMethod.Get, "/api/users/@me/presence"));
    }

    [Fact]
    public async Task A_member_who_leaves_or_is_kicked_drops_out_of_the_guilds_presence_at_once()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 2);
        using var leaver = members[0];
        using var kicked = members[1];
        await using var ownerHub = await owner.ConnectHubAsync();
        var updates = Record(ownerHub);
        await using var leaverHub = await leaver.ConnectHubAsync();
        await using var kickedHub = await kicked.ConnectHubAsync();
        await UntilStatusAsync(owner, guild.Id, leaver.Id, "online");
        await UntilStatusAsync(owner, guild.Id, kicked.Id, "online");
        // (Before leaving, or the coalesced batch would rightly say nothing: online, then offline.)
        await updates.WaitForAsync(leaver.Id, "online");
        await updates.WaitForAsync(kicked.Id, "online");

        // Still connected, but no longer members: the snapshot is for members only.
        await leaver.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/members/@me");
        await owner.KickAsync(guild.Id, kicked.Id);
        await UntilStatusAsync(owner, guild.Id, leaver.Id, "offline");
        await UntilStatusAsync(owner, guild.Id, kicked.Id, "offline");
        await updates.WaitForAsync(leaver.Id, "offline");
        await updates.WaitForAsync(kicked.Id, "offline");
    }

    [Fact]
    public async Task A_renewal_sent_before_a_connection_closed_does_not_bring_it_back()
    {
        // An Api node renews all its connections in batches: a batch built just before a connection
        // closed reaches the presence grain after the close.
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var ttl = TimeSpan.FromSeconds(60);
        var lease = new PresenceLease("closed-" + Guid.NewGuid().ToString("N"), ClientActivity.Active);
        await Presence(member.Id).Connect("node-a", lease, ttl);
        await UntilStatusAsync(owner, guild.Id, member.Id, "online");

        await Presence(member.Id).Disconnect(lease.ConnectionId);
        await Presence(member.Id).Renew("node-a", [lease], ttl);

        Assert.Equal((0, PresenceStatus.Offline), (await Presence(member.Id).Get()) is var view ? (view.Connections, view.Visible) : default);
        await UntilStatusAsync(owner, guild.Id, member.Id, "offline");

        // A lease the grain does not know (its silo restarted) is still taken from a renewal.
        var unknown = new PresenceLease("unknown-" + Guid.NewGuid().ToString("N"), ClientActivity.Active);
        await Presence(member.Id).Renew("node-a", [lease, unknown], ttl);
        Assert.Equal(1, (await Presence(member.Id).Get()).Connections);
        await Presence(member.Id).Disconnect(unknown.ConnectionId);
        Assert.Equal(0, (await Presence(member.Id).Get()).Connections);
    }

    [Fact]
    public async Task A_custom_status_reaches_co_members_with_presence_and_the_snapshot_and_clearing_it_is_live()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        using var stranger = await NewAsync(cluster);
        await using var ownerHub = await owner.ConnectHubAsync();
        var updates = Record(ownerHub);
        await using var memberHub = await member.ConnectHubAsync();
        await updates.WaitForAsync(member.Id, "online");
        var seen = updates.Count;

        var expiresAt = DateTimeOffset.UtcNow.AddHours(4);
        var self = await member.ExpectAsync<JsonElement>(HttpMethod.Put, "/api/users/@me/custom-status", new { text = "  En vacances  ", emoji = "🏖️", expiresAt });
        Assert.Equal("En vacances", self.GetProperty("customStatus").GetProperty("text").GetString());
        Assert.Equal("online", self.GetProperty("status").GetString());

        // The next batch names the member again, with the custom status; so does the snapshot.
        await Poll.UntilAsync(() => Task.FromResult(updates.All().Skip(seen).Any(b => CustomOf(b, member.Id) is not null)), Deadline, "the custom status in a batch");
        var custom = updates.All().Skip(seen).Select(b => CustomOf(b, member.Id)).First(c => c is not null)!.Value;
        Assert.Equal("En vacances", custom.GetProperty("text").GetString());
        Assert.Equal("🏖️", custom.GetProperty("emoji").GetString());
        Assert.Equal(expiresAt.ToUnixTimeSeconds(), custom.GetProperty("expiresAt").GetDateTimeOffset().ToUnixTimeSeconds());
        var snapshot = await owner.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/guilds/{guild.Id}/presences");
        Assert.Equal("En vacances", snapshot.GetProperty("customStatus").GetProperty(member.Id.ToString()).GetProperty("text").GetString());
        Assert.Equal("En vacances", (await member.ExpectAsync<JsonElement>(HttpMethod.Get, "/api/users/@me/presence")).GetProperty("customStatus").GetProperty("text").GetString());

        // Cleared: a batch names the member without one; the snapshot has none.
        seen = updates.Count;
        await member.ExpectStatusAsync(HttpMethod.Delete, "/api/users/@me/custom-status");
        await Poll.UntilAsync(() => Task.FromResult(updates.All().Skip(seen).Any(b => PresenceJson.Entries(b).Any(e => e.UserId == member.Id))), Deadline, "a batch after clearing");
        Assert.All(updates.All().Skip(seen), b => Assert.Null(CustomOf(b, member.Id)));
        snapshot = await owner.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/guilds/{guild.Id}/presences");
        Assert.False(snapshot.TryGetProperty("customStatus", out _));
        Assert.Equal("online", PresenceJson.StatusOf(snapshot, member.Id));

        // An emoji alone will do; a new connection of the person's hears it in presence:self.
        await member.ExpectAsync<JsonElement>(HttpMethod.Put, "/api/users/@me/custom-status", new { emoji = "🎧" });
        var selfEvents = new List<JsonElement>();
        var second = cluster.CreateHubConnection(() => member.Tokens.AccessToken);
        second.On<JsonElement>("presence:self", e =>
        {
            lock (selfEvents)
            {
                selfEvents.Add(e);
            }
        });
        await second.StartAsync();
        await Poll.UntilAsync(() => Task.FromResult(Count(selfEvents) > 0), Deadline, "presence:self on connect");
        Assert.Equal("🎧", selfEvents[0].GetProperty("customStatus").GetProperty("emoji").GetString());
        Assert.False(selfEvents[0].GetProperty("customStatus").TryGetProperty("text", out var text) && text.ValueKind != JsonValueKind.Null);
        await second.DisposeAsync();
        await member.ExpectStatusAsync(HttpMethod.Delete, "/api/users/@me/custom-status");
    }

    [Fact]
    public async Task An_invisible_users_custom_status_reaches_nobody_until_they_appear_and_an_expired_one_is_gone()
    {
        using var owner = await NewAsync(cluster);
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var ghost = members[0];
        await ghost.ExpectAsync<Self>(HttpMethod.Put, "/api/users/@me/presence", new { status = "invisible" });
        await using var ownerHub = await owner.ConnectHubAsync();
        var updates = Record(ownerHub);
        await using var ghostHub = await ghost.ConnectHubAsync();
        await Poll.UntilAsync(async () => (await Presence(ghost.Id).Get()).Connections == 1, Deadline, "the invisible user's connection registered");
        var self = await ghost.ExpectAsync<JsonElement>(HttpMethod.Put, "/api/users/@me/custom-status", new { text = "incognito" });
        Assert.Equal("invisible", self.GetProperty("status").GetString());
        Assert.Equal("incognito", self.GetProperty("customStatus").GetProperty("text").GetString());
        await Task.Delay(1500);
        Assert.Empty(updates.About(ghost.Id));
        Assert.False((await owner.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/guilds/{guild.Id}/presences")).TryGetProperty("customStatus", out _));

        // Appearing online brings it along.
        await ghostHub.Connection.InvokeAsync<JsonElement>("SetPresence", "online");
        await updates.WaitForAsync(ghost.Id, "online");
        Assert.Equal("incognito", updates.All().Select(b => CustomOf(b, ghost.Id)).Last(c => c is not null)!.Value.GetProperty("text").GetString());

        // One that runs out is no longer served, to others or to the person.
        await ghost.ExpectAsync<JsonElement>(HttpMethod.Put, "/api/users/@me/custom-status", new { text = "brb", expiresAt = DateTimeOffset.UtcNow.AddSeconds(2) });
        await Poll.UntilAsync(async () => (await owner.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/guilds/{guild.Id}/presences")).TryGetProperty("customStatus", out _), Deadline, "brb shown");
        await Poll.UntilAsync(async () => !(await owner.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/guilds/{guild.Id}/presences")).TryGetProperty("customStatus", out _), Deadline, "brb gone");
        Assert.False((await ghost.ExpectAsync<JsonElement>(HttpMethod.Get, "/api/users/@me/presence")).TryGetProperty("customStatus", out _));
    }

    [Fact]
    public async Task Bad_custom_statuses_are_refused_and_the_one_in_place_stays()
    {
        using var user = await NewAsync(cluster);
        await user.ExpectAsync<JsonElement>(HttpMethod.Put, "/api/users/@me/custom-status", new { text = "Au travail", emoji = "💼" });
        var now = DateTimeOffset.UtcNow;
        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { text = new string('a', 129) }, "text"),
            (new { text = "two\nlines" }, "text"),
            (new { text = "  ", emoji = "" }, "text"),
            (new { emoji = "abc" }, "emoji"),
            (new { emoji = "😀😀" }, "emoji"),
            (new { text = "late", expiresAt = now.AddMinutes(-1) }, "expiresAt"),
            (new { text = "forever and a day", expiresAt = now.AddDays(400) }, "expiresAt"),
        })
        {
            var error = await user.ExpectErrorAsync(HttpMethod.Put, "/api/users/@me/custom-status", HttpStatusCode.BadRequest, "validation_failed", body);
            Assert.StartsWith(field + ":", error.Message, StringComparison.Ordinal);
        }

        var self = await user.ExpectAsync<JsonElement>(HttpMethod.Get, "/api/users/@me/presence");
        Assert.Equal("Au travail", self.GetProperty("customStatus").GetProperty("text").GetString());
        Assert.Equal("💼", self.GetProperty("customStatus").GetProperty("emoji").GetString());
    }

    /// <summary>The custom status a batch or snapshot gives <paramref name="userId"/>, if any.</summary>
    private static JsonElement? CustomOf(JsonElement batch, Guid userId) =>
        batch.TryGetProperty("customStatus", out var customs) && customs.TryGetProperty(userId.ToString(), out var custom) ? custom : null;

    private IPresenceGrain Presence(Guid userId) =>
        cluster.ApiServices.GetRequiredService<IClusterClient>().GetGrain<IPresenceGrain>(userId);

    private static async Task<string> StatusOfAsync(GuildClient viewer, Guid guildId, Guid userId)
    {
        var groups = await viewer.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/guilds/{guildId}/presences");
        return PresenceJson.StatusOf(groups, userId);
    }

    private static Task UntilStatusAsync(GuildClient viewer, Guid guildId, Guid userId, string status) =>
        Poll.UntilAsync(async () => await StatusOfAsync(viewer, guildId, userId) == status, Deadline, $"{userId} {status} in the guild's presences");

    private static int Count(List<JsonElement> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }

    private static PresenceRecorder Record(HubClient hub) => new(hub.Connection);

    /// <summary>The <c>presence:update</c> batches one connection received, in order.</summary>
    private sealed class PresenceRecorder
    {
        private readonly List<JsonElement> batches = [];

        public PresenceRecorder(HubConnection connection) =>
            connection.On<JsonElement>("presence:update", e =>
            {
                lock (batches)
                {
                    batches.Add(e);
                }
            });

        public int Count
        {
            get
            {
                lock (batches)
                {
                    return batches.Count;
                }
            }
        }

        /// <summary>Every batch so far.</summary>
        public List<JsonElement> All()
        {
            lock (batches)
            {
                return [.. batches];
            }
        }

        /// <summary>The statuses of <paramref name="userId"/>, one per batch that mentions them.</summary>
        public List<string> About(Guid userId, int from = 0)
        {
            lock (batches)
            {
                return batches.Skip(from)
                    .SelectMany(PresenceJson.Entries)
                    .Where(p => p.UserId == userId)
                    .Select(p => p.Status)
                    .ToList();
            }
        }

        public Task WaitForAsync(Guid userId, string status, int from = 0) =>
            Poll.UntilAsync(() => Task.FromResult(About(userId, from).Contains(status)), Deadline, $"presence:update {userId} {status}");
    }
}
