using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace LesCopains.Api.Tests;

/// <summary>An Api with the direct transport on (<c>DIRECT_WEBSOCKETS</c>) and a 1 s keep-alive (a client times out after 2 s of silence).</summary>
public sealed class DirectTransportCluster : InProcessCluster
{
    protected override IEnumerable<string> ApiArguments => ["--DIRECT_WEBSOCKETS=true", "--WS_PING_INTERVAL=1000"];
}

[CollectionDefinition(Name)]
public sealed class DirectTransportCollection : ICollectionFixture<DirectTransportCluster>
{
    public const string Name = "direct-transport";
}

/// <summary>
/// The gateway's two transports: SignalR's own (<c>/hubs/gateway</c>) and the direct one
/// (<c>/hubs/gateway/ws</c>). One hub, one set of groups.
/// </summary>
[Collection(DirectTransportCollection.Name)]
public sealed class GatewayTransportTests(DirectTransportCluster cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Messages_cross_between_a_direct_connection_and_one_through_SignalRs_transport()
    {
        var (owner, member, general) = await MessageTests.GuildAsync(cluster);
        await using var direct = cluster.CreateHubConnection(() => owner.AccessToken, direct: true);
        await using var classic = cluster.CreateHubConnection(() => member.AccessToken);
        var classicGot = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var directGot = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        classic.OnMessageCreate(e => classicGot.TrySetResult(e.GetProperty("message").GetProperty("content").GetString()!));
        direct.OnMessageCreate(e =>
        {
            if (e.GetProperty("message").GetProperty("content").GetString() is "from classic" and var content)
            {
                directGot.TrySetResult(content);
            }
        });
        await direct.StartAsync();
        await classic.StartAsync();

        var sent = await direct.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = "from direct" });
        Assert.Equal("from direct", sent.GetProperty("content").GetString());
        Assert.Equal("from direct", await classicGot.Task.WaitAsync(Deadline));

        await classic.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = "from classic" });
        Assert.Equal("from classic", await directGot.Task.WaitAsync(Deadline));
    }

    [Fact]
    public async Task The_direct_endpoint_wants_a_token_and_a_WebSocket()
    {
        var tokens = await cluster.NewUserAsync();
        using (var anonymous = cluster.CreateClient())
        using (var refused = await anonymous.GetAsync("/hubs/gateway/ws"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var http = cluster.CreateClient(tokens.AccessToken);
        using var plain = await http.GetAsync("/hubs/gateway/ws");
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        var error = await plain.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("websocket_required", error.GetProperty("error").GetProperty("code").GetString());
    }

    // Both need the transport's heartbeat (IConnectionHeartbeatFeature): without it, neither happens.
    [Fact]
    public async Task A_direct_connection_is_pinged_while_idle_and_closed_when_the_client_falls_silent()
    {
        var tokens = await cluster.NewUserAsync();
        using var socket = new ClientWebSocket();
        var url = new UriBuilder(cluster.BaseAddress) { Scheme = "ws", Path = "/hubs/gateway/ws", Query = $"access_token={tokens.AccessToken}" }.Uri;
        await socket.ConnectAsync(url, CancellationToken.None);
        await socket.SendAsync("{\"protocol\":\"json\",\"version\":1}\u001e"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);

        // The handshake answer, the ready event, then (nothing else to say) the server's pings. The
        // client pings once and then falls silent, so twice the keep-alive later the server closes.
        // (SignalR starts a client's timeout at its first message after the handshake.)
        var records = new List<string>();
        var opened = DateTime.UtcNow;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            var received = Encoding.UTF8.GetString(buffer, 0, result.Count).Split('\u001e', StringSplitOptions.RemoveEmptyEntries);
            if (records.Count == 0)
            {
                // One ping, as a client does once connected; then silence.
                await socket.SendAsync("{\"type\":6}\u001e"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            }

            records.AddRange(received);
        }

        var closedAfter = DateTime.UtcNow - opened;
        Assert.Equal("{}", records[0]);
        Assert.Contains(records, r => r.Contains("\"target\":\"ready\"", StringComparison.Ordinal));
        Assert.Contains(records, r => r == "{\"type\":6}");
        // Closed by the client timeout (2 s, checked once a second), with the reason in a close message.
        Assert.InRange(closedAfter, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(15));
        Assert.Contains(records, r => r.StartsWith("{\"type\":7", StringComparison.Ordinal));
    }
}

[Collection(ApiCollection.Name)]
public sealed class DirectTransportDefaultTests(InProcessCluster cluster)
{
    [Fact]
    public async Task The_direct_endpoint_is_off_unless_DIRECT_WEBSOCKETS_turns_it_on()
    {
        var tokens = await cluster.NewUserAsync();
        using var socket = new ClientWebSocket();
        var url = new UriBuilder(cluster.BaseAddress) { Scheme = "ws", Path = "/hubs/gateway/ws", Query = $"access_token={tokens.AccessToken}" }.Uri;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(url, CancellationToken.None));
        await using var classic = cluster.CreateHubConnection(() => tokens.AccessToken);
        await classic.StartAsync();
    }
}

/// <summary>The direct transport's connection lifetime, without a host: a WebSocket pair over loopback TCP.</summary>
public sealed class DirectConnectionTests
{
    [Fact]
    public async Task Aborting_every_connection_at_shutdown_ends_the_hub_and_closes_the_socket()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var accepted = await listener.AcceptTcpClientAsync();
        using var serverSocket = WebSocket.CreateFromStream(accepted.GetStream(), new WebSocketCreationOptions { IsServer = true });
        using var clientSocket = WebSocket.CreateFromStream(client.GetStream(), new WebSocketCreationOptions { IsServer = false });

        using var heartbeat = new LesCopains.Api.Hubs.Transport.DirectWebSocketTransport.Heartbeat();
        var hub = new InputUntilEnd();
        await using var connection = new LesCopains.Api.Hubs.Transport.DirectWebSocketTransport.DirectConnection(serverSocket, new Microsoft.AspNetCore.Http.DefaultHttpContext(), heartbeat);
        var running = connection.RunAsync(hub);
        await hub.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(running.IsCompleted);

        // What ApplicationStopping does: without it the host would wait for these requests.
        heartbeat.AbortAll();

        await running.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(hub.InputEnded);
        // The peer sees the socket end, well before its own timeout: a close message, or the
        // connection torn down.
        var buffer = new byte[64];
        using var receiveTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var peerSawTheEnd = false;
        try
        {
            var result = await clientSocket.ReceiveAsync(buffer, receiveTimeout.Token);
            peerSawTheEnd = result.MessageType == WebSocketMessageType.Close;
        }
        catch (WebSocketException)
        {
            peerSawTheEnd = true;
        }

        Assert.True(peerSawTheEnd);
    }

    /// <summary>A stand-in for the hub handler: reads its input until the transport ends it.</summary>
    private sealed class InputUntilEnd : Microsoft.AspNetCore.Connections.ConnectionHandler
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool InputEnded { get; private set; }

        public override async Task OnConnectedAsync(Microsoft.AspNetCore.Connections.ConnectionContext connection)
        {
            Started.TrySetResult();
            while (true)
            {
                var result = await connection.Transport.Input.ReadAsync();
                connection.Transport.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    InputEnded = true;
                    return;
                }
            }
        }
    }
}
