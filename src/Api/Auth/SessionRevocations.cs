using LesCopains.Api.Hubs;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace LesCopains.Api.Auth;

/// <summary>
/// Tells every Api node that a session was revoked, so each closes that session's live
/// connections at once (Redis pub/sub: rare, not on the message hot path).
/// </summary>
public sealed partial class SessionRevocations(
    IConnectionMultiplexer redis,
    ApiSettings settings,
    IHubContext<GatewayHub> hub,
    ConnectionRegistry connections,
    ILogger<SessionRevocations> logger) : IHostedService
{
    private RedisChannel Channel => RedisChannel.Literal($"lc:{settings.ClusterId}:session-revoked");

    public Task PublishAsync(Guid sessionId) =>
        redis.GetSubscriber().PublishAsync(Channel, sessionId.ToString());

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var queue = await redis.GetSubscriber().SubscribeAsync(Channel);
        queue.OnMessage(async message =>
        {
            if (Guid.TryParse(message.Message.ToString(), out var sessionId))
            {
                await CloseLocalAsync(sessionId);
            }
        });
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        redis.GetSubscriber().UnsubscribeAsync(Channel);

    /// <summary>Tells this node's connections of the session, then closes them.</summary>
    public async Task CloseLocalAsync(Guid sessionId)
    {
        try
        {
            await hub.Clients.Group(GatewayHub.SessionGroup(sessionId)).SendAsync(GatewayEvents.SessionRevoked, new SessionRevokedEvent(sessionId));
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            LogNotifyFailed(ex, sessionId);
        }

        connections.AbortSession(sessionId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not notify connections of revoked session {SessionId}")]
    private partial void LogNotifyFailed(Exception exception, Guid sessionId);
}
