using System.Text.Json;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace LesCopains.Api.Tests;

/// <summary>A gateway connection with its server events captured as signals to await.</summary>
public sealed class HubClient : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly TaskCompletionSource<JsonElement> ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<JsonElement> revoked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<JsonElement> expired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Exception?> closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(string Type, JsonElement Payload)> events = [];
    private TaskCompletionSource eventArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The guild events of docs/API.md, recorded in arrival order.</summary>
    public static readonly string[] GuildEventTypes =
    [
        "guild:create", "guild:update", "guild:delete",
        "channel:create", "channel:update", "channel:delete",
        "role:create", "role:update", "role:delete",
        "member:join", "member:update", "member:leave", "user:update",
        "emoji:create", "emoji:update", "emoji:delete",
    ];

    /// <summary>The direct-message events of docs/API.md, recorded like the guild events.</summary>
    public static readonly string[] DmEventTypes = ["dm:envelope", "dm:conversation", "dm:removed", "dm:devices", "dm:typing", "blocks:update"];
    /// <summary>The friends events of docs/API.md, recorded like the guild events.</summary>
    public static readonly string[] FriendEventTypes = ["relationship:update", "presence:friend"];

    /// <summary>The voice events of docs/API.md, recorded like the guild events.</summary>
    public static readonly string[] VoiceEventTypes = ["voice:state", "voice:key", "voice:rekey", "voice:kicked", "voice:moved", "voice:rejoin", "voice:republish", "voice:offer", "voice:annotation"];

    private HubClient(HubConnection connection)
    {
        Connection = connection;
        connection.On<JsonElement>("ready", e => ready.TrySetResult(e));
        connection.On<JsonElement>("session:revoked", e => revoked.TrySetResult(e));
        connection.On<JsonElement>("token:expired", e => expired.TrySetResult(e));
        foreach (var type in GuildEventTypes.Concat(DmEventTypes).Concat(FriendEventTypes).Concat(VoiceEventTypes))
        {
            connection.On<JsonElement>(type, e => Record(type, e));
        }

        connection.Closed += ex =>
        {
            closed.TrySetResult(ex);
            return Task.CompletedTask;
        };
    }

    public HubConnection Connection { get; }

    public bool IsConnected => Connection.State == HubConnectionState.Connected;

    public bool WasRevoked => revoked.Task.IsCompleted;

    public bool IsClosed => closed.Task.IsCompleted;

    /// <summary>Connects with <paramref name="accessToken"/> and waits for <c>ready</c>.</summary>
    public static async Task<HubClient> ConnectAsync(InProcessCluster cluster, string accessToken, Uri? node = null)
    {
        var client = new HubClient(cluster.CreateHubConnection(() => accessToken, node));
        await client.Connection.StartAsync();
        await client.ReadyAsync();
        return client;
    }

    public Task<JsonElement> ReadyAsync() => ready.Task.WaitAsync(Deadline);

    public Task<JsonElement> RevokedAsync() => revoked.Task.WaitAsync(Deadline);

    public Task<JsonElement> TokenExpiredAsync() => expired.Task.WaitAsync(Deadline);

    public Task<Exception?> ClosedAsync() => closed.Task.WaitAsync(Deadline);

    public Task<DateTimeOffset> PingAsync() => Connection.InvokeAsync<DateTimeOffset>("Ping");

    public Task<JsonElement> ReauthenticateAsync(string accessToken) => Connection.InvokeAsync<JsonElement>("Reauthenticate", accessToken);

    /// <summary>Every guild event received so far, in order.</summary>
    public IReadOnlyList<(string Type, JsonElement Payload)> Events
    {
        get
        {
            lock (events)
            {
                return events.ToList();
            }
        }
    }

    /// <summary>
    /// Waits for the first event of <paramref name="type"/> matching <paramref name="match"/> at or after
    /// <paramref name="from"/>; returns its index in <see cref="Events"/> and its payload.
    /// </summary>
    public async Task<(int Index, JsonElement Payload)> WaitForAsync(string type, Func<JsonElement, bool>? match = null, int from = 0)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            Task arrived;
            lock (events)
            {
                for (var i = from; i < events.Count; i++)
                {
                    if (events[i].Type == type && (match is null || match(events[i].Payload)))
                    {
                        return (i, events[i].Payload);
                    }
                }

                arrived = eventArrived.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(arrived, Task.Delay(left)) != arrived)
            {
                throw new TimeoutException($"No {type} arrived within {Deadline.TotalSeconds:0}s; received: {string.Join(", ", Events.Select(e => e.Type))}");
            }
        }
    }

    /// <summary>How many events of <paramref name="type"/> matching <paramref name="match"/> arrived before index <paramref name="before"/>.</summary>
    public int Count(string type, Func<JsonElement, bool>? match = null, int before = int.MaxValue)
    {
        lock (events)
        {
            return events.Take(before).Count(e => e.Type == type && (match is null || match(e.Payload)));
        }
    }

    /// <summary>Matches payloads of <paramref name="guildId"/>: <c>{guildId}</c> or a guild view's <c>{id}</c>.</summary>
    public static Func<JsonElement, bool> OfGuild(Guid guildId) => e =>
        (e.TryGetProperty("guildId", out var g) || e.TryGetProperty("id", out g)) && g.GetGuid() == guildId;

    /// <summary>Matches <c>channel:*</c> payloads about <paramref name="channelId"/>.</summary>
    public static Func<JsonElement, bool> OfChannel(Guid channelId) => e =>
        e.TryGetProperty("channel", out var c) && c.GetProperty("id").GetGuid() == channelId;

    /// <summary>Matches <c>role:*</c> payloads about <paramref name="roleId"/>.</summary>
    public static Func<JsonElement, bool> OfRole(Guid roleId) => e =>
        e.TryGetProperty("role", out var r) && r.GetProperty("id").GetGuid() == roleId;

    /// <summary>Matches <c>member:*</c> payloads about <paramref name="userId"/>.</summary>
    public static Func<JsonElement, bool> OfMember(Guid userId) => e =>
        e.TryGetProperty("member", out var m) && m.GetProperty("userId").GetGuid() == userId;

    private void Record(string type, JsonElement payload)
    {
        TaskCompletionSource arrived;
        lock (events)
        {
            events.Add((type, payload));
            arrived = eventArrived;
            eventArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        arrived.TrySetResult();
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}

/// <summary>Hub-connection helpers of the tests.</summary>
public static class HubConnectionExtensions
{
    /// <summary>
    /// Listens to <c>message:create</c>, also when the server grouped several messages of a channel
    /// into one <c>messages:create</c>: the handler sees one <c>message:create</c> payload per
    /// message, in order, as a client that expands the group does.
    /// </summary>
    public static void OnMessageCreate(this HubConnection connection, Action<JsonElement> handler)
    {
        connection.On<JsonElement>("message:create", handler);
        connection.On<JsonElement>("messages:create", e =>
        {
            var guildId = e.GetProperty("guildId");
            foreach (var message in e.GetProperty("messages").EnumerateArray())
            {
                handler(JsonSerializer.SerializeToElement(new { guildId, channelId = message.GetProperty("channelId"), message }));
            }
        });
    }
}
