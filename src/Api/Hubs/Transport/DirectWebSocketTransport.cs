using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.WebSockets;
using LesCopains.Api.Infrastructure;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;

namespace LesCopains.Api.Hubs.Transport;

/// <summary>
/// A hub over a WebSocket of our own: SignalR's hub protocol, invocation handling, filters and
/// groups as with <c>MapHub</c> (the same <see cref="HubConnectionHandler{THub}"/>), but each frame
/// the hub writes goes straight to the WebSocket on the writing thread. SignalR's own transport puts
/// a pipe and a thread-pool hand-off between the hub and the socket for every frame of every
/// connection. At 1,000 members this path uses less server CPU (about the reference server's,
/// docs/benchmarks.md, fourteenth pass); its latency against SignalR's transport was mixed from run
/// to run at 100 and 1,000 members (thirteenth and fourteenth passes), so it is off by default
/// (<c>DIRECT_WEBSOCKETS</c>).
/// WebSockets only, without negotiation: clients connect with <c>skipNegotiation</c>; the
/// <c>MapHub</c> endpoint stays for the others.
/// </summary>
public static class DirectWebSocketTransport
{
    public static IEndpointConventionBuilder MapDirectHub<THub>(this IEndpointRouteBuilder endpoints, string pattern)
        where THub : Hub
    {
        var services = endpoints.ServiceProvider;
        var handler = ActivatorUtilities.GetServiceOrCreateInstance<HubConnectionHandler<THub>>(services);
        var heartbeat = new Heartbeat();
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();

        // On shutdown every connection is closed, as SignalR's transport does with its own:
        // the host would otherwise wait for these requests until its shutdown timeout.
        lifetime.ApplicationStopping.Register(heartbeat.AbortAll);
        lifetime.ApplicationStopped.Register(heartbeat.Dispose);
        return endpoints.Map(pattern, async (HttpContext http) =>
        {
            if (!http.WebSockets.IsWebSocketRequest)
            {
                return ApiError.Result("websocket_required", "This endpoint accepts WebSocket connections only (SignalR with skipNegotiation).", StatusCodes.Status400BadRequest);
            }

            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            await using var connection = new DirectConnection(socket, http, heartbeat);
            if (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                return Results.Empty;
            }

            await connection.RunAsync(handler);
            return Results.Empty;
        });
    }

    /// <summary>
    /// The open connections, and one tick a second for each one's keep-alive and client-timeout
    /// checks, as SignalR's own transport does.
    /// </summary>
    internal sealed class Heartbeat : IDisposable
    {
        private readonly ConcurrentDictionary<DirectConnection, List<(Action<object> Callback, object State)>> callbacks = new();
        private readonly Timer timer;
        private int ticking;

        public Heartbeat() => timer = new Timer(_ => Tick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        public void Open(DirectConnection connection) => callbacks.TryAdd(connection, []);

        public void AbortAll()
        {
            foreach (var connection in callbacks.Keys)
            {
                connection.Abort(new ConnectionAbortedException("The server is shutting down."));
            }
        }

        public void Add(DirectConnection connection, Action<object> callback, object state)
        {
            var list = callbacks.GetOrAdd(connection, _ => []);
            lock (list)
            {
                list.Add((callback, state));
            }
        }

        public void Remove(DirectConnection connection) => callbacks.TryRemove(connection, out _);

        public void Dispose() => timer.Dispose();

        private void Tick()
        {
            // One tick at a time: a slow one (many connections) makes the next wait, not overlap.
            if (Interlocked.Exchange(ref ticking, 1) == 1)
            {
                return;
            }

            try
            {
                foreach (var (_, list) in callbacks)
                {
                    (Action<object> Callback, object State)[] registered;
                    lock (list)
                    {
                        registered = [.. list];
                    }

                    foreach (var (callback, state) in registered)
                    {
                        try
                        {
                            callback(state);
                        }
                        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or WebSocketException)
                        {
                            // That connection is ending; the others still get their tick.
                        }
                    }
                }
            }
            finally
            {
                Volatile.Write(ref ticking, 0);
            }
        }
    }

    internal sealed class DirectConnection : ConnectionContext, IConnectionUserFeature, IHttpContextFeature, ITransferFormatFeature, IConnectionHeartbeatFeature, IDuplexPipe
    {
        private readonly WebSocket socket;
        private readonly Heartbeat heartbeat;
        private readonly Pipe input = new(new PipeOptions(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, useSynchronizationContext: false));
        private readonly WebSocketOutput output;
        private readonly CancellationTokenSource closed = new();

