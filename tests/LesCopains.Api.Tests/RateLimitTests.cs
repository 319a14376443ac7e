using System.Net;
using System.Net.Http.Json;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR;

namespace LesCopains.Api.Tests;

/// <summary>An Api with small budgets: 10 writes and 20 reads per user per minute, 5 logins per IP per minute, 3 failures per username, 3 registrations per IP per hour.</summary>
public sealed class RateLimitedCluster : InProcessCluster
{
    public const int PerUser = 10;
    public const int ReadsPerUser = 20;
    public const int LoginsPerIp = 5;
    public const int FailuresPerUser = 3;
    public const int RegistrationsPerIp = 3;

    protected override IEnumerable<string> ApiArguments =>
    [
        $"--RATE_LIMIT_MAX={PerUser}",
        $"--RATE_LIMIT_READ_MAX={ReadsPerUser}",
        $"--LOGIN_RATE_LIMIT={LoginsPerIp}",
        $"--LOGIN_FAILURES_PER_USER={FailuresPerUser}",
        $"--REGISTER_RATE_LIMIT={RegistrationsPerIp}",
    ];
}

[CollectionDefinition(Name)]
public sealed class RateLimitCollection : ICollectionFixture<RateLimitedCluster>
{
    public const string Name = "rate-limits";
}

