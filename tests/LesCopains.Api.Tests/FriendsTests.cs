using System.Net;
using System.Text.Json;
using LesCopains.Testing;
using static LesCopains.Api.Tests.GuildClient;

namespace LesCopains.Api.Tests;

/// <summary>
/// Friends (docs/API.md "Friends"): requests by username or id, accepting, removing, the two sides kept
/// in step in one transaction, blocks ending friendships, and friends' presence outside any guild.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FriendsTests(InProcessCluster cluster)
{
    private const string Path = "/api/users/@me/relationships";

    private static string Username(GuildClient client) => client.Tokens.User.Username;

    private static async Task<Dictionary<Guid, JsonElement>> ListAsync(GuildClient client)
    {
        var list = await client.ExpectAsync<JsonElement>(HttpMethod.Get, Path);
        return list.GetProperty("relationships").EnumerateArray().ToDictionary(r => r.GetProperty("user").GetProperty("id").GetGuid());
    }

    private static Func<JsonElement, bool> About(Guid userId) => e => e.GetProperty("user").GetProperty("id").GetGuid() == userId;

    [Fact]
    public async Task A_request_by_username_waits_for_the_other_to_accept_and_both_sides_hear_each_step()
    {
        using var ana = await NewAsync(cluster, "ana");
        using var ben = await NewAsync(cluster, "ben");
        await using var anaHub = await ana.ConnectHubAsync();
        await using var benHub = await ben.ConnectHubAsync();

        var sent = await ana.ExpectAsync<JsonElement>(HttpMethod.Post, Path, new { username = "@" + Username(ben).ToUpperInvariant() });
        Assert.Equal("outgoing", sent.GetProperty("type").GetString());
        Assert.Equal(ben.Id, sent.GetProperty("user").GetProperty("id").GetGuid());
        Assert.Equal(Username(ben), sent.GetProperty("user").GetProperty("username").GetString());
        Assert.False(sent.TryGetProperty("status", out _));

        var (_, incoming) = await benHub.WaitForAsync("relationship:update", About(ana.Id));
        Assert.Equal("incoming", incoming.GetProperty("type").GetString());
        Assert.Equal(Username(ana), incoming.GetProperty("user").GetProperty("username").GetString());
        await anaHub.WaitForAsync("relationship:update", e => About(ben.Id)(e) && e.GetProperty("type").GetString() == "outgoing");
        Assert.Equal("incoming", (await ListAsync(ben))[ana.Id].GetProperty("type").GetString());

        // Asking again changes nothing and announces nothing.
        var again = await ana.ExpectAsync<JsonElement>(HttpMethod.Post, Path, new { username = Username(ben) });
        Assert.Equal("outgoing", again.GetProperty("type").GetString());

        // Ben accepts by id: both are friends, each seeing the other online (both are connected).
        var accepted = await ben.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{ana.Id}");
        Assert.Equal("friend", accepted.GetProperty("type").GetString());
        Assert.Equal("online", accepted.GetProperty("status").GetString());
        var (_, anaSide) = await anaHub.WaitForAsync("relationship:update", e => About(ben.Id)(e) && e.GetProperty("type").GetString() == "friend");
        Assert.Equal("online", anaSide.GetProperty("status").GetString());
        Assert.Equal(1, anaHub.Count("relationship:update", e => About(ben.Id)(e) && e.GetProperty("type").GetString() == "outgoing"));

        var anaList = await ListAsync(ana);
        Assert.Equal("friend", anaList[ben.Id].GetProperty("type").GetString());
        Assert.Equal("online", anaList[ben.Id].GetProperty("status").GetString());

        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var rows = db.CreateCommand("SELECT count(*) FROM relationships WHERE (user_id = $1 AND other_id = $2 OR user_id = $2 AND other_id = $1) AND kind = 1");
        rows.Parameters.AddWithValue(ana.Id);
        rows.Parameters.AddWithValue(ben.Id);
        Assert.Equal(2L, await rows.ExecuteScalarAsync());

        // Removing ends it on both sides.
        await ben.ExpectStatusAsync(HttpMethod.Delete, $"{Path}/{ana.Id}");
        var (_, ended) = await anaHub.WaitForAsync("relationship:update", e => About(ben.Id)(e) && e.GetProperty("type").ValueKind == JsonValueKind.Null);
        Assert.Empty(await ListAsync(ana));
        Assert.Empty(await ListAsync(ben));
        Assert.Equal(0L, await rows.ExecuteScalarAsync());

        // Removing what is not there is not an error.
        await ben.ExpectStatusAsync(HttpMethod.Delete, $"{Path}/{ana.Id}");
    }

    [Fact]
    public async Task Two_people_asking_each_other_at_once_become_friends_once()
    {
        for (var round = 0; round < 5; round++)
        {
            using var a = await NewAsync(cluster, "mut");
            using var b = await NewAsync(cluster, "mut");
            var results = await Task.WhenAll(
                a.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{b.Id}"),
                b.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{a.Id}"));

            // One of the two requests went first; the other accepted it.
            Assert.Equal(["friend", "outgoing"], results.Select(r => r.GetProperty("type").GetString()).Order());
            Assert.Equal("friend", (await ListAsync(a))[b.Id].GetProperty("type").GetString());
            Assert.Equal("friend", (await ListAsync(b))[a.Id].GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task Cancelling_a_request_sent_and_ignoring_one_received_leave_nothing_behind()
    {
        using var ana = await NewAsync(cluster, "ana");
        using var ben = await NewAsync(cluster, "ben");
        using var cat = await NewAsync(cluster, "cat");
        await ana.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{ben.Id}");
        await cat.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{ana.Id}");
        var list = await ListAsync(ana);
        Assert.Equal("outgoing", list[ben.Id].GetProperty("type").GetString());
        Assert.Equal("incoming", list[cat.Id].GetProperty("type").GetString());

        await ana.ExpectStatusAsync(HttpMethod.Delete, $"{Path}/{ben.Id}");
        await ana.ExpectStatusAsync(HttpMethod.Delete, $"{Path}/{cat.Id}");
        Assert.Empty(await ListAsync(ana));
        Assert.Empty(await ListAsync(ben));
        Assert.Empty(await ListAsync(cat));

        // Ignored, cat may ask again; this time it is a new request, not a friendship.
        Assert.Equal("outgoing", (await cat.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{ana.Id}")).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Bad_requests_get_clear_errors_and_store_nothing()
    {
        using var ana = await NewAsync(cluster, "ana");
        await ana.ExpectErrorAsync(HttpMethod.Post, Path, HttpStatusCode.BadRequest, "validation_failed", new { username = "  " });
        await ana.ExpectErrorAsync(HttpMethod.Post, Path, HttpStatusCode.BadRequest, "validation_failed", new { username = "not a name!" });
        await ana.ExpectErrorAsync(HttpMethod.Post, Path, HttpStatusCode.NotFound, "user_not_found", new { username = ApiClient.NewUsername("nobody") });
        await ana.ExpectErrorAsync(HttpMethod.Post, Path, HttpStatusCode.BadRequest, "validation_failed", new { username = Username(ana) });
        await ana.ExpectErrorAsync(HttpMethod.Put, $"{Path}/{ana.Id}", HttpStatusCode.BadRequest, "validation_failed");
        await ana.ExpectErrorAsync(HttpMethod.Put, $"{Path}/{Guid.NewGuid()}", HttpStatusCode.NotFound, "user_not_found");
        Assert.Empty(await ListAsync(ana));
    }

    [Fact]
    public async Task A_block_ends_the_friendship_and_the_blocked_person_cannot_ask_again()
    {
        using var ana = await NewAsync(cluster, "ana");
        using var ben = await NewAsync(cluster, "ben");
        await ana.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{ben.Id}");
        await ben.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{ana.Id}");
        await using var benHub = await ben.ConnectHubAsync();

        await ana.ExpectStatusAsync(HttpMethod.Put, $"/api/dm/blocks/{ben.Id}");
        await benHub.WaitForAsync("relationship:update", e => About(ana.Id)(e) && e.GetProperty("type").ValueKind == JsonValueKind.Null);
        Assert.Empty(await ListAsync(ana));
        Assert.Empty(await ListAsync(ben));

        // The blocked person finds no such user (as for a conversation); the blocker must unblock first.
        await ben.ExpectErrorAsync(HttpMethod.Put, $"{Path}/{ana.Id}", HttpStatusCode.NotFound, "user_not_found");
        await ben.ExpectErrorAsync(HttpMethod.Post, Path, HttpStatusCode.NotFound, "user_not_found", new { username = Username(ana) });
        var error = await ana.ExpectErrorAsync(HttpMethod.Put, $"{Path}/{ben.Id}", HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains("unblock", error.Message);
        Assert.Empty(await ListAsync(ben));

        await ana.ExpectStatusAsync(HttpMethod.Delete, $"/api/dm/blocks/{ben.Id}");
        Assert.Equal("outgoing", (await ben.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{ana.Id}")).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Friends_hear_each_others_presence_without_a_shared_guild_and_strangers_do_not()
    {
        using var ana = await NewAsync(cluster, "ana");
        using var ben = await NewAsync(cluster, "ben");
        using var stranger = await NewAsync(cluster, "str");
        await ana.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{ben.Id}");
        await ben.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{ana.Id}");
        await stranger.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{ben.Id}");
        await using var anaHub = await ana.ConnectHubAsync();
        await using var strangerHub = await stranger.ConnectHubAsync();
        Assert.Equal("offline", (await ListAsync(ana))[ben.Id].GetProperty("status").GetString());

        var benHub = await ben.ConnectHubAsync();
        var online = await anaHub.WaitForAsync("presence:friend", e => e.GetProperty("userId").GetGuid() == ben.Id && e.GetProperty("status").GetString() == "online");
        Assert.Equal("online", (await ListAsync(ana))[ben.Id].GetProperty("status").GetString());

        // A custom status travels with it; do not disturb too.
        await ben.ExpectAsync<JsonElement>(HttpMethod.Put, "/api/users/@me/custom-status", new { text = "En vacances" });
        var (_, custom) = await anaHub.WaitForAsync("presence:friend", e => e.TryGetProperty("customStatus", out _), online.Index);
        Assert.Equal("En vacances", custom.GetProperty("customStatus").GetProperty("text").GetString());
        await ben.ExpectAsync<JsonElement>(HttpMethod.Put, "/api/users/@me/presence", new { status = "dnd" });
        await anaHub.WaitForAsync("presence:friend", e => e.GetProperty("status").GetString() == "dnd");

        // Invisible is offline to friends too, with no custom status.
        await ben.ExpectAsync<JsonElement>(HttpMethod.Put, "/api/users/@me/presence", new { status = "invisible" });
        var (hiddenAt, hidden) = await anaHub.WaitForAsync("presence:friend", e => e.GetProperty("status").GetString() == "offline");
        Assert.False(hidden.TryGetProperty("customStatus", out _));
        var listed = (await ListAsync(ana))[ben.Id];
        Assert.Equal("offline", listed.GetProperty("status").GetString());
        Assert.False(listed.TryGetProperty("customStatus", out _));
        await ben.ExpectAsync<JsonElement>(HttpMethod.Put, "/api/users/@me/presence", new { status = "online" });
        await anaHub.WaitForAsync("presence:friend", e => e.GetProperty("status").GetString() == "online", hiddenAt + 1);

        await benHub.DisposeAsync();
        await anaHub.WaitForAsync("presence:friend", e => e.GetProperty("status").GetString() == "offline", hiddenAt + 1);

        // A pending request is not a friendship: nothing about ben's presence reaches the stranger.
        Assert.Equal(0, strangerHub.Count("presence:friend"));
        Assert.False((await ListAsync(stranger))[ben.Id].TryGetProperty("status", out _));
    }

    [Fact]
    public async Task A_new_display_name_reaches_friends_and_people_with_pending_requests()
    {
        using var ana = await NewAsync(cluster, "ana");
        using var ben = await NewAsync(cluster, "ben");
        await ben.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{ana.Id}");
        await using var anaHub = await ana.ConnectHubAsync();

        await ben.ExpectAsync<JsonElement>(HttpMethod.Patch, "/api/users/@me", new { displayName = "Benoît" });
        var (_, update) = await anaHub.WaitForAsync("user:update", e => e.GetProperty("user").GetProperty("id").GetGuid() == ben.Id);
        Assert.Equal("Benoît", update.GetProperty("user").GetProperty("displayName").GetString());
        Assert.Equal("Benoît", (await ListAsync(ana))[ben.Id].GetProperty("user").GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Past_the_limit_of_friends_and_requests_a_new_request_is_refused_and_stores_nothing()
    {
        using var full = await NewAsync(cluster, "full");
        using var ana = await NewAsync(cluster, "ana");
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using (var fill = db.CreateCommand(
            """
            WITH others AS (
                INSERT INTO accounts (id, username, display_name, password_hash, created_at)
                SELECT gen_random_uuid(), 'lim' || substr(md5(random()::text), 1, 16), 'Filler', 'x', now() FROM generate_series(1, 1000)
                RETURNING id)
            INSERT INTO relationships (user_id, other_id, kind, since) SELECT $1, id, 4, now() FROM others
            """))
        {
            fill.Parameters.AddWithValue(full.Id);
            await fill.ExecuteNonQueryAsync();
        }

        await full.ExpectErrorAsync(HttpMethod.Put, $"{Path}/{ana.Id}", HttpStatusCode.BadRequest, "limit_reached");
        await ana.ExpectErrorAsync(HttpMethod.Put, $"{Path}/{full.Id}", HttpStatusCode.BadRequest, "limit_reached");
        Assert.Empty(await ListAsync(ana));
    }

    [Fact]
    public async Task Who_may_send_a_request_follows_the_targets_privacy_switches_and_accepting_is_always_possible()
    {
        using var ana = await NewAsync(cluster, "ana");
        var (_, members) = await GuildWithMembersAsync(ana, 1);
        using var coMember = members[0];
        using var stranger = await NewAsync(cluster, "str");
        using var mutual = await NewAsync(cluster, "mut");
        using var friendOfMutual = await NewAsync(cluster, "fom");

        var initial = await ana.ExpectAsync<JsonElement>(HttpMethod.Get, "/api/users/@me/privacy");
        Assert.True(initial.GetProperty("friendRequests").GetProperty("everyone").GetBoolean());

        // Guild members only.
        var set = await ana.ExpectAsync<JsonElement>(HttpMethod.Patch, "/api/users/@me/privacy", new { friendRequests = new { everyone = false, friendsOfFriends = false } });
        Assert.False(set.GetProperty("friendRequests").GetProperty("everyone").GetBoolean());
        Assert.True(set.GetProperty("friendRequests").GetProperty("guildMembers").GetBoolean());
        await stranger.ExpectErrorAsync(HttpMethod.Post, Path, HttpStatusCode.Forbidden, "friend_request_refused", new { username = Username(ana) });
        await coMember.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{ana.Id}");
        Assert.Equal("incoming", (await ListAsync(ana))[coMember.Id].GetProperty("type").GetString());

        // Friends of friends only: ana and the other person both have `mutual` as a friend.
        await ana.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{mutual.Id}");
        await mutual.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{ana.Id}");
        await friendOfMutual.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{mutual.Id}");
        await mutual.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{friendOfMutual.Id}");
        await ana.ExpectAsync<JsonElement>(HttpMethod.Patch, "/api/users/@me/privacy", new { friendRequests = new { friendsOfFriends = true, guildMembers = false } });
        await ana.ExpectStatusAsync(HttpMethod.Delete, $"{Path}/{coMember.Id}");
        await coMember.ExpectErrorAsync(HttpMethod.Put, $"{Path}/{ana.Id}", HttpStatusCode.Forbidden, "friend_request_refused");
        await friendOfMutual.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{ana.Id}");

        // Nobody but those: a request ana sends herself can still be accepted.
        await ana.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{stranger.Id}");
        var accepted = await stranger.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{ana.Id}");
        Assert.Equal("friend", accepted.GetProperty("type").GetString());
        await ana.ExpectErrorAsync(HttpMethod.Patch, "/api/users/@me/privacy", HttpStatusCode.BadRequest, "validation_failed", new { });
    }

    [Fact]
    public async Task A_profile_shows_the_guilds_and_friends_the_viewer_has_in_common_with_the_person()
    {
        using var ana = await NewAsync(cluster, "ana");
        var (shared, members) = await GuildWithMembersAsync(ana, 1, "Shared");
        using var ben = members[0];
        await ana.CreateGuildAsync("Ana only");
        using var carl = await NewAsync(cluster, "carl");
        using var dora = await NewAsync(cluster, "dora");
        foreach (var (a, b) in new[] { (ana, carl), (ben, carl), (ana, dora) })
        {
            await a.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{b.Id}");
            await b.ExpectAsync<JsonElement>(HttpMethod.Put, $"{Path}/{a.Id}");
        }

        var seenByAna = await ana.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/users/{ben.Id}/profile");
        Assert.Equal([shared.Id], seenByAna.GetProperty("mutualGuildIds").EnumerateArray().Select(g => g.GetGuid()));
        var mutual = Assert.Single(seenByAna.GetProperty("mutualFriends").EnumerateArray());
        Assert.Equal(carl.Id, mutual.GetProperty("id").GetGuid());
        Assert.Equal(Username(carl), mutual.GetProperty("username").GetString());

        var own = await ana.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/users/{ana.Id}/profile");
        Assert.Equal(0, own.GetProperty("mutualGuildIds").GetArrayLength());
        Assert.Equal(0, own.GetProperty("mutualFriends").GetArrayLength());
    }
}
