// Fan-out probe (a measurement, not part of LesCopains): what does delivering a message cost in
// .NET when each member's frame is written straight to its WebSocket, without SignalR's
// per-connection pipe and the thread-pool hand-off per frame behind it?
//
// It speaks just enough of SignalR's JSON hub protocol over WebSockets for @microsoft/signalr
// (skipNegotiation) to connect: the handshake, invocations of SendMessage and Ping, completions,
// pings. A SendMessage is inserted into PostgreSQL (durable commit), acknowledged, then written
// as one pre-framed message:create to every connection in one loop, as the Node reference does.
// No accounts, no permissions, one room. Usage: bench/README.md.
using System.Buffers;
using System.Collections.Immutable;
using System.Net.WebSockets;
using System.Text.Json;
using LesCopains.Hosting;
using LesCopains.Hosting.Configuration;
using Npgsql;

var databaseUrl = Environment.GetEnvironmentVariable("DATABASE_URL")
    ?? throw new InvalidOperationException("DATABASE_URL (a PostgreSQL connection string) is required");
var port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? "3200", System.Globalization.CultureInfo.InvariantCulture);

var builder = WebApplication.CreateSlimBuilder(args);
// Socket work inline, as LesCopains' INLINE_IO default.
InlineIo.Apply(builder.WebHost, enabled: true);
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var app = builder.Build();
app.UseWebSockets();

await using var database = NpgsqlDataSource.Create(DatabaseSettings.Parse(databaseUrl).ConnectionString);
await using (var create = database.CreateCommand("""
    DROP TABLE IF EXISTS bench_probe_messages;
    CREATE TABLE bench_probe_messages (
        id uuid PRIMARY KEY, channel_id uuid NOT NULL, guild_id uuid NOT NULL, seq bigint NOT NULL,
        author_id uuid NOT NULL, content text NOT NULL, nonce text, created_at timestamptz NOT NULL,
        UNIQUE (channel_id, seq))
    """))
{
    await create.ExecuteNonQueryAsync();
}

var room = new Room(database);
app.MapGet("/health", () => Results.Ok());
app.Map("/hub", async context =>
{
    if (!context.WebSockets.IsWebSocketRequest)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }

    using var socket = await context.WebSockets.AcceptWebSocketAsync();
    await room.RunAsync(new Member(socket), context.RequestAborted);
});

