using System.Net.Http.Json;
using System.Text.Json;

namespace LesCopains.Cluster.Tests;

/// <summary>Just enough of the REST API to drive a cluster from outside.</summary>
internal static class Http
{
    public const string Password = "correct horse battery staple";

    public static async Task<string> RegisterAndLoginAsync(HttpClient http, string username)
    {
        using (var register = await http.PostAsJsonAsync("/api/auth/register", new { username, password = Password }))
        {
            Assert.True(register.IsSuccessStatusCode, await register.Content.ReadAsStringAsync());
        }

        using var login = await http.PostAsJsonAsync("/api/auth/login", new { username, password = Password });
        Assert.True(login.IsSuccessStatusCode, await login.Content.ReadAsStringAsync());
        return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    public static HttpRequestMessage Authorized(HttpMethod method, string path, string token, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return request;
    }

    public static async Task<JsonElement> GetMeAsync(HttpClient http, string token)
    {
        using var response = await http.SendAsync(Authorized(HttpMethod.Get, "/api/users/@me", token));
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
