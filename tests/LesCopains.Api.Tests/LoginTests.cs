using System.Net;
using System.Net.Http.Json;
using System.Text;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class LoginTests(InProcessCluster cluster)
{
    [Fact]
    public async Task Login_with_the_right_password_returns_an_access_token_a_refresh_token_and_the_user()
    {
        var username = ApiClient.NewUsername();
        var user = await cluster.RegisterAsync(username);

        var tokens = await cluster.LoginAsync(username);

        Assert.Equal(3, tokens.AccessToken.Split('.').Length);
        Assert.StartsWith(tokens.SessionId.ToString("N") + ".", tokens.RefreshToken, StringComparison.Ordinal);
        Assert.Equal(900, tokens.ExpiresIn);
        Assert.InRange(tokens.RefreshExpiresAt, DateTimeOffset.UtcNow.AddDays(7).AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(7).AddMinutes(5));
        Assert.Equal(user, tokens.User);
        Assert.Equal((HttpStatusCode.OK, (string?)null), await cluster.ProbeAsync(tokens.AccessToken));
    }

    [Fact]
    public async Task Each_login_starts_a_distinct_session()
    {
        var username = ApiClient.NewUsername();
        await cluster.RegisterAsync(username);

        var first = await cluster.LoginAsync(username);
        var second = await cluster.LoginAsync(username);

        Assert.NotEqual(first.SessionId, second.SessionId);
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
    }

    [Fact]
    public async Task Login_username_is_case_insensitive_and_trimmed()
    {
        var username = ApiClient.NewUsername();
        var user = await cluster.RegisterAsync(username);

        var tokens = await cluster.LoginAsync(" " + username.ToUpperInvariant() + " ");

        Assert.Equal(user.Id, tokens.User.Id);
    }

    [Fact]
    public async Task Wrong_password_is_rejected_with_invalid_credentials()
    {
        var username = ApiClient.NewUsername();
        await cluster.RegisterAsync(username);
        using var http = cluster.CreateClient();

        foreach (var password in new[] { "wrong password!", ApiClient.GoodPassword.ToUpperInvariant(), ApiClient.GoodPassword + " " })
        {
            using var response = await http.PostAsJsonAsync("/api/auth/login", new { username, password });
            await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
            Assert.Null(response.Headers.RetryAfter);
        }
    }

    [Fact]
    public async Task Unknown_user_gets_the_same_answer_as_a_wrong_password()
    {
        var username = ApiClient.NewUsername();
        await cluster.RegisterAsync(username);
        using var http = cluster.CreateClient();

        using var wrongPassword = await http.PostAsJsonAsync("/api/auth/login", new { username, password = "wrong password!" });
        using var unknownUser = await http.PostAsJsonAsync("/api/auth/login", new { username = ApiClient.NewUsername("nobody"), password = "wrong password!" });

        var a = await wrongPassword.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var b = await unknownUser.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(a, b);
        Assert.Equal(wrongPassword.Content.Headers.ContentLength, unknownUser.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData("""{"password": "correct horse battery staple"}""")]
    [InlineData("""{"username": "someone"}""")]
    [InlineData("""{"username": "someone", "password": ""}""")]
    [InlineData("""{"username": "   ", "password": "correct horse battery staple"}""")]
    public async Task Login_without_username_or_password_is_a_validation_error(string body)
    {
        using var http = cluster.CreateClient();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/api/auth/login", content);

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Login_with_an_oversized_password_is_refused_without_hashing_it()
    {
        var username = ApiClient.NewUsername();
        await cluster.RegisterAsync(username);
        using var http = cluster.CreateClient();

        using var response = await http.PostAsJsonAsync("/api/auth/login", new { username, password = new string('x', 1 << 20) });

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Passwords_are_stored_as_argon2id_with_owasp_parameters()
    {
        var username = ApiClient.NewUsername();
        var user = await cluster.RegisterAsync(username);

        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var query = db.CreateCommand("SELECT password_hash FROM accounts WHERE id = $1");
        query.Parameters.AddWithValue(Guid.Parse(user.Id));
        var hash = (string)(await query.ExecuteScalarAsync())!;

        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", hash, StringComparison.Ordinal);
        var parts = hash.Split('$');
        Assert.Equal(6, parts.Length);
        Assert.Equal(16, Convert.FromBase64String(parts[4] + "==").Length);
        Assert.Equal(32, Convert.FromBase64String(parts[5] + "=").Length);
        Assert.DoesNotContain(ApiClient.GoodPassword, hash, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_accounts_with_the_same_password_get_different_salts()
    {
        var a = await cluster.RegisterAsync(ApiClient.NewUsername());
        var b = await cluster.RegisterAsync(ApiClient.NewUsername());

        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var query = db.CreateCommand("SELECT count(DISTINCT password_hash) FROM accounts WHERE id = ANY($1)");
        query.Parameters.AddWithValue(new[] { Guid.Parse(a.Id), Guid.Parse(b.Id) });
        Assert.Equal(2L, await query.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Refresh_tokens_are_stored_only_as_hashes()
    {
        var tokens = await cluster.NewUserAsync();
        var rotated = await cluster.RefreshAsync(tokens.RefreshToken);
        var secrets = new[] { tokens.RefreshToken, rotated.RefreshToken };

        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var rows = db.CreateCommand("SELECT token_hash, r::text FROM refresh_tokens r WHERE session_id = $1");
        rows.Parameters.AddWithValue(tokens.SessionId);
        var count = 0;
        await using (var reader = await rows.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                count++;
                var hash = (byte[])reader[0];
                var text = reader.GetString(1);
                Assert.Equal(32, hash.Length);
                foreach (var secret in secrets)
                {
                    var randomPart = secret[(secret.IndexOf('.', StringComparison.Ordinal) + 1)..];
                    Assert.DoesNotContain(randomPart, text, StringComparison.Ordinal);
                    Assert.DoesNotContain(Convert.ToHexString(Encoding.UTF8.GetBytes(randomPart)), Convert.ToHexString(hash), StringComparison.OrdinalIgnoreCase);
                }
            }
        }

        Assert.Equal(2, count);

        await using var anywhere = db.CreateCommand(
            "SELECT count(*) FROM sessions s WHERE position($1 in s::text) > 0 OR position($2 in s::text) > 0");
        anywhere.Parameters.AddWithValue(secrets[0][33..]);
        anywhere.Parameters.AddWithValue(secrets[1][33..]);
        Assert.Equal(0L, await anywhere.ExecuteScalarAsync());
    }
}