/// <summary>Every request carries its own client address (X-Forwarded-For from loopback, a trusted proxy) so per-IP budgets stay separate.</summary>
[Collection(RateLimitCollection.Name)]
public sealed class RateLimitTests(RateLimitedCluster cluster)
{
    [Fact]
    public async Task Brute_force_on_one_username_is_stopped_even_from_many_addresses()
    {
        var (username, _) = await NewUserAsync();

        for (var i = 0; i < RateLimitedCluster.FailuresPerUser; i++)
        {
            using var http = Client(ApiClient.NewIp());
            using var wrong = await http.PostAsJsonAsync("/api/auth/login", new { username, password = $"guess number {i}" });
            await wrong.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        // Locked: even the right password is refused, so a guess that hits cannot be told apart.
        using (var http = Client(ApiClient.NewIp()))
        using (var locked = await http.PostAsJsonAsync("/api/auth/login", new { username = username.ToUpperInvariant(), password = ApiClient.GoodPassword }))
        {
            await AssertLimitedAsync(locked, TimeSpan.FromMinutes(15));
        }

        var (other, _) = await NewUserAsync();
        using (var http = Client(ApiClient.NewIp()))
        {
            await http.LoginAsync(other);
        }
    }

    [Fact]
    public async Task Successful_login_clears_the_failure_count()
    {
        var (username, _) = await NewUserAsync();

        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < RateLimitedCluster.FailuresPerUser - 1; i++)
            {
                using var http = Client(ApiClient.NewIp());
                using var wrong = await http.PostAsJsonAsync("/api/auth/login", new { username, password = "a wrong guess" });
                await wrong.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
            }

            using var ok = Client(ApiClient.NewIp());
            await ok.LoginAsync(username);
        }
    }

    [Fact]
    public async Task Logins_from_one_address_are_limited_per_minute()
    {
        var ip = ApiClient.NewIp();
        using var http = Client(ip);

        for (var i = 0; i < RateLimitedCluster.LoginsPerIp; i++)
        {
            using var attempt = await http.PostAsJsonAsync("/api/auth/login", new { username = ApiClient.NewUsername("nobody"), password = "some password" });
            await attempt.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        var (username, _) = await NewUserAsync();
        using (var limited = await http.PostAsJsonAsync("/api/auth/login", new { username, password = ApiClient.GoodPassword }))
        {
            await AssertLimitedAsync(limited, TimeSpan.FromMinutes(1));
        }

        using var elsewhere = Client(ApiClient.NewIp());
        await elsewhere.LoginAsync(username);
    }

    [Fact]
    public async Task Registrations_from_one_address_are_limited_per_hour()
    {
        using var http = Client(ApiClient.NewIp());
        for (var i = 0; i < RateLimitedCluster.RegistrationsPerIp; i++)
        {
            await http.RegisterAsync(ApiClient.NewUsername());
        }

        var username = ApiClient.NewUsername();
        using (var limited = await http.PostAsJsonAsync("/api/auth/register", new { username, password = ApiClient.GoodPassword }))
        {
            await AssertLimitedAsync(limited, TimeSpan.FromHours(1));
        }

        Assert.Equal(0, await cluster.CountAccountsAsync(username));
        using var elsewhere = Client(ApiClient.NewIp());
        await elsewhere.RegisterAsync(username);
    }

    [Fact]
    public async Task Rest_reads_beyond_the_per_user_read_budget_are_rate_limited_for_every_session_of_that_user_only()
    {
        var (username, tokens) = await NewUserAsync();
        using var secondDevice = Client(ApiClient.NewIp());
        var second = await secondDevice.LoginAsync(username);
        var (_, other) = await NewUserAsync();

        for (var i = 0; i < RateLimitedCluster.ReadsPerUser; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(i % 2 == 0 ? tokens.AccessToken : second.AccessToken)).Status);
        }

        using (var http = cluster.CreateClient(tokens.AccessToken))
        using (var limited = await http.GetAsync("/api/auth/sessions"))
        {
            await AssertLimitedAsync(limited, TimeSpan.FromMinutes(1));
        }

        Assert.Equal((HttpStatusCode.TooManyRequests, "rate_limited"), await cluster.ProbeAsync(second.AccessToken));
        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(other.AccessToken)).Status);

        // Reads spent, writes are still allowed: they have their own budget.
        Assert.Equal(HttpStatusCode.OK, (await WriteProbeAsync(tokens.AccessToken)).Status);
    }

    [Fact]
    public async Task Rest_writes_have_their_own_smaller_budget_and_spending_it_leaves_reads_alone()
    {
        var (_, tokens) = await NewUserAsync();

        for (var i = 0; i < RateLimitedCluster.PerUser; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await WriteProbeAsync(tokens.AccessToken)).Status);
        }

        using (var http = cluster.CreateClient(tokens.AccessToken))
        using (var limited = await http.PutAsJsonAsync("/api/users/@me/presence", new { status = "dnd" }))
        {
            await AssertLimitedAsync(limited, TimeSpan.FromMinutes(1));
        }

        // More reads than the write budget still pass.
        for (var i = 0; i < RateLimitedCluster.PerUser + 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(tokens.AccessToken)).Status);
        }
    }

    [Fact]
    public async Task Per_user_budget_is_shared_across_api_nodes()
    {
        var node = await cluster.AddApiNodeAsync();
        var (_, tokens) = await NewUserAsync();

        for (var i = 0; i < RateLimitedCluster.ReadsPerUser; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(tokens.AccessToken, i % 2 == 0 ? null : node)).Status);
        }

        Assert.Equal((HttpStatusCode.TooManyRequests, "rate_limited"), await cluster.ProbeAsync(tokens.AccessToken, node));
        Assert.Equal((HttpStatusCode.TooManyRequests, "rate_limited"), await cluster.ProbeAsync(tokens.AccessToken));
    }

    [Fact]
    public async Task Login_failures_are_counted_across_api_nodes()
    {
        var node = await cluster.AddApiNodeAsync();
        var (username, _) = await NewUserAsync();

        for (var i = 0; i < RateLimitedCluster.FailuresPerUser; i++)
        {
            using var http = Client(ApiClient.NewIp(), node: i % 2 == 0 ? null : node);
            using var wrong = await http.PostAsJsonAsync("/api/auth/login", new { username, password = "a wrong guess" });
            await wrong.AssertErrorAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        foreach (var target in new[] { node, null })
        {
            using var http = Client(ApiClient.NewIp(), node: target);
            using var locked = await http.PostAsJsonAsync("/api/auth/login", new { username, password = ApiClient.GoodPassword });
            await AssertLimitedAsync(locked, TimeSpan.FromMinutes(15));
        }
    }

    [Fact]
    public async Task Guessing_two_factor_codes_spends_the_login_failure_budget_which_the_right_password_does_not_refill()
    {
        var (username, tokens) = await NewUserAsync();
        var secret = ApiClient.NewTotpSecret();
        var totp = new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret));
        using (var http = Client(ApiClient.NewIp(), tokens.AccessToken))
        using (var enable = await http.PostAsJsonAsync("/api/users/@me/mfa/totp/enable", new { password = ApiClient.GoodPassword, secret, code = totp.ComputeTotp(DateTime.UtcNow.AddSeconds(-30)) }))
        {
            Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        }

        for (var i = 0; i < RateLimitedCluster.FailuresPerUser; i++)
        {
            // A new ticket each time: the right password must not reset the count the codes spend.
            using var http = Client(ApiClient.NewIp());
            using var login = await http.PostAsJsonAsync("/api/auth/login", new { username, password = ApiClient.GoodPassword });
            var ticket = (await login.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("ticket").GetString();
            using var guess = await http.PostAsJsonAsync("/api/auth/mfa/totp", new { ticket, code = totp.ComputeTotp(DateTime.UtcNow.AddMinutes(10)) });
            await guess.AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_mfa_code");
        }

        using (var http = Client(ApiClient.NewIp()))
        using (var locked = await http.PostAsJsonAsync("/api/auth/login", new { username, password = ApiClient.GoodPassword }))
        {
            await AssertLimitedAsync(locked, TimeSpan.FromMinutes(15));
        }

        // Nor can the signed-in session be used to keep guessing, at the code or the password.
        using (var http = Client(ApiClient.NewIp(), tokens.AccessToken))
        using (var disable = await http.PostAsJsonAsync("/api/users/@me/mfa/totp/disable", new { code = totp.ComputeTotp() }))
        {
            await AssertLimitedAsync(disable, TimeSpan.FromMinutes(15));
        }

        using (var http = Client(ApiClient.NewIp(), tokens.AccessToken))
        using (var change = await http.PutAsJsonAsync("/api/users/@me/password", new { currentPassword = ApiClient.GoodPassword, newPassword = "another fine passphrase" }))
        {
            await AssertLimitedAsync(change, TimeSpan.FromMinutes(15));
        }
    }

    [Fact]
    public async Task Hub_calls_count_against_the_per_user_budget()
    {
        var (_, tokens) = await NewUserAsync();
        await using var hub = await HubClient.ConnectAsync(cluster, tokens.AccessToken);

        for (var i = 0; i < RateLimitedCluster.PerUser; i++)
        {
            await hub.PingAsync();
        }

        var error = await Assert.ThrowsAsync<HubException>(() => hub.PingAsync());
        Assert.Contains("rate_limited:", error.Message, StringComparison.Ordinal);
        Assert.True(hub.IsConnected, "a refused call does not close the connection");

        // The same budget as REST writes; reads have their own.
        Assert.Equal((HttpStatusCode.TooManyRequests, "rate_limited"), await WriteProbeAsync(tokens.AccessToken));
        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(tokens.AccessToken)).Status);
    }

    [Fact]
    public async Task Rest_writes_use_up_the_budget_of_hub_calls()
    {
        var (_, tokens) = await NewUserAsync();
        await using var hub = await HubClient.ConnectAsync(cluster, tokens.AccessToken);

        for (var i = 0; i < RateLimitedCluster.PerUser; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await WriteProbeAsync(tokens.AccessToken)).Status);
        }

        var error = await Assert.ThrowsAsync<HubException>(() => hub.PingAsync());
        Assert.Contains("rate_limited:", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A harmless write: choosing the status one already has.</summary>
    private async Task<(HttpStatusCode Status, string? Code)> WriteProbeAsync(string accessToken)
    {
        using var http = cluster.CreateClient(accessToken);
        using var response = await http.PutAsJsonAsync("/api/users/@me/presence", new { status = "online" });
        return (response.StatusCode, response.IsSuccessStatusCode ? null : (await response.ReadErrorAsync()).Code);
    }

    private HttpClient Client(string ip, string? accessToken = null, Uri? node = null) =>
        cluster.CreateClient(accessToken, node).From(ip);

    /// <summary>A registered, logged-in user, each step from its own address.</summary>
    private async Task<(string Username, ApiClient.Tokens Tokens)> NewUserAsync()
    {
        var username = ApiClient.NewUsername();
        using (var register = Client(ApiClient.NewIp()))
        {
            await register.RegisterAsync(username);
        }

        using var login = Client(ApiClient.NewIp());
        return (username, await login.LoginAsync(username));
    }

    private static async Task AssertLimitedAsync(HttpResponseMessage response, TimeSpan window)
    {
        await response.AssertErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), window);
    }
}
