using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class RegistrationTests(InProcessCluster cluster)
{
    [Fact]
    public async Task Register_then_login_returns_tokens_and_profile()
    {
        var username = ApiClient.NewUsername();
        var user = await cluster.RegisterAsync(username, displayName: "Alice A.");
        Assert.Equal(username, user.Username);
        Assert.Equal("Alice A.", user.DisplayName);

        var tokens = await cluster.LoginAsync(username);
        Assert.Equal(900, tokens.ExpiresIn);
        using var http = cluster.CreateClient(tokens.AccessToken);
        var me = await http.GetFromJsonAsync<ApiClient.User>("/api/users/@me", JsonSerializerOptions.Web);
        Assert.Equal(user.Id, me!.Id);
    }

    [Fact]
    public async Task Register_answers_201_with_the_public_profile_only()
    {
        var username = ApiClient.NewUsername();
        using var http = cluster.CreateClient();
        using var response = await http.PostAsJsonAsync("/api/auth/register", new { username, password = ApiClient.GoodPassword });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/users/@me", response.Headers.Location?.OriginalString);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var user = body.GetProperty("user");
        Assert.Equal(["createdAt", "displayName", "id", "username"], user.EnumerateObject().Select(p => p.Name).Order());
        Assert.True(Guid.TryParse(user.GetProperty("id").GetString(), out _));
        Assert.Equal(username, user.GetProperty("username").GetString());
        Assert.Equal(username, user.GetProperty("displayName").GetString()); // defaults to the username
        Assert.InRange(user.GetProperty("createdAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.DoesNotContain(ApiClient.GoodPassword, body.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("argon2", body.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(1, await cluster.CountAccountsAsync(username));
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")] // 33
    [InlineData("al ice")]
    [InlineData("alice!")]
    [InlineData("deleted_bob")]
    [InlineData("ali-ce")]
    [InlineData("élise")]
    [InlineData("alice\u0000")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public async Task Usernames_outside_the_rules_are_rejected(string? username)
    {
        using var http = cluster.CreateClient();
        using var response = await http.PostAsJsonAsync("/api/auth/register", new { username, password = ApiClient.GoodPassword });

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.StartsWith("username:", error.Message, StringComparison.Ordinal);
        if (!string.IsNullOrWhiteSpace(username) && !username.Contains('\0', StringComparison.Ordinal))
        {
            Assert.Equal(0, await cluster.CountAccountsAsync(username));
        }
    }

    [Fact]
    public async Task Usernames_of_exactly_3_and_32_allowed_characters_are_accepted()
    {
        var stem = Guid.NewGuid().ToString("N");
        await cluster.RegisterAsync("a._" + stem[..29]);
        await cluster.RegisterAsync(stem[..3]);
    }

    [Fact]
    public async Task Uppercase_username_is_stored_lowercase_and_trimmed()
    {
        var username = ApiClient.NewUsername("Mixed.Case_");
        var user = await cluster.RegisterAsync("  " + username.ToUpperInvariant() + " ");

        Assert.Equal(username.ToLowerInvariant(), user.Username);
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var stored = db.CreateCommand("SELECT username FROM accounts WHERE id = $1");
        stored.Parameters.AddWithValue(Guid.Parse(user.Id));
        Assert.Equal(username.ToLowerInvariant(), await stored.ExecuteScalarAsync());
        await cluster.LoginAsync(username.ToLowerInvariant());
    }

    [Fact]
    public async Task Duplicate_username_in_any_case_is_a_conflict_and_leaves_the_first_account_intact()
    {
        var username = ApiClient.NewUsername();
        var first = await cluster.RegisterAsync(username, displayName: "First");
        using var http = cluster.CreateClient();

        foreach (var attempt in new[] { username, username.ToUpperInvariant(), " " + username + " " })
        {
            using var response = await http.PostAsJsonAsync("/api/auth/register", new { username = attempt, password = "another secret phrase", displayName = "Second" });
            await response.AssertErrorAsync(HttpStatusCode.Conflict, "username_taken");
        }

        Assert.Equal(1, await cluster.CountAccountsAsync(username));
        var tokens = await cluster.LoginAsync(username);
        Assert.Equal(first.Id, tokens.User.Id);
        Assert.Equal("First", tokens.User.DisplayName);
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { username, password = "another secret phrase" });
        await login.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Theory]
    [InlineData("short7!", "validation_failed")]
    [InlineData("", "validation_failed")]
    [InlineData(null, "validation_failed")]
    [InlineData("password123", "password_too_common")]
    [InlineData("PassWord123", "password_too_common")]
    [InlineData("qwertyuiop", "password_too_common")]
    [InlineData("abababababab", "password_too_common")]
    public async Task Weak_passwords_are_rejected_and_nothing_is_written(string? password, string code)
    {
        var username = ApiClient.NewUsername();
        using var http = cluster.CreateClient();
        using var response = await http.PostAsJsonAsync("/api/auth/register", new { username, password });

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, code);
        Assert.Equal(0, await cluster.CountAccountsAsync(username));
        await cluster.RegisterAsync(username); // the name was not claimed by the failed attempt
    }

    [Fact]
    public async Task Password_equal_to_the_username_is_too_common()
    {
        var username = ApiClient.NewUsername();
        using var http = cluster.CreateClient();
        using var response = await http.PostAsJsonAsync("/api/auth/register", new { username, password = username.ToUpperInvariant() });

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "password_too_common");
        Assert.Equal(0, await cluster.CountAccountsAsync(username));
    }

    [Fact]
    public async Task Passwords_of_8_and_128_characters_are_accepted_and_129_is_not()
    {
        await cluster.RegisterAsync(ApiClient.NewUsername(), "kq8#Zt2w");
        var longest = string.Concat(Enumerable.Repeat("Zq8#kT2w", 16));
        var username = ApiClient.NewUsername();
        await cluster.RegisterAsync(username, longest);
        await cluster.LoginAsync(username, longest);

        var rejected = ApiClient.NewUsername();
        using var http = cluster.CreateClient();
        using var response = await http.PostAsJsonAsync("/api/auth/register", new { username = rejected, password = longest + "x" });
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(0, await cluster.CountAccountsAsync(rejected));
        await cluster.RegisterAsync(rejected);
    }

    [Theory]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")] // 33
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bell\u0007")]
    [InlineData("new\nline")]
    public async Task Invalid_display_names_are_rejected_and_nothing_is_written(string displayName)
    {
        var username = ApiClient.NewUsername();
        using var http = cluster.CreateClient();
        using var response = await http.PostAsJsonAsync("/api/auth/register", new { username, password = ApiClient.GoodPassword, displayName });

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.StartsWith("displayName:", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await cluster.CountAccountsAsync(username));
        await cluster.RegisterAsync(username, displayName: "Fine");
    }

    [Fact]
    public async Task Display_name_of_32_characters_is_accepted_and_trimmed()
    {
        var name = "  " + new string('é', 32) + " ";
        var user = await cluster.RegisterAsync(ApiClient.NewUsername(), displayName: name);
        Assert.Equal(new string('é', 32), user.DisplayName);
    }

    [Theory]
    [InlineData("""{"username": "x""")]
    [InlineData("""{"username": 12, "password": "correct horse battery staple"}""")]
    [InlineData("""["not", "an", "object"]""")]
    [InlineData("not json at all")]
    public async Task Malformed_json_is_rejected_with_invalid_json(string body)
    {
        using var http = cluster.CreateClient();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/api/auth/register", content);

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_json");
    }

    [Fact]
    public async Task Missing_body_is_a_bad_request()
    {
        using var http = cluster.CreateClient();
        using var empty = new StringContent("", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/api/auth/register", empty);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains((await response.ReadErrorAsync()).Code, new[] { "invalid_json", "bad_request" });
    }

    [Fact]
    public async Task Body_that_is_not_json_is_refused()
    {
        var username = ApiClient.NewUsername();
        using var http = cluster.CreateClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = username, ["password"] = ApiClient.GoodPassword });
        using var response = await http.PostAsync("/api/auth/register", form);

        await response.AssertErrorAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Equal(0, await cluster.CountAccountsAsync(username));
    }

    [Theory]
    [InlineData("username")]
    [InlineData("password")]
    [InlineData("displayName")]
    public async Task Oversized_fields_are_rejected_without_writing_anything(string field)
    {
        var username = ApiClient.NewUsername();
        var fields = new Dictionary<string, string>
        {
            ["username"] = username,
            ["password"] = ApiClient.GoodPassword,
            ["displayName"] = "Fine",
        };
        fields[field] = new string('a', 1 << 20) + "Zq8#";
        using var http = cluster.CreateClient();
        using var response = await http.PostAsJsonAsync("/api/auth/register", fields);

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.StartsWith(field + ":", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 200, "the error must not echo the input");
        Assert.Equal(0, await cluster.CountAccountsAsync(username));
    }

    [Fact]
    public async Task Body_over_the_request_size_limit_is_refused_with_413()
    {
        var username = ApiClient.NewUsername();
        var json = "{\"username\":\"" + username + "\",\"password\":\"" + ApiClient.GoodPassword + "\",\"displayName\":\"" + new string('a', 12 << 20) + "\"}";
        using var http = cluster.CreateClient();
        http.DefaultRequestHeaders.ExpectContinue = true; // the server answers before the body is sent
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/api/auth/register", content);

        await response.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(0, await cluster.CountAccountsAsync(username));
    }

    [Fact]
    public async Task Two_concurrent_registrations_of_one_name_exactly_one_wins()
    {
        var username = ApiClient.NewUsername("race");
        using var http = cluster.CreateClient();
        var attempts = Enumerable.Range(0, 6).Select(i =>
            http.PostAsJsonAsync("/api/auth/register", new { username = i % 2 == 0 ? username : username.ToUpperInvariant(), password = ApiClient.GoodPassword }));
        var responses = await Task.WhenAll(attempts);
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (var loser in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            Assert.Equal(HttpStatusCode.Conflict, loser.StatusCode);
            Assert.Equal("username_taken", (await loser.ReadErrorAsync()).Code);
        }

        Assert.Equal(1, await cluster.CountAccountsAsync(username));
    }
}
