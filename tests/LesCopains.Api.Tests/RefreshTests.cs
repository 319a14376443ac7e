using System.Net;
using System.Net.Http.Json;
using System.Text;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class RefreshTests(InProcessCluster cluster)
{
    [Fact]
    public async Task Refresh_returns_a_new_refresh_token_each_time_in_the_same_session()
    {
        var login = await cluster.NewUserAsync();

        var first = await cluster.RefreshAsync(login.RefreshToken);
        var second = await cluster.RefreshAsync(first.RefreshToken);

        Assert.Equal(3, new[] { login.RefreshToken, first.RefreshToken, second.RefreshToken }.Distinct().Count());
        Assert.Equal(login.SessionId, first.SessionId);
        Assert.Equal(login.SessionId, second.SessionId);
        Assert.Equal(login.User, second.User);
        Assert.NotEqual(login.AccessToken, second.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(second.AccessToken)).Status);
        Assert.Single(await cluster.ListSessionsAsync(second.AccessToken));
    }

    [Fact]
    public async Task Rotated_refresh_token_cannot_be_used_again()
    {
        var login = await cluster.NewUserAsync();
        await cluster.RefreshAsync(login.RefreshToken);
        using var http = cluster.CreateClient();

        using var again = await http.RefreshAsync(login.RefreshToken);

        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [Fact]
    public async Task Reused_refresh_token_revokes_the_whole_session()
    {
        var login = await cluster.NewUserAsync();
        var other = await cluster.LoginAsync(login.User.Username);
        var first = await cluster.RefreshAsync(login.RefreshToken);
        var newest = await cluster.RefreshAsync(first.RefreshToken);
        using var http = cluster.CreateClient();

        // first.RefreshToken was retired by the second rotation: a copy of it is in someone else's hands.
        using (var reuse = await http.RefreshAsync(first.RefreshToken))
        {
            await reuse.AssertErrorAsync(HttpStatusCode.Unauthorized, "refresh_token_reused");
        }

        using (var afterReuse = await http.RefreshAsync(newest.RefreshToken))
        {
            await afterReuse.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        }

        Assert.Equal((HttpStatusCode.Unauthorized, "session_revoked"), await cluster.ProbeAsync(login.AccessToken));
        Assert.Equal((HttpStatusCode.Unauthorized, "session_revoked"), await cluster.ProbeAsync(newest.AccessToken));

        // Only that session: the user's other login is untouched.
        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(other.AccessToken)).Status);
        Assert.Equal([other.SessionId], (await cluster.ListSessionsAsync(other.AccessToken)).Select(s => s.Id));
        await cluster.RefreshAsync(other.RefreshToken);

        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var reason = db.CreateCommand("SELECT revoke_reason FROM sessions WHERE id = $1 AND revoked_at IS NOT NULL");
        reason.Parameters.AddWithValue(login.SessionId);
        Assert.Equal("refresh_token_reused", await reason.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("00000000000000000000000000000000.")]
    [InlineData("not-a-guid-not-a-guid-not-a-guid.abc")]
    [InlineData(null)]
    public async Task Garbage_refresh_tokens_are_rejected(string? token)
    {
        using var http = cluster.CreateClient();
        using var response = await http.RefreshAsync(token);

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Fact]
    public async Task Oversized_refresh_token_is_rejected()
    {
        using var http = cluster.CreateClient();
        using var response = await http.RefreshAsync(Guid.NewGuid().ToString("N") + "." + new string('A', 100_000));

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Fact]
    public async Task Refresh_token_of_an_unknown_session_is_rejected()
    {
        using var http = cluster.CreateClient();
        using var response = await http.RefreshAsync(Guid.NewGuid().ToString("N") + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Fact]
    public async Task Guessing_the_secret_of_a_known_session_fails_without_signing_it_out()
    {
        // Session ids are not secret (they are in the access token and the session list).
        var login = await cluster.NewUserAsync();
        var victim = await cluster.NewUserAsync("victim");
        using var http = cluster.CreateClient();

        foreach (var guess in new[]
        {
            login.SessionId.ToString("N") + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            login.SessionId.ToString("N") + "." + victim.RefreshToken[33..], // another session's secret
            login.RefreshToken + "x",
        })
        {
            using var response = await http.RefreshAsync(guess);
            await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        }

        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(login.AccessToken)).Status);
        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(victim.AccessToken)).Status);
        await cluster.RefreshAsync(login.RefreshToken);
        await cluster.RefreshAsync(victim.RefreshToken);
    }

    [Fact]
    public async Task Malformed_refresh_body_is_invalid_json()
    {
        using var http = cluster.CreateClient();
        using var content = new StringContent("""{"refreshToken": 42}""", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/api/auth/refresh", content);

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_json");
    }

    [Fact]
    public async Task Refresh_token_of_a_logged_out_session_is_rejected()
    {
        var login = await cluster.NewUserAsync();
        using var authed = cluster.CreateClient(login.AccessToken);
        using (var logout = await authed.PostAsync("/api/auth/logout", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        }

        using var http = cluster.CreateClient();
        using var response = await http.RefreshAsync(login.RefreshToken);
        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Fact]
    public async Task Refresh_extends_the_session_expiry()
    {
        var login = await cluster.NewUserAsync();
        var refreshed = await cluster.RefreshAsync(login.RefreshToken);

        Assert.True(refreshed.RefreshExpiresAt >= login.RefreshExpiresAt);
        var session = Assert.Single(await cluster.ListSessionsAsync(refreshed.AccessToken));
        Assert.Equal(refreshed.RefreshExpiresAt, session.ExpiresAt, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Refresh_body_must_be_json_object_with_the_token()
    {
        using var http = cluster.CreateClient();
        using var response = await http.PostAsJsonAsync("/api/auth/refresh", new { token = "wrong field name" });

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }
}
