using System.Collections.Concurrent;
using System.Text.Json;
using LesCopains.Grains.Voice;
using Microsoft.AspNetCore.SignalR;

namespace LesCopains.Api.Hubs;

/// <summary>
/// This Api node as seen by voice rooms: one Orleans observer through which a room grain reaches
/// the exact hub connection holding a participant's media session (SDP-free events such as
/// <c>voice:kicked</c>, <c>voice:rekey</c>, <c>voice:rejoin</c>). Channel-wide <c>voice:state</c>
/// travels the guild relay instead (<see cref="GuildGateway"/>), filtered by VIEW_CHANNEL.
/// </summary>
public sealed partial class VoiceGateway(IClusterClient cluster, IHubContext<GatewayHub> hub, ILogger<VoiceGateway> logger) : IVoiceObserver
{
    private readonly ConcurrentDictionary<string, Guid> voiceConnections = new();
    private IVoiceObserver? self;
    private bool selfCreated;
    private object? selfLock;

    // One reference per node: two (from concurrent first connections) would each get every event.
    private IVoiceObserver Self => LazyInitializer.EnsureInitialized(ref self, ref selfCreated, ref selfLock, () => cluster.CreateObjectReference<IVoiceObserver>(this))!;

    /// <summary>
    /// The handle a room grain keeps for this connection (with the DM device it declared, if any:
    /// media keys are relayed for that device); marks it as a voice connection.
    /// </summary>
    public VoiceConnection ConnectionOf(Guid userId, string connectionId, int? deviceId)
    {
        voiceConnections[connectionId] = userId;
        return new VoiceConnection(userId, connectionId, Self, deviceId);
    }

    /// <summary>A hub connection closed: end its voice session, if any.</summary>
    public async Task DisconnectedAsync(string connectionId)
    {
        if (!voiceConnections.TryRemove(connectionId, out var userId))
        {
            return;
        }

        try
        {
            await cluster.GetGrain<IVoiceMemberGrain>(userId).Leave(connectionId);
        }
        catch (Exception ex)
        {
            LogLeaveFailed(ex, userId);
        }
    }

    public Task OnVoiceEvent(string connectionId, string type, string payloadJson) =>
        hub.Clients.Client(connectionId).SendAsync(type, JsonSerializer.Deserialize<JsonElement>(payloadJson));

    public Task<bool> IsConnected(string connectionId) => Task.FromResult(voiceConnections.ContainsKey(connectionId));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not end the voice session of user {UserId} after a disconnect")]
    private partial void LogLeaveFailed(Exception exception, Guid userId);
}

/// <summary>Ends a connection's voice session when it closes.</summary>
public sealed class VoiceHubFilter(VoiceGateway voice) : IHubFilter
{
    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        await next(context, exception);
        await voice.DisconnectedAsync(context.Context.ConnectionId);
    }
}
