using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using LesCopains.Testing;
using Microsoft.IdentityModel.Tokens;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class AccessTokenTests(InProcessCluster cluster)
{
    private SymmetricSecurityKey ServerKey => TestTokens.KeyOf(cluster.JwtSecret);

    [Fact]
    public async Task Token_signed_with_the_server_key_for_a_live_session_is_accepted()
    {
        // The control for every rejection below: the crafted tokens differ from this one in one respect only.
        var tokens = await cluster.NewUserAsync();

        Assert.Equal((HttpStatusCode.OK, (string?)null), await cluster.ProbeAsync(TestTokens.Create(tokens, ServerKey)));
    }

    [Fact]
    public async Task Issued_access_token_is_hs256_with_issuer_audience_and_expiry()
    {
        var tokens = await cluster.NewUserAsync();
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.AccessToken);

        Assert.Equal("HS256", jwt.Alg);
        Assert.Equal("lescopains", jwt.Issuer);
        Assert.Equal(["lescopains"], jwt.Audiences);
        Assert.Equal(tokens.User.Id, jwt.Subject);
        Assert.Equal(tokens.SessionId.ToString(), jwt.GetClaim("sid").Value);
        Assert.InRange(jwt.ValidTo, DateTime.UtcNow.AddSeconds(890), DateTime.UtcNow.AddSeconds(905));
    }

    [Fact]
    public async Task No_token_is_unauthorized()
    {
        using var http = cluster.CreateClient();
        using var response = await http.GetAsync("/api/users/@me");

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Expired_token_is_rejected_with_token_expired()
    {
        var tokens = await cluster.NewUserAsync();
        var expired = TestTokens.Create(tokens, ServerKey, expires: DateTimeOffset.UtcNow.AddMinutes(-1));

        Assert.Equal((HttpStatusCode.Unauthorized, "token_expired"), await cluster.ProbeAsync(expired));
    }

    [Fact]
    public async Task Token_past_expiry_by_less_than_the_clock_skew_is_still_accepted()
    {
        var tokens = await cluster.NewUserAsync();
        var justExpired = TestTokens.Create(tokens, ServerKey, expires: DateTimeOffset.UtcNow.AddSeconds(-1));

        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(justExpired)).Status);
    }

    [Fact]
    public async Task Token_not_valid_yet_is_rejected()
    {
        var tokens = await cluster.NewUserAsync();
        var future = TestTokens.Create(tokens, ServerKey, expires: DateTimeOffset.UtcNow.AddMinutes(30), notBefore: DateTimeOffset.UtcNow.AddMinutes(15));

        Assert.Equal((HttpStatusCode.Unauthorized, "unauthorized"), await cluster.ProbeAsync(future));
    }

    [Fact]
    public async Task Tampered_payload_is_rejected()
    {
        var victim = await cluster.NewUserAsync("victim");
        var attacker = await cluster.NewUserAsync("attacker");
        var forged = TestTokens.Tamper(attacker.AccessToken, p =>
        {
            p["sub"] = victim.User.Id;
            p["sid"] = victim.SessionId.ToString();
        });
        var extended = TestTokens.Tamper(attacker.AccessToken, p => p["exp"] = DateTimeOffset.UtcNow.AddDays(30).ToUnixTimeSeconds());

        Assert.Equal((HttpStatusCode.Unauthorized, "unauthorized"), await cluster.ProbeAsync(forged));
        Assert.Equal((HttpStatusCode.Unauthorized, "unauthorized"), await cluster.ProbeAsync(extended));
        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(attacker.AccessToken)).Status);
    }

    [Fact]
    public async Task Unsigned_alg_none_token_is_rejected()
    {
        var tokens = await cluster.NewUserAsync();
        var unsigned = TestTokens.Create(tokens, key: null);
        Assert.Equal("none", TestTokens.Header(unsigned)["alg"]!.GetValue<string>());

        Assert.Equal((HttpStatusCode.Unauthorized, "unauthorized"), await cluster.ProbeAsync(unsigned));

        // Same with a real token whose header was switched to none and signature dropped.
        var parts = tokens.AccessToken.Split('.');
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        Assert.Equal((HttpStatusCode.Unauthorized, "unauthorized"), await cluster.ProbeAsync($"{header}.{parts[1]}."));
    }

    [Fact]
    public async Task Token_signed_with_a_foreign_key_is_rejected()
    {
        var tokens = await cluster.NewUserAsync();
        var foreign = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(48));

        Assert.Equal((HttpStatusCode.Unauthorized, "unauthorized"), await cluster.ProbeAsync(TestTokens.Create(tokens, foreign)));
    }

    [Fact]
    public async Task Token_signed_with_the_right_key_but_another_algorithm_is_rejected()
    {
        var tokens = await cluster.NewUserAsync();
        var hs512 = TestTokens.Create(tokens, ServerKey, algorithm: SecurityAlgorithms.HmacSha512);

        Assert.Equal((HttpStatusCode.Unauthorized, "unauthorized"), await cluster.ProbeAsync(hs512));
    }

    [Theory]
    [InlineData("someone-else", "lescopains")]
    [InlineData("lescopains", "someone-else")]
    public async Task Token_with_a_wrong_issuer_or_audience_is_rejected(string issuer, string audience)
    {
        var tokens = await cluster.NewUserAsync();
        var token = TestTokens.Create(tokens, ServerKey, issuer: issuer, audience: audience);

        Assert.Equal((HttpStatusCode.Unauthorized, "unauthorized"), await cluster.ProbeAsync(token));
    }

    [Fact]
    public async Task Token_without_a_session_claim_is_rejected()
    {
        var tokens = await cluster.NewUserAsync();

        Assert.Equal((HttpStatusCode.Unauthorized, "unauthorized"), await cluster.ProbeAsync(TestTokens.Create(tokens, ServerKey, withSession: false)));
    }

    [Fact]
    public async Task Token_for_a_session_that_never_existed_is_rejected()
    {
        var tokens = await cluster.NewUserAsync();
        var token = TestTokens.Create(tokens, ServerKey, sessionId: Guid.NewGuid());

        Assert.Equal(HttpStatusCode.Unauthorized, (await cluster.ProbeAsync(token)).Status);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("a.b.c")]
    [InlineData("")]
    public async Task Malformed_bearer_values_are_unauthorized(string value)
    {
        using var http = cluster.CreateClient();
        http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + value);
        using var response = await http.GetAsync("/api/users/@me");

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task A_browser_style_hub_WebSocket_authenticates_with_the_token_in_the_query_string()
    {
        // What the browser's SignalR client does: negotiate with the header, then open the WebSocket
        // with the token in the query string (a browser cannot set headers on an upgrade).
        var tokens = await cluster.NewUserAsync();
        using var http = cluster.CreateClient(tokens.AccessToken);
        using var negotiate = await http.PostAsync("/hubs/gateway/negotiate?negotiateVersion=1", null);
        negotiate.EnsureSuccessStatusCode();
        var negotiated = await negotiate.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Contains(negotiated.GetProperty("availableTransports").EnumerateArray(), t => t.GetProperty("transport").GetString() == "WebSockets");
        var id = negotiated.GetProperty("connectionToken").GetString();

        using var socket = new System.Net.WebSockets.ClientWebSocket();
        var url = new UriBuilder(cluster.BaseAddress) { Scheme = "ws", Path = "/hubs/gateway", Query = $"id={id}&access_token={tokens.AccessToken}" }.Uri;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await socket.ConnectAsync(url, timeout.Token);
        await socket.SendAsync("{\"protocol\":\"json\",\"version\":1}\u001e"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, timeout.Token);

        // The handshake answer, then the server's first event: `ready` for this user.
        var received = new StringBuilder();
        var buffer = new byte[8192];
        while (!received.ToString().Contains("\"ready\"", StringComparison.Ordinal))
        {
            var r = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.NotEqual(System.Net.WebSockets.WebSocketMessageType.Close, r.MessageType);
            received.Append(Encoding.UTF8.GetString(buffer, 0, r.Count));
        }

        Assert.StartsWith("{}\u001e", received.ToString(), StringComparison.Ordinal);
        Assert.Contains(tokens.User.Id.ToString(), received.ToString(), StringComparison.OrdinalIgnoreCase);
        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task A_hub_WebSocket_without_a_token_is_refused()
    {
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        var url = new UriBuilder(cluster.BaseAddress) { Scheme = "ws", Path = "/hubs/gateway", Query = "id=none" }.Uri;
        var error = await Assert.ThrowsAnyAsync<System.Net.WebSockets.WebSocketException>(() => socket.ConnectAsync(url, CancellationToken.None));
        Assert.Contains("401", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_in_the_query_string_is_ignored_outside_the_hub()
    {
        var tokens = await cluster.NewUserAsync();
        using var http = cluster.CreateClient();
        using var response = await http.GetAsync("/api/users/@me?access_token=" + tokens.AccessToken);

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }
}
