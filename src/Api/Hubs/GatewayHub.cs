using LesCopains.Api.Auth;
using LesCopains.Api.Infrastructure;
using LesCopains.Grains.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace LesCopains.Api.Hubs;

/// <summary>
/// The single real-time connection of a browser tab (<c>/hubs/gateway</c>; also <c>/hubs/gateway/ws</c>
/// with <c>DIRECT_WEBSOCKETS</c>). It validates and forwards to grains; domain logic lives in the grains.
/// </summary>
[Authorize]
public sealed partial class GatewayHub(ConnectionRegistry connections, GatewayConnections writers, TokenService tokens, IClusterClient cluster, GrainReferences grains, GuildGateway guilds, DmGateway dms, ApiSettings settings, WebBuild build) : Hub
{
    /// <summary>SignalR's endpoint: negotiation, then WebSockets, server-sent events or long polling.</summary>
    public const string Path = "/hubs/gateway";

    /// <summary>The same hub over WebSockets only, without negotiation, each frame written straight to the socket.</summary>
    public const string DirectPath = "/hubs/gateway/ws";

    public static string SessionGroup(Guid sessionId) => "session:" + sessionId.ToString("N");

    public static string UserGroup(Guid userId) => "user:" + userId.ToString("N");

    public override async Task OnConnectedAsync()
    {
        // Before anything is registered: SignalR closes the connection with this error.
        if (!writers.Admits(Context.ConnectionId))
        {
            throw new HubException(writers.Refusal);
        }

        var user = Context.User!;
        var userId = user.UserId();
        var sessionId = user.SessionId();
        var expiresAt = ExpiryOf(user);
        connections.Add(Context, userId, sessionId, expiresAt);
        await Groups.AddToGroupAsync(Context.ConnectionId, SessionGroup(sessionId));
        await Groups.AddToGroupAsync(Context.ConnectionId, UserGroup(userId));
        await guilds.ConnectedAsync(userId);
        await dms.ConnectedAsync(userId);
        var profile = await cluster.GetGrain<IUserGrain>(userId).GetProfile();
        await Clients.Caller.SendAsync(GatewayEvents.Ready, new ReadyEvent(UserDto.From(profile), sessionId, expiresAt, (long)settings.WsPingInterval.TotalMilliseconds, build.Id));
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        // A connection refused in OnConnectedAsync was never counted as the user's.
        if (connections.Remove(Context.ConnectionId) && Context.User is { } user)
        {
            guilds.Disconnected(user.UserId());
            dms.Disconnected(user.UserId());
        }

        return Task.CompletedTask;
    }

    /// <summary>Keeps the connection open past the original token's expiry, with a fresh token of the same session.</summary>
    public async Task<ReauthenticateResult> Reauthenticate(string accessToken)
    {
        var result = await tokens.ValidateAsync(accessToken ?? "");
        if (!result.IsValid)
        {
            throw new HubException("unauthorized: The access token is invalid or expired.");
        }

        var principal = new System.Security.Claims.ClaimsPrincipal(result.ClaimsIdentity);
        var userId = principal.UserId();
        var sessionId = principal.SessionId();
        if (!await cluster.GetGrain<ISessionGrain>(sessionId).IsActive())
        {
            throw new HubException("session_revoked: This session was signed out.");
        }

        var expiresAt = ExpiryOf(principal);
        if (!connections.Extend(Context.ConnectionId, userId, sessionId, expiresAt))
        {
            throw new HubException("unauthorized: The token belongs to another session.");
        }

        return new ReauthenticateResult(expiresAt);
    }

    /// <summary>
    /// Sends a message; completes once it is committed (the acknowledgement). The connection's next
    /// call starts as soon as the channel has this send in line, so sends pipeline on one connection
    /// and keep their order (<see cref="InvocationOrder"/>).
    /// </summary>
    public async Task<LesCopains.Grains.Channels.MessageDto> SendMessage(SendMessageRequest request)
    {
        var channel = grains.Get<LesCopains.Grains.Channels.IChannelGrain>(request.ChannelId);
        var order = InvocationOrder.Of(Context);
        var place = order.NextSend(request.ChannelId);
        try
        {
            var sending = channel.SendMessageInOrder(Context.User!.UserId(), request.Content ?? "", request.Nonce, request.ReplyTo, request.Attachments ?? [], request.MentionReplied ?? true, place);
            order.Release();
            return await sending;
        }
        finally
        {
            order.Settle(request.ChannelId, place);
        }
    }

    /// <summary>Round-trip check; returns the server time.</summary>
    public DateTimeOffset Ping() => DateTimeOffset.UtcNow;

    private static DateTimeOffset ExpiryOf(System.Security.Claims.ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirst("exp")?.Value, out var exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp)
            : DateTimeOffset.UtcNow;
}
