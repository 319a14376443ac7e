using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace LesCopains.Api.Hubs;

/// <summary>
/// This node's live hub connections with their session and access-token expiry. A sweeper
/// closes connections whose token expired and was not renewed through <c>Reauthenticate</c>.
/// </summary>
public sealed partial class ConnectionRegistry(TimeProvider time, IHubContext<GatewayHub> hub, ILogger<ConnectionRegistry> logger) : BackgroundService
{
    private sealed class Entry(HubCallerContext context, Guid userId, Guid sessionId, DateTimeOffset expiresAt)
    {
        public HubCallerContext Context { get; } = context;

        public Guid UserId { get; } = userId;

        public Guid SessionId { get; } = sessionId;

        public DateTimeOffset ExpiresAt { get; set; } = expiresAt;
    }

    private readonly ConcurrentDictionary<string, Entry> entries = new();

    public int Count => entries.Count;

    public void Add(HubCallerContext context, Guid userId, Guid sessionId, DateTimeOffset expiresAt) =>
        entries[context.ConnectionId] = new Entry(context, userId, sessionId, expiresAt);

    /// <summary>Forgets a connection; false if it was never added (refused before it was registered).</summary>
    public bool Remove(string connectionId) => entries.TryRemove(connectionId, out _);

    public bool Extend(string connectionId, Guid userId, Guid sessionId, DateTimeOffset expiresAt)
    {
        if (!entries.TryGetValue(connectionId, out var entry) || entry.UserId != userId || entry.SessionId != sessionId)
        {
            return false;
        }

        if (expiresAt > entry.ExpiresAt)
        {
            entry.ExpiresAt = expiresAt;
        }

        return true;
    }

    public void AbortSession(Guid sessionId)
    {
        foreach (var entry in entries.Values.Where(e => e.SessionId == sessionId))
        {
            entry.Context.Abort();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = time.GetUtcNow();
            foreach (var (id, entry) in entries)
            {
                if (entry.ExpiresAt > now)
                {
                    continue;
                }

                try
                {
                    await hub.Clients.Client(id).SendAsync(GatewayEvents.TokenExpired, new TokenExpiredEvent(entry.ExpiresAt), stoppingToken);
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
                {
                    LogNotifyFailed(ex, id);
                }

                entry.Context.Abort();
                entries.TryRemove(id, out _);
                LogExpired(id, entry.SessionId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed connection {ConnectionId} of session {SessionId}: access token expired")]
    private partial void LogExpired(string connectionId, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not tell connection {ConnectionId} that its token expired")]
    private partial void LogNotifyFailed(Exception exception, string connectionId);
}