using var keepAlive = new Timer(_ => room.Broadcast(Frames.Ping), null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
await app.RunAsync();

/// <summary>One connection; sends on one WebSocket must not overlap, so they take turns.</summary>
internal sealed class Member(WebSocket socket)
{
    private readonly SemaphoreSlim turn = new(1, 1);

    public Guid Id { get; } = Guid.CreateVersion7();

    public WebSocket Socket => socket;

    public async Task SendAsync(ReadOnlyMemory<byte> frame)
    {
        await turn.WaitAsync();
        try
        {
            await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The member left; its receive loop removes it.
        }
        finally
        {
            turn.Release();
        }
    }
}

internal sealed class Room(NpgsqlDataSource database)
{
    private readonly Guid channelId = Guid.CreateVersion7();
    private readonly Guid guildId = Guid.CreateVersion7();
    private readonly Lock membersLock = new();
    private ImmutableArray<Member> members = [];
    private long seq;

    public async Task RunAsync(Member member, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        var shookHands = false;
        try
        {
            while (member.Socket.State == WebSocketState.Open)
            {
                var result = await member.Socket.ReceiveAsync(buffer.GetMemory(4096), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                buffer.Advance(result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                // A WebSocket message holds one or more records, each ending with 0x1e.
                var data = buffer.WrittenMemory;
                for (var end = data.Span.IndexOf(Frames.Separator); end >= 0; end = data.Span.IndexOf(Frames.Separator))
                {
                    var record = data[..end];
                    data = data[(end + 1)..];
                    if (!shookHands)
                    {
                        shookHands = true;
                        await member.SendAsync(Frames.HandshakeOk);
                        lock (membersLock)
                        {
                            members = members.Add(member);
                        }

                        continue;
                    }

                    await HandleAsync(member, record);
                }

                buffer.ResetWrittenCount();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The member left.
        }
        finally
        {
            lock (membersLock)
            {
                members = members.Remove(member);
            }
        }
    }

    public void Broadcast(ReadOnlyMemory<byte> frame)
    {
        foreach (var member in members)
        {
            _ = member.SendAsync(frame);
        }
    }

    private async Task HandleAsync(Member member, ReadOnlyMemory<byte> record)
    {
        using var json = JsonDocument.Parse(record);
        var root = json.RootElement;
        if (root.GetProperty("type").GetInt32() != 1 || !root.TryGetProperty("invocationId", out var idElement))
        {
            return; // pings, and invocations that want no answer
        }

        var invocationId = idElement.GetString()!;
        switch (root.GetProperty("target").GetString())
        {
            case "Ping":
                await member.SendAsync(Frames.Completion(invocationId, w => w.WriteStringValue(DateTimeOffset.UtcNow)));
                break;
            case "SendMessage":
                var content = root.GetProperty("arguments")[0].GetProperty("content").GetString() ?? "";
                // Not awaited: a connection's next call is read while this one commits, as SignalR
                // with several calls in flight per connection does.
                _ = SendMessageAsync(member, invocationId, content);
                break;
            default:
                await member.SendAsync(Frames.Completion(invocationId, null, "Unknown method"));
                break;
        }
    }

    private async Task SendMessageAsync(Member member, string invocationId, string content)
    {
        if (string.IsNullOrWhiteSpace(content) || content.Length > 4000)
        {
            await member.SendAsync(Frames.Completion(invocationId, null, "invalid_content: 1 to 4,000 characters, not blank"));
            return;
        }

        var message = new ProbeMessage(Guid.CreateVersion7(), channelId, Interlocked.Increment(ref seq), member.Id, content, DateTimeOffset.UtcNow);
        try
        {
            await using var insert = database.CreateCommand(
                "INSERT INTO bench_probe_messages (id, channel_id, guild_id, seq, author_id, content, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)");
            insert.Parameters.Add(new() { Value = message.Id });
            insert.Parameters.Add(new() { Value = channelId });
            insert.Parameters.Add(new() { Value = guildId });
            insert.Parameters.Add(new() { Value = message.Seq });
            insert.Parameters.Add(new() { Value = message.AuthorId });
            insert.Parameters.Add(new() { Value = content });
            insert.Parameters.Add(new() { Value = message.CreatedAt });
            await insert.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException ex)
        {
            await member.SendAsync(Frames.Completion(invocationId, null, "internal: " + ex.Message));
            return;
        }

        // As LesCopains: the sender's acknowledgement first, then the fan-out, one frame for all.
        await member.SendAsync(Frames.Completion(invocationId, w => JsonSerializer.Serialize(w, message, ProbeJson.Default.ProbeMessage)));
        var frame = Frames.Invocation("message:create", w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("message");
            JsonSerializer.Serialize(w, message, ProbeJson.Default.ProbeMessage);
            w.WriteEndObject();
        });
        Broadcast(frame);
    }
}

internal sealed record ProbeMessage(Guid Id, Guid ChannelId, long Seq, Guid AuthorId, string Content, DateTimeOffset CreatedAt);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ProbeMessage))]
internal sealed partial class ProbeJson : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>SignalR JSON hub protocol records (each ends with the 0x1e separator).</summary>
internal static class Frames
{
    public const byte Separator = 0x1e;

    public static readonly byte[] HandshakeOk = "{}\u001e"u8.ToArray();

    public static readonly byte[] Ping = "{\"type\":6}\u001e"u8.ToArray();

    public static byte[] Completion(string invocationId, Action<Utf8JsonWriter>? result, string? error = null) => Record(w =>
    {
        w.WriteNumber("type", 3);
        w.WriteString("invocationId", invocationId);
        if (error is not null)
        {
            w.WriteString("error", error);
        }
        else if (result is not null)
        {
            w.WritePropertyName("result");
            result(w);
        }
    });

    public static byte[] Invocation(string target, Action<Utf8JsonWriter> argument) => Record(w =>
    {
        w.WriteNumber("type", 1);
        w.WriteString("target", target);
        w.WriteStartArray("arguments");
        argument(w);
        w.WriteEndArray();
    });

    private static byte[] Record(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        buffer.Write([Separator]);
        return buffer.WrittenSpan.ToArray();
    }
}
