using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using LesCopains.Api.Auth;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace LesCopains.Api.Hubs;

/// <summary>
/// The gateway hub's connections on this node, and every write to them (SignalR's hub lifetime
/// manager for <see cref="GatewayHub"/>; <c>Clients.*</c> and <see cref="GuildGateway"/> both come
/// here). What differs from SignalR's default:
/// <list type="bullet">
/// <item>A send never waits for a slow connection. SignalR's default completes a group send only
/// when every member's write has, so one client that stops reading (a frozen tab, a dead link not
/// yet timed out) holds up each later event for everyone else on the node. Here each write is
/// started in order, and a connection's writes that cannot complete yet queue behind its own
/// earlier ones only. A connection with more than <c>WS_MAX_PENDING_EVENTS</c> such writes is
/// closed: its client reconnects and fetches what it missed, as after any gap.</item>
/// <item>A large audience is written from several threads (one slice of connections each).</item>
/// <item>An account holds at most <c>MAX_CONNECTIONS_PER_USER</c> connections here (see <see cref="Admits"/>).</item>
/// </list>
/// Connections are indexed by user, so the guild fan-out needs no per-user group look-up.
/// </summary>
public sealed partial class GatewayConnections(ApiSettings settings, IMeterFactory meters, ILogger<DefaultHubLifetimeManager<GatewayHub>> baseLogger, ILogger<GatewayConnections> logger)
    : DefaultHubLifetimeManager<GatewayHub>(baseLogger)
{
    /// <summary>The hub's error when an account already has <c>MAX_CONNECTIONS_PER_USER</c> connections here.</summary>
    public const string TooManyConnections = "too_many_connections";

    /// <summary>The smallest slice: audiences of twice this many connections or more are written from several threads, one slice per core.</summary>
    internal const int SliceSize = 128;

    /// <summary>One connection: its writes not completed yet, and its groups.</summary>
    private sealed class Outbox(HubConnectionContext connection, Guid userId)
    {
        public HubConnectionContext Connection { get; } = connection;

        public Guid UserId { get; } = userId;

        public HashSet<string> Groups { get; } = [];

        public int Pending;

        public int Closing;
    }

    private readonly ConcurrentDictionary<string, Outbox> connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, Outbox[]> byUser = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, Outbox>> groups = new(StringComparer.Ordinal);
    private readonly int maxPending = settings.MaxPendingEvents;
    private readonly int maxPerUser = settings.MaxConnectionsPerUser;
    private readonly Counter<long> closedSlow = meters.Create("LesCopains").CreateCounter<long>(
        "lescopains.gateway.slow_connections_closed", description: "Hub connections closed because more than WS_MAX_PENDING_EVENTS events waited for them");

    /// <summary>How many connections <paramref name="userId"/> has open on this node.</summary>
    public int CountOf(Guid userId) => byUser.TryGetValue(userId, out var list) ? list.Length : 0;

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await base.OnConnectedAsync(connection);
        var outbox = new Outbox(connection, connection.User.UserId());
        connections[connection.ConnectionId] = outbox;
        byUser.AddOrUpdate(outbox.UserId, _ => [outbox], (_, list) => [.. list, outbox]);
    }

    /// <summary>
    /// Whether the connection is among its account's first <c>MAX_CONNECTIONS_PER_USER</c> on this
    /// node (in the order they connected); the hub refuses the others (<see cref="TooManyConnections"/>).
    /// </summary>
    public bool Admits(string connectionId)
    {
        if (!connections.TryGetValue(connectionId, out var outbox) || !byUser.TryGetValue(outbox.UserId, out var list))
        {
            return false;
        }

        var admitted = Array.IndexOf(list, outbox) is >= 0 and var place && place < maxPerUser;
        if (!admitted)
        {
            LogTooMany(logger, outbox.UserId, maxPerUser);
        }

        return admitted;
    }

    /// <summary>The refusal the hub sends to a connection <see cref="Admits"/> turned away.</summary>
    public string Refusal => $"{TooManyConnections}: This account already has {maxPerUser} connections open on this server; close a tab or sign out another device.";

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        if (connections.TryRemove(connection.ConnectionId, out var outbox))
        {
            string[] joined;
            lock (outbox.Groups)
            {
                joined = [.. outbox.Groups];
                outbox.Groups.Clear();
            }

            foreach (var group in joined)
            {
                Leave(group, outbox);
            }

            while (byUser.TryGetValue(outbox.UserId, out var list))
            {
                var rest = Array.FindAll(list, o => o != outbox);
                if (rest.Length == 0 ? byUser.TryRemove(new(outbox.UserId, list)) : byUser.TryUpdate(outbox.UserId, rest, list))
                {
                    break;
                }
            }
        }

        await base.OnDisconnectedAsync(connection);
    }

    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        if (connections.TryGetValue(connectionId, out var outbox))
        {
            lock (outbox.Groups)
            {
                // Not after it disconnected: OnDisconnectedAsync has emptied the set and would not see this group.
                if (connections.ContainsKey(connectionId) && outbox.Groups.Add(groupName))
                {
                    groups.GetOrAdd(groupName, _ => new(StringComparer.Ordinal))[connectionId] = outbox;
                }
            }
        }

        return Task.CompletedTask;
    }

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        if (connections.TryGetValue(connectionId, out var outbox))
        {
            lock (outbox.Groups)
            {
                if (outbox.Groups.Remove(groupName))
                {
                    Leave(groupName, outbox);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Writes one event to every connection of <paramref name="userIds"/> on this node, serialized
    /// once. The returned task completes once every write has started, not finished: awaiting it
    /// keeps each connection's events in the order they were sent.
    /// </summary>
    public Task SendToUsersAsync(IReadOnlyList<Guid> userIds, string method, object? argument)
    {
        if (userIds.Count == 0)
        {
            return Task.CompletedTask;
        }

        var targets = ArrayPool<Outbox>.Shared.Rent(userIds.Count + 8);
        var count = 0;
        foreach (var userId in userIds)
        {
            if (byUser.TryGetValue(userId, out var list))
            {
                foreach (var outbox in list)
                {
                    if (count == targets.Length)
                    {
                        var larger = ArrayPool<Outbox>.Shared.Rent(count * 2);
                        Array.Copy(targets, larger, count);
                        ArrayPool<Outbox>.Shared.Return(targets, clearArray: true);
                        targets = larger;
                    }

                    targets[count++] = outbox;
                }
            }
        }

        return WriteAndReturnAsync(targets, count, Message(method, [argument]));
    }

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        WriteAsync([.. connections.Values], methodName, args);

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        WriteAsync([.. connections.Values.Where(o => !excludedConnectionIds.Contains(o.Connection.ConnectionId))], methodName, args);

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        return connections.TryGetValue(connectionId, out var outbox) ? WriteAsync([outbox], methodName, args) : Task.CompletedTask;
    }

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        WriteAsync(Distinct(connectionIds.Select(id => connections.GetValueOrDefault(id))), methodName, args);

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        return groups.TryGetValue(groupName, out var members) ? WriteAsync([.. members.Values], methodName, args) : Task.CompletedTask;
    }

    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        WriteAsync(Distinct(groupNames.SelectMany(g => groups.TryGetValue(g, out var members) ? members.Values : [])), methodName, args);

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        return groups.TryGetValue(groupName, out var members)
            ? WriteAsync([.. members.Values.Where(o => !excludedConnectionIds.Contains(o.Connection.ConnectionId))], methodName, args)
            : Task.CompletedTask;
    }

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendUsersAsync([userId], methodName, args, cancellationToken);

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        WriteAsync([.. connections.Values.Where(o => o.Connection.UserIdentifier is { } id && userIds.Contains(id))], methodName, args);

    private static SerializedHubMessage Message(string methodName, object?[] args) => new(new InvocationMessage(methodName, args));

    private static Outbox[] Distinct(IEnumerable<Outbox?> outboxes) => [.. outboxes.OfType<Outbox>().Distinct()];

    private void Leave(string groupName, Outbox outbox)
    {
        if (groups.TryGetValue(groupName, out var members) && members.TryRemove(outbox.Connection.ConnectionId, out _) && members.IsEmpty)
        {
            groups.TryRemove(new(groupName, members));
        }
    }

    private Task WriteAsync(Outbox[] targets, string methodName, object?[] args)
    {
        if (targets.Length == 0)
        {
            return Task.CompletedTask;
        }

        var message = Message(methodName, args);
        return WriteSlicesAsync(targets, targets.Length, message);
    }

    private async Task WriteAndReturnAsync(Outbox[] rented, int count, SerializedHubMessage message)
    {
        try
        {
            await WriteSlicesAsync(rented, count, message);
        }
        finally
        {
            ArrayPool<Outbox>.Shared.Return(rented, clearArray: true);
        }
    }

    /// <summary>Starts the writes of <paramref name="targets"/>[0..count): in slices on several threads when there are many.</summary>
    private Task WriteSlicesAsync(Outbox[] targets, int count, SerializedHubMessage message)
    {
        var slices = Math.Min(Environment.ProcessorCount, count / SliceSize);
        if (slices < 2)
        {
            WriteRange(targets, 0, count, message);
            return Task.CompletedTask;
        }

        var others = new Task[slices - 1];
        var size = (count + slices - 1) / slices;
        for (var i = 1; i < slices; i++)
        {
            var start = i * size;
            var end = Math.Min(count, start + size);
            others[i - 1] = Task.Run(() => WriteRange(targets, start, end, message));
        }

        WriteRange(targets, 0, size, message);
        return Task.WhenAll(others);
    }

    private void WriteRange(Outbox[] targets, int start, int end, SerializedHubMessage message)
    {
        for (var i = start; i < end; i++)
        {
            Write(targets[i], message);
        }
    }

    private void Write(Outbox outbox, SerializedHubMessage message)
    {
        if (Volatile.Read(ref outbox.Pending) >= maxPending)
        {
            Close(outbox);
            return;
        }

        ValueTask write;
        try
        {
            write = outbox.Connection.WriteAsync(message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or IOException)
        {
            // The connection is ending; its disconnect removes it.
            return;
        }

        if (write.IsCompletedSuccessfully)
        {
            write.GetAwaiter().GetResult();
            return;
        }

        Interlocked.Increment(ref outbox.Pending);
        _ = CompleteAsync(outbox, write);
    }

    private static async Task CompleteAsync(Outbox outbox, ValueTask write)
    {
        try
        {
            await write;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            // The connection is ending; its disconnect removes it.
        }
        finally
        {
            Interlocked.Decrement(ref outbox.Pending);
        }
    }

    private void Close(Outbox outbox)
    {
        if (Interlocked.Exchange(ref outbox.Closing, 1) == 0)
        {
            closedSlow.Add(1);
            LogOverflow(logger, outbox.Connection.ConnectionId, outbox.UserId, maxPending);
            outbox.Connection.Abort();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a hub connection of user {UserId}: it has {Limit} open on this node already")]
    private static partial void LogTooMany(ILogger logger, Guid userId, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closed connection {ConnectionId} of user {UserId}: more than {Limit} events were waiting for it to read (it reconnects and fetches what it missed)")]
    private static partial void LogOverflow(ILogger logger, string connectionId, Guid userId, int limit);
}
