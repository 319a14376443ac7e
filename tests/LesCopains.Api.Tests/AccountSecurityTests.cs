using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LesCopains.Testing;
using OtpNet;

namespace LesCopains.Api.Tests;

/// <summary>Changing the password, and two-factor authentication from turning it on to signing in with it.</summary>
[Collection(ApiCollection.Name)]
public sealed class AccountSecurityTests(InProcessCluster cluster)
{
    private const string NewPassword = "a brand new passphrase 42";

    private sealed record BackupCodesBody(IReadOnlyList<string> BackupCodes);

    private sealed record MfaStatus(bool Enabled, int BackupCodesLeft);

    /// <summary>The code an authenticator app shows <paramref name="stepsAhead"/> steps from now (the server accepts -1…+1).</summary>
    private static string Code(string secret, int stepsAhead = 0) =>
        new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow.AddSeconds(30 * stepsAhead));

    private async Task<(string Username, ApiClient.Tokens Tokens, string Secret, IReadOnlyList<string> Backup)> UserWithTwoFactorAsync()
    {
        var username = ApiClient.NewUsername("mfa");
        await cluster.RegisterAsync(username);
        var tokens = await cluster.LoginAsync(username);
        var secret = ApiClient.NewTotpSecret();
        using var http = cluster.CreateClient(tokens.AccessToken);
        // The step before this one: the steps after it stay free for the test's later codes.
        using var enabled = await http.PostAsJsonAsync("/api/users/@me/mfa/totp/enable", new { password = ApiClient.GoodPassword, secret, code = Code(secret, -1) });
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        var backup = (await enabled.Content.ReadFromJsonAsync<BackupCodesBody>(JsonSerializerOptions.Web))!.BackupCodes;
        return (username, tokens, secret, backup);
    }

    private async Task<string> TicketAsync(string username, string password = ApiClient.GoodPassword)
    {
        using var http = cluster.CreateClient();
        using var response = await http.PostAsJsonAsync("/api/auth/login", new { username, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("mfa").GetBoolean());
        Assert.False(body.TryGetProperty("accessToken", out _));
        Assert.False(body.TryGetProperty("user", out _));
        return body.GetProperty("ticket").GetString()!;
    }

    private async Task<HttpResponseMessage> SendCodeAsync(string? ticket, string? code)
    {
        using var http = cluster.CreateClient();
        return await http.PostAsJsonAsync("/api/auth/mfa/totp", new { ticket, code });
    }

    [Fact]
    public async Task Changing_the_password_needs_the_current_one_and_signs_out_every_other_session()
    {
        var username = ApiClient.NewUsername();
        await cluster.RegisterAsync(username);
        var here = await cluster.LoginAsync(username);
        var elsewhere = await cluster.LoginAsync(username);
        using var http = cluster.CreateClient(here.AccessToken);

        using (var wrong = await http.PutAsJsonAsync("/api/users/@me/password", new { currentPassword = "not my password", newPassword = NewPassword }))
        {
            await wrong.AssertErrorAsync(HttpStatusCode.BadRequest, "password_incorrect");
        }

        using (var weak = await http.PutAsJsonAsync("/api/users/@me/password", new { currentPassword = ApiClient.GoodPassword, newPassword = "password" }))
        {
            await weak.AssertErrorAsync(HttpStatusCode.BadRequest, "password_too_common");
        }

        using (var tooShort = await http.PutAsJsonAsync("/api/users/@me/password", new { currentPassword = ApiClient.GoodPassword, newPassword = "short" }))
        {
            Assert.StartsWith("newPassword", (await tooShort.AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed")).Message, StringComparison.Ordinal);
        }

        // Nothing changed so far: the old password still logs in, the other session still works.
        (await cluster.LoginAsync(username)).AccessToken.ToString();
        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(elsewhere.AccessToken)).Status);

        using (var ok = await http.PutAsJsonAsync("/api/users/@me/password", new { currentPassword = ApiClient.GoodPassword, newPassword = NewPassword }))
        {
            Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(here.AccessToken)).Status);
        Assert.Equal((HttpStatusCode.Unauthorized, "session_revoked"), await cluster.ProbeAsync(elsewhere.AccessToken));
        using (var refresh = await cluster.CreateClient().RefreshAsync(elsewhere.RefreshToken))
        {
            await refresh.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        }

        Assert.Equal([here.SessionId], (await cluster.ListSessionsAsync(here.AccessToken)).Select(s => s.Id));
        using (var anon = cluster.CreateClient())
        using (var old = await anon.PostAsJsonAsync("/api/auth/login", new { username, password = ApiClient.GoodPassword }))
        {
            await old.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        await cluster.LoginAsync(username, NewPassword);
    }

    [Fact]
    public async Task Turning_two_factor_on_needs_the_password_and_a_current_code_for_the_secret()
    {
        var tokens = await cluster.NewUserAsync("mfa");
        using var http = cluster.CreateClient(tokens.AccessToken);
        var secret = ApiClient.NewTotpSecret();

        Assert.Equal(new MfaStatus(false, 0), await http.GetFromJsonAsync<MfaStatus>("/api/users/@me/mfa", JsonSerializerOptions.Web));
        using (var wrongPassword = await http.PostAsJsonAsync("/api/users/@me/mfa/totp/enable", new { password = "not my password", secret, code = Code(secret) }))
        {
            await wrongPassword.AssertErrorAsync(HttpStatusCode.BadRequest, "password_incorrect");
        }

        using (var wrongCode = await http.PostAsJsonAsync("/api/users/@me/mfa/totp/enable", new { password = ApiClient.GoodPassword, secret, code = Code(secret, 3) }))
        {
            await wrongCode.AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_mfa_code");
        }

        using (var weak = await http.PostAsJsonAsync("/api/users/@me/mfa/totp/enable", new { password = ApiClient.GoodPassword, secret = "JBSWY3DPEHPK3PXP", code = "123456" }))
        {
            await weak.AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
        }

        // None of that turned anything on: a login still gets tokens at once.
        Assert.Equal(new MfaStatus(false, 0), await http.GetFromJsonAsync<MfaStatus>("/api/users/@me/mfa", JsonSerializerOptions.Web));
        Assert.Equal(tokens.User.Id, (await cluster.LoginAsync(tokens.User.Username)).User.Id);

        using (var ok = await http.PostAsJsonAsync("/api/users/@me/mfa/totp/enable", new { password = ApiClient.GoodPassword, secret, code = Code(secret) }))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(10, (await ok.Content.ReadFromJsonAsync<BackupCodesBody>(JsonSerializerOptions.Web))!.BackupCodes.Distinct().Count());
        }

        Assert.Equal(new MfaStatus(true, 10), await http.GetFromJsonAsync<MfaStatus>("/api/users/@me/mfa", JsonSerializerOptions.Web));
        using (var again = await http.PostAsJsonAsync("/api/users/@me/mfa/totp/enable", new { password = ApiClient.GoodPassword, secret = ApiClient.NewTotpSecret(), code = "000000" }))
        {
            await again.AssertErrorAsync(HttpStatusCode.Conflict, "mfa_already_enabled");
        }

        // The secret is stored sealed, never as the base32 or bytes the app has.
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var read = db.CreateCommand("SELECT totp_secret FROM accounts WHERE id = $1");
        read.Parameters.AddWithValue(Guid.Parse(tokens.User.Id));
        var stored = (byte[])(await read.ExecuteScalarAsync())!;
        Assert.DoesNotContain(Convert.ToHexString(Base32Encoding.ToBytes(secret)), Convert.ToHexString(stored), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_two_factor_a_password_alone_gets_a_ticket_and_a_code_gets_the_tokens_once()
    {
        var (username, _, secret, _) = await UserWithTwoFactorAsync();

        var ticket = await TicketAsync(username);
        using (var wrong = await SendCodeAsync(ticket, Code(secret, 4)))
        {
            await wrong.AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_mfa_code");
        }

        using (var forged = await SendCodeAsync(ticket[..^3] + "abc", Code(secret)))
        {
            await forged.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_mfa_ticket");
        }

        var code = Code(secret);
        ApiClient.Tokens tokens;
        using (var ok = await SendCodeAsync(ticket, code))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            tokens = (await ok.Content.ReadFromJsonAsync<ApiClient.Tokens>(JsonSerializerOptions.Web))!;
        }

        Assert.Equal(username, tokens.User.Username);
        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(tokens.AccessToken)).Status);

        // The same code again, even with a fresh ticket, is refused: someone who saw it cannot reuse it.
        using (var replay = await SendCodeAsync(await TicketAsync(username), code))
        {
            await replay.AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_mfa_code");
        }
    }

    [Fact]
    public async Task A_backup_code_signs_in_once_and_new_ones_replace_the_old()
    {
        var (username, tokens, _, backup) = await UserWithTwoFactorAsync();

        using (var ok = await SendCodeAsync(await TicketAsync(username), backup[0].ToUpperInvariant()))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using (var reused = await SendCodeAsync(await TicketAsync(username), backup[0]))
        {
            await reused.AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_mfa_code");
        }

        using var http = cluster.CreateClient(tokens.AccessToken);
        Assert.Equal(new MfaStatus(true, 9), await http.GetFromJsonAsync<MfaStatus>("/api/users/@me/mfa", JsonSerializerOptions.Web));
        IReadOnlyList<string> fresh;
        using (var regenerated = await http.PostAsJsonAsync("/api/users/@me/mfa/backup-codes", new { password = ApiClient.GoodPassword }))
        {
            Assert.Equal(HttpStatusCode.OK, regenerated.StatusCode);
            fresh = (await regenerated.Content.ReadFromJsonAsync<BackupCodesBody>(JsonSerializerOptions.Web))!.BackupCodes;
        }

        Assert.Equal(new MfaStatus(true, 10), await http.GetFromJsonAsync<MfaStatus>("/api/users/@me/mfa", JsonSerializerOptions.Web));
        using (var old = await SendCodeAsync(await TicketAsync(username), backup[1]))
        {
            await old.AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_mfa_code");
        }

        using (var ok = await SendCodeAsync(await TicketAsync(username), fresh[1]))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
    }

    [Fact]
    public async Task Turning_two_factor_off_needs_a_code_and_then_the_password_is_enough_again()
    {
        var (username, tokens, secret, _) = await UserWithTwoFactorAsync();
        using var http = cluster.CreateClient(tokens.AccessToken);

        using (var wrong = await http.PostAsJsonAsync("/api/users/@me/mfa/totp/disable", new { code = Code(secret, 5) }))
        {
            await wrong.AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_mfa_code");
        }

        using (var missing = await http.PostAsJsonAsync("/api/users/@me/mfa/totp/disable", new { code = "" }))
        {
            await missing.AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
        }

        Assert.Equal(new MfaStatus(true, 10), await http.GetFromJsonAsync<MfaStatus>("/api/users/@me/mfa", JsonSerializerOptions.Web));
        using (var ok = await http.PostAsJsonAsync("/api/users/@me/mfa/totp/disable", new { code = Code(secret, 1) }))
        {
            Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        }

        Assert.Equal(new MfaStatus(false, 0), await http.GetFromJsonAsync<MfaStatus>("/api/users/@me/mfa", JsonSerializerOptions.Web));
        Assert.Equal(username, (await cluster.LoginAsync(username)).User.Username);
        using (var off = await http.PostAsJsonAsync("/api/users/@me/mfa/totp/disable", new { code = Code(secret) }))
        {
            await off.AssertErrorAsync(HttpStatusCode.Conflict, "mfa_not_enabled");
        }

        using (var codes = await http.PostAsJsonAsync("/api/users/@me/mfa/backup-codes", new { password = ApiClient.GoodPassword }))
        {
            await codes.AssertErrorAsync(HttpStatusCode.Conflict, "mfa_not_enabled");
        }

        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var count = db.CreateCommand("SELECT count(*) FROM mfa_backup_codes WHERE user_id = $1");
        count.Parameters.AddWithValue(Guid.Parse(tokens.User.Id));
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
    }
}
