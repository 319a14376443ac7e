using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LesCopains.Testing;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class GatewayHubTests(InProcessCluster cluster)
{
    [Fact]
    public async Task Connection_without_a_token_is_rejected()
    {
        await using var hub = cluster.CreateHubConnection(() => null);

        await Assert.ThrowsAnyAsync<Exception>(() => hub.StartAsync());
        Assert.Equal(HubConnectionState.Disconnected, hub.State);
    }

    [Fact]
    public async Task Where_WebSockets_are_blocked_a_client_falls_back_to_long_polling_and_chats()
    {
        using var owner = await GuildClient.NewAsync(cluster, "lp");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1, "Long polls");
        using var member = members[0];
        var general = guild.General.Id;

        // Negotiation offers WebSockets and long polling only: server-sent events would need the
        // token in the query string, which the server takes on WebSocket upgrades only.
        using (var http = cluster.CreateClient(member.Tokens.AccessToken))
        using (var negotiate = await http.PostAsync("/hubs/gateway/negotiate?negotiateVersion=1", null))
        {
            Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
            var offered = (await negotiate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("availableTransports")
                .EnumerateArray().Select(t => t.GetProperty("transport").GetString()).ToList();
            Assert.Equal(["WebSockets", "LongPolling"], offered);
        }

        // A long-polling member gets ready, receives the guild's messages and sends its own.
        await using var polling = cluster.CreateHubConnection(() => member.Tokens.AccessToken, transport: HttpTransportType.LongPolling);
        var ready = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var got = System.Threading.Channels.Channel.CreateUnbounded<string>();
        polling.On<JsonElement>("ready", e => ready.TrySetResult(e));
        polling.OnMessageCreate(e => got.Writer.TryWrite(e.GetProperty("message").GetProperty("content").GetString()!));
        await polling.StartAsync();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(20));

        await using var ownerHub = await HubClient.ConnectAsync(cluster, owner.Tokens.AccessToken);
        var heard = System.Threading.Channels.Channel.CreateUnbounded<string>();
        ownerHub.Connection.OnMessageCreate(e => heard.Writer.TryWrite(e.GetProperty("message").GetProperty("content").GetString()!));
        await ownerHub.Connection.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = "over a WebSocket" });
        Assert.Equal("over a WebSocket", await got.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)));

        await polling.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = "over long polling" });
        Assert.Equal("over a WebSocket", await heard.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("over long polling", await heard.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("over long polling", await got.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(HubConnectionState.Connected, polling.State);
    }

    [Fact]
    public async Task Connection_with_an_invalid_or_revoked_token_is_rejected()
    {
        var tokens = await cluster.NewUserAsync();
        var foreign = TestTokens.Create(tokens, new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(new byte[48]));
        using (var http = cluster.CreateClient(tokens.AccessToken))
        using (var logout = await http.PostAsync("/api/auth/logout", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        }

        foreach (var token in new[] { "garbage", foreign, tokens.AccessToken })
        {
            await using var hub = cluster.CreateHubConnection(() => token);
            await Assert.ThrowsAnyAsync<Exception>(() => hub.StartAsync());
            Assert.Equal(HubConnectionState.Disconnected, hub.State);
        }
    }

    [Fact]
    public async Task Connected_client_receives_ready_with_its_user_and_session()
    {
        var tokens = await cluster.NewUserAsync();

        await using var hub = await HubClient.ConnectAsync(cluster, tokens.AccessToken);
        var ready = await hub.ReadyAsync();

        Assert.Equal(tokens.User.Id, ready.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal(tokens.User.Username, ready.GetProperty("user").GetProperty("username").GetString());
        Assert.Equal(tokens.SessionId, ready.GetProperty("sessionId").GetGuid());
        Assert.InRange(ready.GetProperty("tokenExpiresAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(14), DateTimeOffset.UtcNow.AddMinutes(16));
        // The keep-alive the server pings with (WS_PING_INTERVAL's default): clients time out after twice that.
        Assert.Equal(30_000, ready.GetProperty("keepAliveMs").GetInt64());
        // The web client build this node serves (null where the web root has none, as in a test run without the web build).
        Assert.Equal(cluster.ApiServices.GetRequiredService<LesCopains.Api.Infrastructure.WebBuild>().Id, ready.GetProperty("build").GetString());
        Assert.InRange(await hub.PingAsync(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task Revoking_a_session_closes_its_connections_after_telling_them()
    {
        var username = ApiClient.NewUsername();
        await cluster.RegisterAsync(username);
        var laptop = await cluster.LoginAsync(username);
        var phone = await cluster.LoginAsync(username);
        await using var laptopHub = await HubClient.ConnectAsync(cluster, laptop.AccessToken);
        await using var laptopHub2 = await HubClient.ConnectAsync(cluster, laptop.AccessToken);
        await using var phoneHub = await HubClient.ConnectAsync(cluster, phone.AccessToken);

        using (var http = cluster.CreateClient(phone.AccessToken))
        using (var response = await http.DeleteAsync($"/api/auth/sessions/{laptop.SessionId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        foreach (var hub in new[] { laptopHub, laptopHub2 })
        {
            Assert.Equal(laptop.SessionId, (await hub.RevokedAsync()).GetProperty("sessionId").GetGuid());
            await hub.ClosedAsync();
            Assert.Equal(HubConnectionState.Disconnected, hub.Connection.State);
        }

        await phoneHub.PingAsync();
        Assert.True(phoneHub.IsConnected);
        Assert.False(phoneHub.WasRevoked);
    }

    [Fact]
    public async Task Logout_closes_the_connections_of_that_session()
    {
        var tokens = await cluster.NewUserAsync();
        await using var hub = await HubClient.ConnectAsync(cluster, tokens.AccessToken);

        using (var http = cluster.CreateClient(tokens.AccessToken))
        using (var response = await http.PostAsync("/api/auth/logout", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        await hub.RevokedAsync();
        await hub.ClosedAsync();
    }

    [Fact]
    public async Task Refresh_token_reuse_closes_the_connections_of_that_session()
    {
        var tokens = await cluster.NewUserAsync();
        await using var hub = await HubClient.ConnectAsync(cluster, tokens.AccessToken);
        await cluster.RefreshAsync(tokens.RefreshToken);

        using (var http = cluster.CreateClient())
        using (var reuse = await http.RefreshAsync(tokens.RefreshToken))
        {
            await reuse.AssertErrorAsync(HttpStatusCode.Unauthorized, "refresh_token_reused");
        }

        await hub.RevokedAsync();
        await hub.ClosedAsync();
    }

    [Fact]
    public async Task Revoking_on_one_node_closes_the_connection_held_by_another_node()
    {
        var node = await cluster.AddApiNodeAsync();
        var username = ApiClient.NewUsername();
        await cluster.RegisterAsync(username);
        var remote = await cluster.LoginAsync(username);
        var local = await cluster.LoginAsync(username);
        await using var hub = await HubClient.ConnectAsync(cluster, remote.AccessToken, node);

        using (var http = cluster.CreateClient(local.AccessToken))
        using (var response = await http.DeleteAsync($"/api/auth/sessions/{remote.SessionId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        await hub.RevokedAsync();
        await hub.ClosedAsync();
        Assert.Equal((HttpStatusCode.Unauthorized, "session_revoked"), await cluster.ProbeAsync(remote.AccessToken, node));
    }

    [Fact]
    public async Task Reauthenticate_accepts_a_fresh_token_of_the_same_session_only()
    {
        var username = ApiClient.NewUsername();
        await cluster.RegisterAsync(username);
        var tokens = await cluster.LoginAsync(username);
        var otherSession = await cluster.LoginAsync(username);
        var otherUser = await cluster.NewUserAsync();
        await using var hub = await HubClient.ConnectAsync(cluster, tokens.AccessToken);
        var key = TestTokens.KeyOf(cluster.JwtSecret);

        var later = DateTimeOffset.UtcNow.AddMinutes(30);
        var result = await hub.ReauthenticateAsync(TestTokens.Create(tokens, key, expires: later));
        Assert.Equal(later.ToUnixTimeSeconds(), result.GetProperty("tokenExpiresAt").GetDateTimeOffset().ToUnixTimeSeconds());

        foreach (var (token, code) in new[]
        {
            (otherSession.AccessToken, "unauthorized:"),
            (otherUser.AccessToken, "unauthorized:"),
            (TestTokens.Create(tokens, key, expires: DateTimeOffset.UtcNow.AddMinutes(-1)), "unauthorized:"),
            (TestTokens.Create(tokens, new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(new byte[48])), "unauthorized:"),
            ("garbage", "unauthorized:"),
        })
        {
            var error = await Assert.ThrowsAsync<HubException>(() => hub.ReauthenticateAsync(token));
            Assert.Contains(code, error.Message, StringComparison.Ordinal);
        }

        Assert.True(hub.IsConnected);
        await hub.PingAsync();
    }
}