        public DirectConnection(WebSocket socket, HttpContext http, Heartbeat heartbeat)
        {
            this.socket = socket;
            this.heartbeat = heartbeat;
            HttpContext = http;
            User = http.User;
            output = new WebSocketOutput(socket, this);
            ConnectionId = Guid.NewGuid().ToString("N");
            Features.Set<IConnectionUserFeature>(this);
            Features.Set<IHttpContextFeature>(this);
            Features.Set<ITransferFormatFeature>(this);
            Features.Set<IConnectionHeartbeatFeature>(this);
            Transport = this;
            RemoteEndPoint = http.Connection.RemoteIpAddress is { } ip ? new System.Net.IPEndPoint(ip, http.Connection.RemotePort) : null;
        }

        public override string ConnectionId { get; set; }

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override IDictionary<object, object?> Items { get; set; } = new ConcurrentDictionary<object, object?>();

        public override IDuplexPipe Transport { get; set; }

        public override CancellationToken ConnectionClosed { get => closed.Token; set { } }

        public System.Security.Claims.ClaimsPrincipal? User { get; set; }

        public HttpContext? HttpContext { get; set; }

        public TransferFormat SupportedFormats { get; } = TransferFormat.Text | TransferFormat.Binary;

        public TransferFormat ActiveFormat { get; set; } = TransferFormat.Text;

        PipeReader IDuplexPipe.Input => input.Reader;

        PipeWriter IDuplexPipe.Output => output;

        public void OnHeartbeat(Action<object> action, object state) => heartbeat.Add(this, action, state);

        /// <summary>Ends the connection now: the receive loop stops, so the hub sees the end of its input.</summary>
        public override void Abort(ConnectionAbortedException abortReason)
        {
            try
            {
                closed.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already over.
            }
        }

        public async Task RunAsync(ConnectionHandler handler)
        {
            heartbeat.Open(this);
            var receiving = ReceiveAsync();
            try
            {
                await handler.OnConnectedAsync(this);
            }
            finally
            {
                heartbeat.Remove(this);
                if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    try
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    }
                    catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
                    {
                        // The peer is gone already.
                    }
                }

                await closed.CancelAsync();
                await receiving;
            }
        }

        /// <summary>WebSocket messages into the hub's input pipe, until the peer closes or goes away.</summary>
        private async Task ReceiveAsync()
        {
            Exception? error = null;
            try
            {
                while (true)
                {
                    var result = await socket.ReceiveAsync(input.Writer.GetMemory(4096), closed.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    input.Writer.Advance(result.Count);
                    if (result.EndOfMessage && (await input.Writer.FlushAsync()).IsCompleted)
                    {
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
            {
                error = ex is OperationCanceledException ? null : ex;
            }

            await input.Writer.CompleteAsync(error);
        }

        public override async ValueTask DisposeAsync()
        {
            heartbeat.Remove(this);
            await input.Reader.CompleteAsync();
            closed.Dispose();
        }
    }

    /// <summary>
    /// The hub's output: what it writes and flushes is sent as one WebSocket message, on the
    /// writing thread. The hub writes one message at a time per connection (its write lock).
    /// </summary>
    internal sealed class WebSocketOutput(WebSocket socket, ITransferFormatFeature format) : PipeWriter
    {
        private readonly ArrayBufferWriter<byte> buffer = new(256);
        private bool completed;

        public override void Advance(int bytes) => buffer.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => buffer.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => buffer.GetSpan(sizeHint);

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null) => completed = true;

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            if (buffer.WrittenCount == 0)
            {
                return new(new FlushResult(isCanceled: false, isCompleted: completed));
            }

            return SendAsync(buffer.WrittenMemory, cancellationToken);
        }

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            if (buffer.WrittenCount > 0)
            {
                buffer.Write(source.Span);
                return FlushAsync(cancellationToken);
            }

            // A pre-serialized message (the same bytes for every connection): sent as it is, no copy.
            return SendAsync(source, cancellationToken);
        }

        private ValueTask<FlushResult> SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            if (completed || socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
            {
                buffer.ResetWrittenCount();
                return new(new FlushResult(isCanceled: false, isCompleted: true));
            }

            var type = format.ActiveFormat == TransferFormat.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
            ValueTask send;
            try
            {
                send = socket.SendAsync(message, type, endOfMessage: true, cancellationToken);
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
            {
                buffer.ResetWrittenCount();
                return new(new FlushResult(isCanceled: false, isCompleted: true));
            }

            if (send.IsCompletedSuccessfully)
            {
                buffer.ResetWrittenCount();
                return new(new FlushResult(isCanceled: false, isCompleted: false));
            }

            return AwaitSendAsync(send);
        }

        private async ValueTask<FlushResult> AwaitSendAsync(ValueTask send)
        {
            try
            {
                await send;
                return new FlushResult(isCanceled: false, isCompleted: false);
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
            {
                return new FlushResult(isCanceled: false, isCompleted: true);
            }
            finally
            {
                buffer.ResetWrittenCount();
            }
        }
    }
}
