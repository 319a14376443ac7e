using System.Net.Http.Json;
using System.Text.Json;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

/// <summary>Small helpers over the REST contract of docs/API.md.</summary>
public static class ApiClient
{
    public sealed record User(string Id, string Username, string DisplayName, DateTimeOffset CreatedAt);

    public sealed record Tokens(string AccessToken, string RefreshToken, int ExpiresIn, Guid SessionId, User User);

    public sealed record Error(string Code, string Message);

    private sealed record ErrorEnvelope(Error Error);

    public static string NewUsername(string prefix = "u") => (prefix + Guid.NewGuid().ToString("N"))[..20];

    public const string GoodPassword = "correct horse battery staple";

    public static async Task<User> RegisterAsync(this InProcessCluster cluster, string username, string password = GoodPassword, string? displayName = null)
    {
        using var http = cluster.CreateClient();
        using var response = await http.PostAsJsonAsync("/api/auth/register", new { username, password, displayName });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").Deserialize<User>(JsonSerializerOptions.Web)!;
    }

    public static async Task<Tokens> LoginAsync(this InProcessCluster cluster, string username, string password = GoodPassword)
    {
        using var http = cluster.CreateClient();
        using var response = await http.PostAsJsonAsync("/api/auth/login", new { username, password });
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Tokens>(JsonSerializerOptions.Web))!;
    }

    public static async Task<Tokens> NewUserAsync(this InProcessCluster cluster, string prefix = "u")
    {
        var username = NewUsername(prefix);
        await cluster.RegisterAsync(username);
        return await cluster.LoginAsync(username);
    }

    public static async Task<Error> ReadErrorAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<ErrorEnvelope>(JsonSerializerOptions.Web))!.Error;
}
