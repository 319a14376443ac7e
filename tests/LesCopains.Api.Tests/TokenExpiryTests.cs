using System.Net;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.IdentityModel.JsonWebTokens;

namespace LesCopains.Api.Tests;

/// <summary>An Api whose access tokens live 5 s (the minimum), to watch them expire on live connections.</summary>
public sealed class ShortTokenCluster : InProcessCluster
{
    protected override IEnumerable<string> ApiArguments => ["--JWT_ACCESS_EXPIRY=5s"];
}

[CollectionDefinition(Name)]
public sealed class ShortTokenCollection : ICollectionFixture<ShortTokenCluster>
{
    public const string Name = "short-tokens";
}

[Collection(ShortTokenCollection.Name)]
public sealed class TokenExpiryTests(ShortTokenCluster cluster)
{
    [Fact]
    public async Task Connection_is_closed_when_its_token_expires_unless_reauthenticated()
    {
        var login = await cluster.NewUserAsync();
        Assert.Equal(5, login.ExpiresIn);
        var originalExpiry = ExpiryOf(login.AccessToken);
        await using var idle = await HubClient.ConnectAsync(cluster, login.AccessToken);
        await using var renewing = await HubClient.ConnectAsync(cluster, login.AccessToken);

        // What a client does before expiry: refresh, then hand the new access token to the open connection.
        var refresh = login.RefreshToken;
        var fresh = await Poll.UntilAsync(
            async () =>
            {
                var next = await cluster.RefreshAsync(refresh);
                refresh = next.RefreshToken;
                return next;
            },
            t => ExpiryOf(t.AccessToken) >= originalExpiry.AddSeconds(3),
            TimeSpan.FromSeconds(10),
            "an access token expiring at least 3 s after the first");
        await renewing.ReauthenticateAsync(fresh.AccessToken);

        await idle.TokenExpiredAsync();
        await idle.ClosedAsync();
        var idleClosedAt = DateTimeOffset.UtcNow;
        Assert.True(idleClosedAt >= originalExpiry, "closed before its token expired");

        // The sweep that closed the idle connection would have closed the renewed one too; watch it
        // through the next sweep (1 s later), but not up to the renewed token's own expiry (the idle
        // connection may have been closed up to a sweep after its token expired).
        var watchUntil = Min(idleClosedAt.AddSeconds(1.2), ExpiryOf(fresh.AccessToken).AddSeconds(-0.5));
        Assert.False(renewing.IsClosed);
        while (DateTimeOffset.UtcNow < watchUntil)
        {
            await renewing.PingAsync();
            Assert.True(renewing.IsConnected);
            await Task.Delay(250);
        }

        Assert.False(renewing.IsClosed);

        // ...and is closed in turn once the renewed token expires without another renewal.
        await renewing.TokenExpiredAsync();
        await renewing.ClosedAsync();
        Assert.True(DateTimeOffset.UtcNow >= ExpiryOf(fresh.AccessToken), "closed before its renewed token expired");
    }

    [Fact]
    public async Task Expired_access_token_gets_token_expired_and_a_refreshed_one_works()
    {
        var login = await cluster.NewUserAsync();
        var expiry = ExpiryOf(login.AccessToken);

        // Accepted up to the 5 s clock skew past expiry, then refused with a code telling the client to refresh.
        await Poll.UntilAsync(
            async () => await cluster.ProbeAsync(login.AccessToken),
            r => r.Status == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(20),
            "the access token to expire");
        Assert.Equal((HttpStatusCode.Unauthorized, "token_expired"), await cluster.ProbeAsync(login.AccessToken));
        Assert.True(DateTimeOffset.UtcNow >= expiry);

        var refreshed = await cluster.RefreshAsync(login.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, (await cluster.ProbeAsync(refreshed.AccessToken)).Status);
    }

    [Fact]
    public async Task Connection_with_an_expired_token_is_refused()
    {
        var login = await cluster.NewUserAsync();
        await Poll.UntilAsync(
            async () => (await cluster.ProbeAsync(login.AccessToken)).Status == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(20),
            "the access token to expire");

        await using var hub = cluster.CreateHubConnection(() => login.AccessToken);
        await Assert.ThrowsAnyAsync<Exception>(() => hub.StartAsync());
        Assert.Equal(HubConnectionState.Disconnected, hub.State);
    }

    private static DateTimeOffset ExpiryOf(string accessToken) => new JsonWebToken(accessToken).ValidTo;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
