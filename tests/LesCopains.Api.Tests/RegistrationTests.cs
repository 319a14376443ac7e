using System.Net;
using System.Net.Http.Json;
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
        var me = await http.GetFromJsonAsync<ApiClient.User>("/api/users/@me", System.Text.Json.JsonSerializerOptions.Web);
        Assert.Equal(user.Id, me!.Id);
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

        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var count = db.CreateCommand("SELECT count(*) FROM accounts WHERE lower(username) = $1");
        count.Parameters.AddWithValue(username);
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }
}
