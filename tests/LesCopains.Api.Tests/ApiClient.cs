using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

/// <summary>Small helpers over the REST contract of docs/API.md.</summary>
public static class ApiClient
{
    public sealed record User(string Id, string Username, string DisplayName, DateTimeOffset CreatedAt);

    public sealed record Tokens(string AccessToken, string RefreshToken, int ExpiresIn, Guid SessionId, DateTimeOffset RefreshExpiresAt, User User);

    public sealed record Session(Guid Id, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, DateTimeOffset ExpiresAt, string? UserAgent, string? Ip, bool Current);

    public sealed record Error(string Code, string Message);

    private sealed record ErrorEnvelope(Error Error);

    private sealed record SessionList(IReadOnlyList<Session> Sessions);

    /// <summary>A fresh 160-bit authenticator secret, base32, as the web client makes one.</summary>
    public static string NewTotpSecret() => OtpNet.Base32Encoding.ToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20));

    public static string NewUsername(string prefix = "u") => (prefix + Guid.NewGuid().ToString("N"))[..20];

    public const string GoodPassword = "correct horse battery staple";

    /// <summary>Makes the requests of <paramref name="http"/> come from <paramref name="ip"/> (loopback is a trusted proxy by default).</summary>
    public static HttpClient From(this HttpClient http, string ip)
    {
        http.DefaultRequestHeaders.Remove("X-Forwarded-For");
        http.DefaultRequestHeaders.Add("X-Forwarded-For", ip);
        return http;
    }

    private static int ips;

    /// <summary>An address no other test uses, so per-IP budgets do not collide between tests.</summary>
    public static string NewIp()
    {
        var n = Interlocked.Increment(ref ips);
        return $"10.77.{n / 250}.{(n % 250) + 1}";
    }

    public static async Task<User> RegisterAsync(this InProcessCluster cluster, string username, string password = GoodPassword, string? displayName = null)
    {
        using var http = cluster.CreateClient();
        return await http.RegisterAsync(username, password, displayName);
    }

    public static async Task<User> RegisterAsync(this HttpClient http, string username, string password = GoodPassword, string? displayName = null)
    {
        using var response = await http.PostAsJsonAsync("/api/auth/register", new { username, password, displayName });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").Deserialize<User>(JsonSerializerOptions.Web)!;
    }

    public static async Task<Tokens> LoginAsync(this InProcessCluster cluster, string username, string password = GoodPassword, string? userAgent = null)
    {
        using var http = cluster.CreateClient();
        if (userAgent is not null)
        {
            http.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        }

        return await http.LoginAsync(username, password);
    }

    public static async Task<Tokens> LoginAsync(this HttpClient http, string username, string password = GoodPassword)
    {
        using var response = await http.PostAsJsonAsync("/api/auth/login", new { username, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Tokens>(JsonSerializerOptions.Web))!;
    }

    public static async Task<Tokens> NewUserAsync(this InProcessCluster cluster, string prefix = "u")
    {
        var username = NewUsername(prefix);
        await cluster.RegisterAsync(username);
        return await cluster.LoginAsync(username);
    }

    public static Task<HttpResponseMessage> RefreshAsync(this HttpClient http, string? refreshToken) =>
        http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });

    public static async Task<Tokens> RefreshAsync(this InProcessCluster cluster, string refreshToken)
    {
        using var http = cluster.CreateClient();
        using var response = await http.RefreshAsync(refreshToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Tokens>(JsonSerializerOptions.Web))!;
    }

    public static async Task<IReadOnlyList<Session>> ListSessionsAsync(this InProcessCluster cluster, string accessToken)
    {
        using var http = cluster.CreateClient(accessToken);
        return (await http.GetFromJsonAsync<SessionList>("/api/auth/sessions", JsonSerializerOptions.Web))!.Sessions;
    }

    /// <summary>The status of <c>GET /api/users/@me</c> with this access token, and the error code if any.</summary>
    public static async Task<(HttpStatusCode Status, string? Code)> ProbeAsync(this InProcessCluster cluster, string? accessToken, Uri? node = null)
    {
        using var http = cluster.CreateClient(accessToken, node);
        using var response = await http.GetAsync("/api/users/@me");
        return (response.StatusCode, response.IsSuccessStatusCode ? null : (await response.ReadErrorAsync()).Code);
    }

    public static async Task<Error> ReadErrorAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<ErrorEnvelope>(JsonSerializerOptions.Web))!.Error;

    /// <summary>Asserts the status and the stable error code, and returns the error.</summary>
    public static async Task<Error> AssertErrorAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        var error = JsonSerializer.Deserialize<ErrorEnvelope>(body, JsonSerializerOptions.Web)!.Error;
        Assert.Equal(code, error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        return error;
    }

    public static async Task<long> CountAccountsAsync(this InProcessCluster cluster, string username)
    {
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var count = db.CreateCommand("SELECT count(*) FROM accounts WHERE lower(username) = lower($1)");
        count.Parameters.AddWithValue(username.Trim());
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
