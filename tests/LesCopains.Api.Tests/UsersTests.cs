using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class UsersTests(InProcessCluster cluster)
{
    [Fact]
    public async Task Get_me_returns_the_callers_profile()
    {
        var alice = await cluster.NewUserAsync("alice");
        await cluster.NewUserAsync("bob");
        using var http = cluster.CreateClient(alice.AccessToken);

        var me = await http.GetFromJsonAsync<ApiClient.User>("/api/users/@me", JsonSerializerOptions.Web);

        Assert.Equal(alice.User, me);
    }

    [Fact]
    public async Task Patch_me_changes_the_display_name_for_good()
    {
        var tokens = await cluster.NewUserAsync();
        using var http = cluster.CreateClient(tokens.AccessToken);

        using var response = await http.PatchAsJsonAsync("/api/users/@me", new { displayName = "  Zoé ✨  " });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Zoé ✨", (await response.Content.ReadFromJsonAsync<ApiClient.User>(JsonSerializerOptions.Web))!.DisplayName);
        var me = await http.GetFromJsonAsync<ApiClient.User>("/api/users/@me", JsonSerializerOptions.Web);
        Assert.Equal(tokens.User with { DisplayName = "Zoé ✨" }, me);
        Assert.Equal("Zoé ✨", (await cluster.LoginAsync(tokens.User.Username)).User.DisplayName);

        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var row = db.CreateCommand("SELECT display_name FROM accounts WHERE id = $1");
        row.Parameters.AddWithValue(Guid.Parse(tokens.User.Id));
        Assert.Equal("Zoé ✨", await row.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("""{"displayName": ""}""")]
    [InlineData("""{"displayName": "   "}""")]
    [InlineData("""{"displayName": "abcdefghijklmnopqrstuvwxyz0123456"}""")]
    [InlineData("""{"displayName": "tab\there"}""")]
    [InlineData("""{"displayName": null}""")]
    [InlineData("""{}""")]
    public async Task Patch_me_rejects_invalid_display_names_and_keeps_the_old_one(string body)
    {
        var tokens = await cluster.NewUserAsync();
        using var http = cluster.CreateClient(tokens.AccessToken);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await http.PatchAsync("/api/users/@me", content);

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.StartsWith("displayName:", error.Message, StringComparison.Ordinal);
        Assert.Equal(tokens.User, await http.GetFromJsonAsync<ApiClient.User>("/api/users/@me", JsonSerializerOptions.Web));
    }

    [Fact]
    public async Task A_new_display_name_reaches_the_members_of_every_guild_the_person_is_in_at_once()
    {
        using var owner = await GuildClient.NewAsync(cluster, "dn");
        var (first, firstMembers) = await GuildClient.GuildWithMembersAsync(owner, 1, "One");
        var (second, secondMembers) = await GuildClient.GuildWithMembersAsync(owner, 1, "Two");
        using var one = firstMembers[0];
        using var two = secondMembers[0];
        using var stranger = await GuildClient.NewAsync(cluster, "dn");
        await using var oneHub = await one.ConnectHubAsync();
        await using var twoHub = await two.ConnectHubAsync();
        await using var strangerHub = await stranger.ConnectHubAsync();

        await owner.ExpectAsync<ApiClient.User>(HttpMethod.Patch, "/api/users/@me", new { displayName = "Capitaine" });
        foreach (var (hub, guild) in new[] { (oneHub, first), (twoHub, second) })
        {
            var (_, update) = await hub.WaitForAsync("user:update", e => e.GetProperty("user").TryGetProperty("displayName", out _));
            Assert.Equal(guild.Id, update.GetProperty("guildId").GetGuid());
            Assert.Equal(owner.Id, update.GetProperty("user").GetProperty("id").GetGuid());
            Assert.Equal("Capitaine", update.GetProperty("user").GetProperty("displayName").GetString());
        }

        Assert.Equal("Capitaine", (await one.ListMembersAsync(first.Id)).Single(m => m.UserId == owner.Id).DisplayName);

        // The same name again changes nothing and tells nobody; nobody outside the guilds is told.
        await owner.ExpectAsync<ApiClient.User>(HttpMethod.Patch, "/api/users/@me", new { displayName = "Capitaine" });
        await Task.Delay(300);
        Assert.Equal(1, oneHub.Count("user:update"));
        Assert.Equal(0, strangerHub.Count("user:update"));
    }

    [Fact]
    public async Task About_me_is_set_cleared_and_seen_by_others_on_the_profile_and_a_bad_one_changes_nothing()
    {
        using var me = await GuildClient.NewAsync(cluster, "bio");
        using var other = await GuildClient.NewAsync(cluster, "bio");
        var bio = "Bassiste du dimanche.\r\nFan de Brassens 🎸";
        var updated = await me.ExpectAsync<JsonElement>(HttpMethod.Patch, "/api/users/@me", new { bio = $"  {bio}  " });
        Assert.Equal("Bassiste du dimanche.\nFan de Brassens 🎸", updated.GetProperty("bio").GetString());

        var seen = await other.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/users/{me.Id}/profile");
        Assert.Equal("Bassiste du dimanche.\nFan de Brassens 🎸", seen.GetProperty("bio").GetString());
        Assert.Equal(me.Id, seen.GetProperty("id").GetGuid());
        await other.ExpectErrorAsync(HttpMethod.Get, $"/api/users/{Guid.NewGuid()}/profile", HttpStatusCode.NotFound, "user_not_found");

        // Too long, or a control character: refused, and the display name sent with it is not written either.
        var before = (await me.ExpectAsync<JsonElement>(HttpMethod.Get, "/api/users/@me")).GetProperty("displayName").GetString();
        foreach (var bad in new[] { new string('a', 191), "tab\there" })
        {
            var error = await me.ExpectErrorAsync(HttpMethod.Patch, "/api/users/@me", HttpStatusCode.BadRequest, "validation_failed", new { displayName = "Changed", bio = bad });
            Assert.StartsWith("bio:", error.Message, StringComparison.Ordinal);
        }

        var after = await me.ExpectAsync<JsonElement>(HttpMethod.Get, "/api/users/@me");
        Assert.Equal(before, after.GetProperty("displayName").GetString());
        Assert.StartsWith("Bassiste", after.GetProperty("bio").GetString(), StringComparison.Ordinal);

        // Blank clears it; 190 characters fit.
        await me.ExpectAsync<JsonElement>(HttpMethod.Patch, "/api/users/@me", new { bio = "   " });
        Assert.False((await other.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/users/{me.Id}/profile")).TryGetProperty("bio", out _));
        Assert.Equal(190, (await me.ExpectAsync<JsonElement>(HttpMethod.Patch, "/api/users/@me", new { bio = new string('b', 190) })).GetProperty("bio").GetString()!.Length);
        await me.ExpectErrorAsync(HttpMethod.Patch, "/api/users/@me", HttpStatusCode.BadRequest, "validation_failed", new { });
    }

    [Fact]
    public async Task Patch_me_with_malformed_json_is_invalid_json()
    {
        var tokens = await cluster.NewUserAsync();
        using var http = cluster.CreateClient(tokens.AccessToken);
        using var content = new StringContent("""{"displayName": """, Encoding.UTF8, "application/json");

        using var response = await http.PatchAsync("/api/users/@me", content);

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_json");
    }

    [Fact]
    public async Task Patch_me_ignores_attempts_to_change_the_username_or_id()
    {
        var tokens = await cluster.NewUserAsync();
        using var http = cluster.CreateClient(tokens.AccessToken);

        using var response = await http.PatchAsJsonAsync("/api/users/@me", new { displayName = "New", username = "admin", id = Guid.NewGuid() });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await http.GetFromJsonAsync<ApiClient.User>("/api/users/@me", JsonSerializerOptions.Web);
        Assert.Equal(tokens.User with { DisplayName = "New" }, me);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PATCH")]
    public async Task Users_endpoints_require_an_access_token(string method)
    {
        using var http = cluster.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), "/api/users/@me") { Content = JsonContent.Create(new { displayName = "x" }) };
        using var response = await http.SendAsync(request);

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Unknown_api_route_is_a_json_404()
    {
        var tokens = await cluster.NewUserAsync();
        using var http = cluster.CreateClient(tokens.AccessToken);

        using var response = await http.GetAsync("/api/users/someone-else");

        await response.AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
    }
}
