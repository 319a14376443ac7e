using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LesCopains.Testing;
using OtpNet;
using static LesCopains.Api.Tests.GuildClient;

namespace LesCopains.Api.Tests;

/// <summary>Deleting one's account (docs/API.md, "Deleting an account").</summary>
[Collection(ApiCollection.Name)]
public sealed class AccountDeletionTests(InProcessCluster cluster)
{
    private const string Me = "/api/users/@me";

    [Fact]
    public async Task Deleting_needs_the_password_and_is_refused_to_an_owner_without_changing_anything()
    {
        using var owner = await NewAsync(cluster, "own");
        var guild = await owner.CreateGuildAsync("Chez Moi");

        await owner.ExpectErrorAsync(HttpMethod.Delete, Me, HttpStatusCode.BadRequest, "password_incorrect", new { password = "not my password" });
        await owner.ExpectErrorAsync(HttpMethod.Delete, Me, HttpStatusCode.BadRequest, "validation_failed", new { password = "" });
        var error = await owner.ExpectErrorAsync(HttpMethod.Delete, Me, HttpStatusCode.Conflict, "owns_guilds", new { password = ApiClient.GoodPassword });
        Assert.Contains("Chez Moi", error.Message, StringComparison.Ordinal);

        // Still there, still the owner, still able to log in.
        Assert.Equal(owner.Id, (await owner.GetGuildAsync(guild.Id)).OwnerId);
        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(owner.Tokens.AccessToken)).Status);
        await cluster.LoginAsync(owner.Tokens.User.Username);
    }

    [Fact]
    public async Task A_deleted_account_is_signed_out_everywhere_leaves_its_guilds_and_friends_and_frees_its_name()
    {
        using var owner = await NewAsync(cluster, "own");
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var leaver = members[0];
        var username = leaver.Tokens.User.Username;
        var otherDevice = await cluster.LoginAsync(username);
        await owner.ExpectAsync<JsonElement>(HttpMethod.Post, "/api/users/@me/relationships", new { username });
        await leaver.ExpectAsync<JsonElement>(HttpMethod.Put, $"/api/users/@me/relationships/{owner.Id}", new { });
        var sent = await leaver.ExpectAsync<JsonElement>(HttpMethod.Post, $"/api/channels/{guild.General.Id}/messages", new { content = "au revoir" }, HttpStatusCode.Created);

        // With two-factor authentication on, the code is needed too.
        var secret = ApiClient.NewTotpSecret();
        var totp = new Totp(Base32Encoding.ToBytes(secret));
        await leaver.ExpectAsync<JsonElement>(HttpMethod.Post, "/api/users/@me/mfa/totp/enable",
            new { password = ApiClient.GoodPassword, secret, code = totp.ComputeTotp(DateTime.UtcNow.AddSeconds(-30)) });
        await leaver.ExpectErrorAsync(HttpMethod.Delete, Me, HttpStatusCode.BadRequest, "validation_failed", new { password = ApiClient.GoodPassword });

        await leaver.ExpectStatusAsync(HttpMethod.Delete, Me, new { password = ApiClient.GoodPassword, code = totp.ComputeTotp() });

        Assert.Equal((HttpStatusCode.Unauthorized, "session_revoked"), await cluster.ProbeAsync(leaver.Tokens.AccessToken));
        Assert.Equal((HttpStatusCode.Unauthorized, "session_revoked"), await cluster.ProbeAsync(otherDevice.AccessToken));
        using (var anon = cluster.CreateClient())
        using (var login = await anon.PostAsJsonAsync("/api/auth/login", new { username, password = ApiClient.GoodPassword }))
        {
            await login.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        // Gone from the guild and from the friend's list; the message stays, under "Deleted User".
        Assert.DoesNotContain(await owner.ListMembersAsync(guild.Id), m => m.UserId == leaver.Id);
        Assert.Equal(1, (await owner.GetGuildAsync(guild.Id)).MemberCount);
        var relationships = await owner.ExpectAsync<JsonElement>(HttpMethod.Get, "/api/users/@me/relationships");
        Assert.Equal(0, relationships.GetProperty("relationships").GetArrayLength());
        var history = await owner.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/channels/{guild.General.Id}/messages?limit=10");
        var kept = history.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("id").GetString() == sent.GetProperty("id").GetString());
        Assert.Equal("Deleted User", kept.GetProperty("author").GetProperty("displayName").GetString());
        Assert.StartsWith("deleted_", kept.GetProperty("author").GetProperty("username").GetString(), StringComparison.Ordinal);
        var profile = await owner.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/users/{leaver.Id}/profile");
        Assert.True(profile.GetProperty("deleted").GetBoolean());
        Assert.Equal("Deleted User", profile.GetProperty("displayName").GetString());

        // Nothing personal is left in the row; the name can be taken by someone new.
        await using (var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl))
        await using (var row = db.CreateCommand(
            "SELECT username, password_hash, totp_secret IS NULL, deleted_at IS NOT NULL, (SELECT count(*) FROM mfa_backup_codes WHERE user_id = $1) FROM accounts WHERE id = $1"))
        {
            row.Parameters.AddWithValue(leaver.Id);
            await using var reader = await row.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.StartsWith("deleted_", reader.GetString(0), StringComparison.Ordinal);
            Assert.Equal("!", reader.GetString(1));
            Assert.True(reader.GetBoolean(2));
            Assert.True(reader.GetBoolean(3));
            Assert.Equal(0L, reader.GetInt64(4));
        }

        var newcomer = await cluster.RegisterAsync(username);
        Assert.NotEqual(leaver.Id.ToString(), newcomer.Id);

        // Nobody can befriend the deleted account by its id either.
        await owner.ExpectErrorAsync(HttpMethod.Put, $"/api/users/@me/relationships/{leaver.Id}", HttpStatusCode.NotFound, "user_not_found");
    }
}
