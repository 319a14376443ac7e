using System.Net;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class SessionTests(InProcessCluster cluster)
{
    [Fact]
    public async Task Session_list_shows_every_login_and_marks_the_callers_as_current()
    {
        var username = ApiClient.NewUsername();
        await cluster.RegisterAsync(username);
        var laptop = await cluster.LoginAsync(username, userAgent: "LesCopainsTests/laptop");
        var phone = await cluster.LoginAsync(username, userAgent: "LesCopainsTests/phone");

        var seenFromLaptop = await cluster.ListSessionsAsync(laptop.AccessToken);
        var seenFromPhone = await cluster.ListSessionsAsync(phone.AccessToken);

        Assert.Equal([laptop.SessionId, phone.SessionId], seenFromLaptop.Select(s => s.Id).Order());
        Assert.True(seenFromLaptop.Single(s => s.Id == laptop.SessionId).Current);
        Assert.False(seenFromLaptop.Single(s => s.Id == phone.SessionId).Current);
        Assert.True(seenFromPhone.Single(s => s.Id == phone.SessionId).Current);
        Assert.False(seenFromPhone.Single(s => s.Id == laptop.SessionId).Current);
        var phoneSession = seenFromLaptop.Single(s => s.Id == phone.SessionId);
        Assert.Equal("LesCopainsTests/phone", phoneSession.UserAgent);
        Assert.Equal("127.0.0.1", phoneSession.Ip);
        Assert.True(phoneSession.ExpiresAt > DateTimeOffset.UtcNow.AddDays(6));
    }

    [Fact]
    public async Task Session_list_shows_only_the_callers_own_sessions()
    {
        var alice = await cluster.NewUserAsync("alice");
        await cluster.NewUserAsync("bob");

        Assert.Equal([alice.SessionId], (await cluster.ListSessionsAsync(alice.AccessToken)).Select(s => s.Id));
    }

    [Fact]
    public async Task Revoking_another_session_signs_it_out()
    {
        var username = ApiClient.NewUsername();
        await cluster.RegisterAsync(username);
        var keep = await cluster.LoginAsync(username);
        var revoke = await cluster.LoginAsync(username);
        using var http = cluster.CreateClient(keep.AccessToken);

        using (var response = await http.DeleteAsync($"/api/auth/sessions/{revoke.SessionId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        Assert.Equal((HttpStatusCode.Unauthorized, "session_revoked"), await cluster.ProbeAsync(revoke.AccessToken));
        using (var refresh = await cluster.CreateClient().RefreshAsync(revoke.RefreshToken))
        {
            await refresh.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        }

        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(keep.AccessToken)).Status);
        Assert.Equal([keep.SessionId], (await cluster.ListSessionsAsync(keep.AccessToken)).Select(s => s.Id));
        using (var again = await http.DeleteAsync($"/api/auth/sessions/{revoke.SessionId}"))
        {
            await again.AssertErrorAsync(HttpStatusCode.NotFound, "session_not_found");
        }
    }

    [Fact]
    public async Task Revoking_a_session_of_another_user_is_not_found_and_leaves_it_working()
    {
        var attacker = await cluster.NewUserAsync("attacker");
        var victim = await cluster.NewUserAsync("victim");
        using var http = cluster.CreateClient(attacker.AccessToken);

        using (var response = await http.DeleteAsync($"/api/auth/sessions/{victim.SessionId}"))
        {
            await response.AssertErrorAsync(HttpStatusCode.NotFound, "session_not_found");
        }

        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(victim.AccessToken)).Status);
        Assert.Equal([victim.SessionId], (await cluster.ListSessionsAsync(victim.AccessToken)).Select(s => s.Id));
        await cluster.RefreshAsync(victim.RefreshToken);
    }

    [Fact]
    public async Task Revoking_an_unknown_session_is_not_found()
    {
        var tokens = await cluster.NewUserAsync();
        using var http = cluster.CreateClient(tokens.AccessToken);

        using var response = await http.DeleteAsync($"/api/auth/sessions/{Guid.NewGuid()}");

        await response.AssertErrorAsync(HttpStatusCode.NotFound, "session_not_found");
        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(tokens.AccessToken)).Status);
    }

    [Fact]
    public async Task Revoking_with_a_malformed_id_is_not_found()
    {
        var tokens = await cluster.NewUserAsync();
        using var http = cluster.CreateClient(tokens.AccessToken);

        using var response = await http.DeleteAsync("/api/auth/sessions/not-a-guid");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Revoking_the_current_session_signs_the_caller_out()
    {
        var tokens = await cluster.NewUserAsync();
        using var http = cluster.CreateClient(tokens.AccessToken);

        using var response = await http.DeleteAsync($"/api/auth/sessions/{tokens.SessionId}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal((HttpStatusCode.Unauthorized, "session_revoked"), await cluster.ProbeAsync(tokens.AccessToken));
    }

    [Fact]
    public async Task Logout_revokes_only_the_callers_session()
    {
        var username = ApiClient.NewUsername();
        await cluster.RegisterAsync(username);
        var leaving = await cluster.LoginAsync(username);
        var staying = await cluster.LoginAsync(username);
        using var http = cluster.CreateClient(leaving.AccessToken);

        using (var response = await http.PostAsync("/api/auth/logout", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        Assert.Equal((HttpStatusCode.Unauthorized, "session_revoked"), await cluster.ProbeAsync(leaving.AccessToken));
        using (var refresh = await cluster.CreateClient().RefreshAsync(leaving.RefreshToken))
        {
            await refresh.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        }

        using (var twice = await http.PostAsync("/api/auth/logout", null))
        {
            await twice.AssertErrorAsync(HttpStatusCode.Unauthorized, "session_revoked");
        }

        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(staying.AccessToken)).Status);
        Assert.Equal([staying.SessionId], (await cluster.ListSessionsAsync(staying.AccessToken)).Select(s => s.Id));

        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var reason = db.CreateCommand("SELECT revoke_reason FROM sessions WHERE id = $1 AND revoked_at IS NOT NULL");
        reason.Parameters.AddWithValue(leaving.SessionId);
        Assert.Equal("logout", await reason.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("GET", "/api/auth/sessions")]
    [InlineData("DELETE", "/api/auth/sessions/7f1c2a9e-0000-4000-8000-000000000000")]
    [InlineData("POST", "/api/auth/logout")]
    public async Task Session_endpoints_require_an_access_token(string method, string path)
    {
        using var http = cluster.CreateClient();
        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }
}
