using System.Diagnostics.Metrics;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using LesCopains.Api.Hubs;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LesCopains.Api.Tests;

/// <summary>
/// The gateway's limits, tight: both transports, a connection closed once 16 events wait for it
/// beyond its transport's buffer, one connection per account.
/// </summary>
public sealed class GatewayLimitsCluster : InProcessCluster
{
    protected override IEnumerable<string> ApiArguments => ["--DIRECT_WEBSOCKETS=true", "--WS_MAX_PENDING_EVENTS=16", "--MAX_CONNECTIONS_PER_USER=1"];
}

[CollectionDefinition(Name)]
public sealed class GatewayLimitsCollection : ICollectionFixture<GatewayLimitsCluster>
{
    public const string Name = "gateway-limits";
}

/// <summary>
/// A member whose client stops reading its socket (a frozen tab, a dead link not yet timed out)
/// must not hold up anyone else's events, and is closed once too far behind.
/// </summary>
[Collection(GatewayLimitsCollection.Name)]
public sealed class SlowConnectionTests(GatewayLimitsCluster cluster)
{
    private const int MaxMessages = 4_000;

    [Theory]
    [InlineData(GatewayHub.Path)]
    [InlineData(GatewayHub.DirectPath)]
    public async Task A_connection_that_stops_reading_does_not_delay_the_others_and_is_closed(string path)
    {
        var (owner, member, general) = await MessageTests.GuildAsync(cluster);
        var connections = cluster.ApiServices.GetRequiredService<GatewayConnections>();
        using var closedSlow = new SlowClosures(cluster.ApiServices);

        // The member's client: connected, then never reads again, with the smallest receive buffer.
        using var stalled = await ConnectWithoutReadingAsync(path, member.AccessToken);

        // The owner's connection reads normally and counts the channel's messages.
        await using var watcher = cluster.CreateHubConnection(() => owner.AccessToken);
        var received = 0;
        var last = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var expected = int.MaxValue;
        watcher.OnMessageCreate(e =>
        {
            var count = Interlocked.Increment(ref received);
            if (count >= Volatile.Read(ref expected))
            {
                last.TrySetResult(count);
            }
        });
        await watcher.StartAsync();

        // Large messages until the stalled connection's buffers are full and 16 more wait for it.
        var content = new string('x', 3_900);
        var sent = 0;
        while (sent < MaxMessages && closedSlow.Count == 0)
        {
            await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => watcher.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content })));
            sent += 10;
        }

        Assert.True(closedSlow.Count == 1, $"no slow connection was closed (by the metric) after {sent} messages (the others received {Volatile.Read(ref received)})");

        // Everyone else got every message, the ones sent after the stall included.
        Volatile.Write(ref expected, sent);
        if (Volatile.Read(ref received) >= sent)
        {
            last.TrySetResult(received);
        }

        Assert.Equal(sent, await last.Task.WaitAsync(TimeSpan.FromSeconds(30)));

        // The stalled client sees its connection end (after what its buffers held) and would reconnect.
        var (got, ended) = await DrainAsync(stalled, content, TimeSpan.FromSeconds(30));
        Assert.True(ended, "the server did not close the stalled connection");
        Assert.True(got < sent, $"the stalled connection got all {sent} messages");

        // And the server let go of it: the hub saw the disconnect.
        var memberId = Guid.Parse(member.User.Id);
        await Poll.UntilAsync(() => Task.FromResult(connections.CountOf(memberId) == 0), TimeSpan.FromSeconds(20), "the stalled connection's disconnect");
    }

    /// <summary>A WebSocket to the hub (SignalR's JSON protocol, no negotiation) that reads the handshake and the ready event, then stops reading.</summary>
    private async Task<ClientWebSocket> ConnectWithoutReadingAsync(string path, string accessToken)
    {
        var socket = new ClientWebSocket();
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
                await tcp.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(tcp, ownsSocket: true);
            },
        };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        var url = new UriBuilder(cluster.BaseAddress) { Scheme = "ws", Path = path, Query = $"access_token={accessToken}" }.Uri;
        await socket.ConnectAsync(url, invoker, CancellationToken.None);
        await socket.SendAsync("{\"protocol\":\"json\",\"version\":1}\u001e"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!text.ToString().Contains("\"target\":\"ready\"", StringComparison.Ordinal))
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }

        return socket;
    }

    /// <summary>Reads what is left: the number of messages in it, and whether the connection ended within <paramref name="within"/>.</summary>
    private static async Task<(int Messages, bool Ended)> DrainAsync(ClientWebSocket socket, string content, TimeSpan within)
    {
        var buffer = new byte[64 * 1024];
        var frame = new MemoryStream();
        var messages = 0;
        var marker = $"\"content\":\"{content}\"";
        using var timeout = new CancellationTokenSource(within);
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return (messages, true);
                }

                frame.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    messages += CountOf(Encoding.UTF8.GetString(frame.GetBuffer(), 0, (int)frame.Length), marker);
                    frame.SetLength(0);
                }
            }
        }
        catch (WebSocketException)
        {
            return (messages, true);
        }
        catch (OperationCanceledException)
        {
            return (messages, false);
        }
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>
    /// Counts this Api's <c>lescopains.gateway.slow_connections_closed</c> measurements: the
    /// counter <c>/metrics</c> exports, read from the host's own meter.
    /// </summary>
    private sealed class SlowClosures : IDisposable
    {
        private readonly MeterListener listener = new();
        private long count;

        public SlowClosures(IServiceProvider services)
        {
            var meter = services.GetRequiredService<IMeterFactory>().Create("LesCopains");
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == meter && instrument.Name == "lescopains.gateway.slow_connections_closed")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref count, value));
            listener.Start();
        }

        public long Count => Interlocked.Read(ref count);

        public void Dispose() => listener.Dispose();
    }
}
