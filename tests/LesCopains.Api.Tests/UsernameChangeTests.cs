using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LesCopains.Testing;
using OtpNet;
using static LesCopains.Api.Tests.GuildClient;

namespace LesCopains.Api.Tests;

/// <summary>Changing one's username (docs/API.md, "Password and two-factor authentication").</summary>
[Collection(ApiCollection.Name)]
public sealed class UsernameChangeTests(InProcessCluster cluster)
{
    private const string Path = "/api/users/@me/username";

    [Fact]
    public async Task A_new_username_needs_the_password_is_free_and_reaches_guild_members_live()
    {
        using var owner = await NewAsync(cluster, "ren");
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        using var other = await NewAsync(cluster, "ren");
        await using var memberHub = await member.ConnectHubAsync();
        var old = owner.Tokens.User.Username;
        var fresh = ApiClient.NewUsername("nv");

        await owner.ExpectErrorAsync(HttpMethod.Put, Path, HttpStatusCode.BadRequest, "password_incorrect", new { username = fresh, password = "not my password" });
        await owner.ExpectErrorAsync(HttpMethod.Put, Path, HttpStatusCode.BadRequest, "validation_failed", new { username = "no spaces allowed", password = ApiClient.GoodPassword });
        await owner.ExpectErrorAsync(HttpMethod.Put, Path, HttpStatusCode.BadRequest, "validation_failed", new { username = "deleted_abc", password = ApiClient.GoodPassword });
        await owner.ExpectErrorAsync(HttpMethod.Put, Path, HttpStatusCode.Conflict, "username_taken",
            new { username = other.Tokens.User.Username.ToUpperInvariant(), password = ApiClient.GoodPassword });
        Assert.Equal(old, (await owner.ExpectAsync<ApiClient.User>(HttpMethod.Get, "/api/users/@me")).Username);

        var renamed = await owner.ExpectAsync<ApiClient.User>(HttpMethod.Put, Path, new { username = " " + fresh.ToUpperInvariant() + " ", password = ApiClient.GoodPassword });
        Assert.Equal(fresh, renamed.Username);

        var (_, update) = await memberHub.WaitForAsync("user:update", e => e.GetProperty("user").TryGetProperty("username", out _));
        Assert.Equal(guild.Id, update.GetProperty("guildId").GetGuid());
        Assert.Equal(fresh, update.GetProperty("user").GetProperty("username").GetString());
        Assert.Equal(fresh, (await member.ListMembersAsync(guild.Id)).Single(m => m.UserId == owner.Id).Username);

        // The new name signs in, the old one does not, and someone else may take it.
        await cluster.LoginAsync(fresh);
        using (var anon = cluster.CreateClient())
        using (var login = await anon.PostAsJsonAsync("/api/auth/login", new { username = old, password = ApiClient.GoodPassword }))
        {
            await login.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        await cluster.RegisterAsync(old);
    }

    [Fact]
    public async Task Two_changes_an_hour_and_the_same_name_again_costs_nothing()
    {
        using var user = await NewAsync(cluster, "ren");
        var name = user.Tokens.User.Username;

        Assert.Equal(name, (await user.ExpectAsync<ApiClient.User>(HttpMethod.Put, Path, new { username = name, password = ApiClient.GoodPassword })).Username);
        var first = ApiClient.NewUsername("a");
        var second = ApiClient.NewUsername("b");
        await user.ExpectAsync<ApiClient.User>(HttpMethod.Put, Path, new { username = first, password = ApiClient.GoodPassword });
        await user.ExpectAsync<ApiClient.User>(HttpMethod.Put, Path, new { username = second, password = ApiClient.GoodPassword });
        await user.ExpectErrorAsync(HttpMethod.Put, Path, HttpStatusCode.TooManyRequests, "rate_limited", new { username = ApiClient.NewUsername("c"), password = ApiClient.GoodPassword });
        Assert.Equal(second, (await user.ExpectAsync<ApiClient.User>(HttpMethod.Get, "/api/users/@me")).Username);
    }
}
