// Load tool: N authenticated SignalR clients in one guild, senders at a fixed total rate, and
// end-to-end latency measured from the send call to every other member's receipt (one process,
// one clock); optionally, accounts that come and go while it runs (presence churn), and how their
// presence reaches the others. Usage: see bench/README.md.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

var options = BenchOptions.Parse(args);
Console.WriteLine($"target {string.Join(", ", options.Urls)} ({options.Hub}): {options.Members} members, {string.Join(" then ", options.Rates)} msg/s for {options.Duration}s each ({options.Senders} senders)"
    + (options.Churners > 0 ? $"; {options.Churners} more accounts in the first guild coming and going, {string.Join(" then ", options.Churn)} presence changes/s" : ""));

// Accounts and the guild through the first node; member i connects to node i mod the number of nodes.
using var http = new HttpClient { BaseAddress = new Uri(options.Urls[0]), Timeout = TimeSpan.FromSeconds(60) };
var run = Guid.NewGuid().ToString("N")[..6];

// 1. Accounts (each from its own forwarded address so per-IP sign-up limits do not apply): the
// members, then the churners (--churn), who come and go in the first guild.
var accounts = options.Members + options.Churners;
var tokens = new string[accounts];
var userIds = new string[accounts];
var setup = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, accounts), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
{
    var username = $"b{run}_{i}";
    var ip = $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}";
    using var register = new HttpRequestMessage(HttpMethod.Post, "/api/auth/register") { Content = JsonContent.Create(new { username, password = "bench password 123" }) };
    register.Headers.Add("X-Forwarded-For", ip);
    (await http.SendAsync(register)).EnsureSuccessStatusCode();
    using var login = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { username, password = "bench password 123" }) };
    login.Headers.Add("X-Forwarded-For", ip);
    var response = await http.SendAsync(login);
    response.EnsureSuccessStatusCode();
    var body = await response.Content.ReadFromJsonAsync<JsonElement>();
    tokens[i] = body.GetProperty("accessToken").GetString()!;
    userIds[i] = body.GetProperty("user").GetProperty("id").GetString()!;
});
Console.WriteLine($"accounts ready in {setup.Elapsed.TotalSeconds:0.0}s");

HttpRequestMessage Authed(HttpMethod method, string path, string token, object? body = null)
{
    var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
    request.Headers.Authorization = new("Bearer", token);
    return request;
}

// 2. Guilds (one by default): member i is in guild i mod G, which member g created; the others join by invite.
var guildCount = options.Guilds;
var channelIds = new string[guildCount];
var guildIds = new string[guildCount];
var guildSizes = new int[guildCount];
for (var g = 0; g < guildCount; g++)
{
    var guild = await (await http.SendAsync(Authed(HttpMethod.Post, "/api/guilds", tokens[g], new { name = $"Bench {run} {g}" }))).Content.ReadFromJsonAsync<JsonElement>();
    var guildId = guildIds[g] = guild.GetProperty("id").GetString()!;
    channelIds[g] = guild.GetProperty("channels").EnumerateArray().First(c => c.GetProperty("name").GetString() == "general").GetProperty("id").GetString()!;
    var invite = await (await http.SendAsync(Authed(HttpMethod.Post, $"/api/guilds/{guildId}/invites", tokens[g], new { channelId = channelIds[g] }))).Content.ReadFromJsonAsync<JsonElement>();
    var code = invite.GetProperty("code").GetString()!;
    var joiners = Enumerable.Range(0, accounts).Where(i => (i < options.Members ? i % guildCount == g : g == 0) && i != g).Select(i => tokens[i]);
    await Parallel.ForEachAsync(joiners, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (token, _) =>
        (await http.SendAsync(Authed(HttpMethod.Post, $"/api/invites/{code}", token))).EnsureSuccessStatusCode());
    // The churners do not count: they do not listen for messages.
    guildSizes[g] = Enumerable.Range(0, options.Members).Count(i => i % guildCount == g);
}

// 3. Connections; every receipt of message:create records (now - sent timestamp in the content).
// Preallocated: a growing collection of millions of samples would make the tool's own GC pauses
// (which delay every receipt it measures) part of the numbers.
// Sized for the highest rate; emptied before each rate's phase.
var maxRate = options.Rates.Max();
var latencies = new Samples((long)maxRate * options.Duration * options.Members * 5 / 4 + 1024);
long deliveries = 0;

// Per message, its first and its last receipt (timestamps), to tell how long the fan-out to
// every member takes apart from how long the message takes to reach the first one.
var messageSlots = (int)Math.Min((long)maxRate * options.Duration * 5 / 4 + 1024, Array.MaxLength);
var firstReceipt = new long[messageSlots];
var lastReceipt = new long[messageSlots];
var sentAt = new long[messageSlots];

// A received bench message carries its send time and number: "t=<timestamp>;n=<number>;bench".
void Received(MessageCreated.Body? message, long now)
{
    var content = (message?.Content ?? "").AsSpan();
    if (!content.StartsWith("t=", StringComparison.Ordinal))
    {
        return;
    }

    content = content[2..];
    var end = content.IndexOf(';');
    if (end < 0 || !long.TryParse(content[..end], out var sent))
    {
        return;
    }

    latencies.Add(Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds);
    Interlocked.Increment(ref deliveries);
    content = content[(end + 1)..];
    if (content.StartsWith("n=", StringComparison.Ordinal) && content.IndexOf(';') is var numberEnd and > 2
        && int.TryParse(content[2..numberEnd], out var number) && number < messageSlots)
    {
        Keep(ref firstReceipt[number], now, (kept, candidate) => kept == 0 || candidate < kept);
        Keep(ref lastReceipt[number], now, (kept, candidate) => candidate > kept);
    }
}

// Stores the candidate timestamp unless another receipt (on another thread) already stored a better one.
static void Keep(ref long slot, long candidate, Func<long, long, bool> better)
{
    for (var kept = Volatile.Read(ref slot); better(kept, candidate) && Interlocked.CompareExchange(ref slot, candidate, kept) != kept; kept = Volatile.Read(ref slot))
    {
    }
}
// Presence (--churn): the first members parse each presence:update and time the churners' changes
// in it; the others only count the events.
var churn = new PresenceChurn(options, userIds);

// Opens account i's connection; it completes once the server's ready event arrived.
async Task<HubConnection> OpenAsync(int i, Action<HubConnection> listen)
{
    var token = tokens[i];
    var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var connection = new HubConnectionBuilder()
        .WithUrl(new Uri(new Uri(options.Urls[i % options.Urls.Count]), options.Hub), o =>
        {
            o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
            o.SkipNegotiation = true;
        })
        .Build();
    // The server's keep-alive: give up on it only after twice that without a message (the client's
    // fixed 30 s would drop a quiet connection between two of the default 30 s pings).
    connection.On<Ready>("ready", r =>
    {
        if (r.KeepAliveMs > 0)
        {
            connection.KeepAliveInterval = TimeSpan.FromMilliseconds(r.KeepAliveMs);
            connection.ServerTimeout = TimeSpan.FromMilliseconds(2 * r.KeepAliveMs);
        }

        ready.TrySetResult();
    });
    listen(connection);
    await connection.StartAsync();
    await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
    return connection;
}

var connections = new HubConnection[options.Members];
var connecting = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, options.Members), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) => connections[i] = await OpenAsync(i, connection =>
{
    // A two-field type instead of a JsonElement (a JsonDocument per receipt): the load tool shares
    // the machine, so its per-delivery cost is kept small.
    connection.On<MessageCreated>("message:create", e => Received(e.Message, Stopwatch.GetTimestamp()));

    // Messages the server had queued together arrive as one event; each still counts as a delivery.
    connection.On<MessagesCreated>("messages:create", e =>
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var message in e.Messages ?? [])
        {
            Received(message, now);
        }
    });
    churn.Observe(connection, i);
}));
Console.WriteLine($"{options.Members} connections open in {connecting.Elapsed.TotalSeconds:0.0}s");
if (options.Churners > 0)
{
    await churn.StartAsync(c => OpenAsync(options.Members + c, _ => { }));
}

// The snapshot a browser loads when it shows the first guild's member list: one entry per member online.
var snapshotTimes = new List<double>();
var snapshotBytes = 0;
for (var i = 0; i < 5; i++)
{
    var t = Stopwatch.GetTimestamp();
    using var snapshot = await http.SendAsync(Authed(HttpMethod.Get, $"/api/guilds/{guildIds[0]}/presences", tokens[0]));
    snapshotBytes = (await snapshot.EnsureSuccessStatusCode().Content.ReadAsByteArrayAsync()).Length;
    snapshotTimes.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
}

snapshotTimes.Sort();
Console.WriteLine($"presence snapshot of the first guild (GET …/presences, 5 in a row): {snapshotBytes:N0} bytes, median {snapshotTimes[2]:0.0} ms");

await Task.Delay(1000);

// 3b. Baseline: sequential hub Ping calls (transport, hub dispatch and the per-user rate-limit
// check, no grain), to split the acknowledgement's time into the hub's share and the send's.
var pings = new List<double>();
for (var i = 0; i < 200; i++)
{
    var t = Stopwatch.GetTimestamp();
    await connections[0].InvokeAsync<DateTimeOffset>("Ping");
    pings.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
}

pings.Sort();
Console.WriteLine($"hub Ping round trip ms (200 sequential, idle): p50 {pings[99]:0.00}  p99 {pings[197]:0.00}");

// Sequential sends, each awaited before the next (not counted as deliveries: no "t=" prefix).
var warm = new List<double>();
for (var i = 0; i < 100; i++)
{
    var t = Stopwatch.GetTimestamp();
    await connections[0].InvokeAsync<MessageCreated.Body>("SendMessage", new { channelId = channelIds[0], content = "warm-up " + i });
    warm.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
}

warm.Sort();
Console.WriteLine($"sequential send ack ms (100, back to back): p50 {warm[49]:0.00}  p99 {warm[98]:0.00}");
await Task.Delay(500);

// 4. Load: a fixed total rate spread over the senders, each send awaited for its acknowledgement.
// With several rates, one phase per rate on the same connections, each drained before the next.
var failures = 0;
foreach (var (rate, phase) in options.Rates.Select((r, i) => (r, i)))
{
    failures += await RunPhaseAsync(rate, options.Churn[phase % options.Churn.Count]) ? 0 : 1;
}

foreach (var connection in connections)
{
    await connection.DisposeAsync();
}

return failures > 0 ? 1 : 0;

async Task<bool> RunPhaseAsync(int rate, int churnRate)
{
    await Task.Delay(1000);
    latencies.Clear();
    Interlocked.Exchange(ref deliveries, 0);
    Array.Clear(firstReceipt);
    Array.Clear(lastReceipt);
    Array.Clear(sentAt);
    var acks = new Samples((long)rate * options.Duration * 5 / 4 + 1024);
    long sent = 0, failed = 0, numbered = -1, expected = 0;
    var interval = TimeSpan.FromSeconds(rate > 0 ? options.Senders / (double)rate : 0);
    var deadline = Stopwatch.GetTimestamp() + (long)(options.Duration * Stopwatch.Frequency);
    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var watchedBefore = options.Watch.Select(ProcessCpu.Seconds).ToArray();
    var gcPauseBefore = GC.GetTotalPauseDuration();
    var gen2Before = GC.CollectionCount(2);
    var wall = Stopwatch.StartNew();
    var churning = churn.RunAsync(churnRate, deadline);
    var senders = Enumerable.Range(0, rate > 0 ? options.Senders : 0).Select(async s =>
    {
        var connection = connections[s % connections.Length];
        var guild = s % connections.Length % guildCount;
        var next = Stopwatch.GetTimestamp() + (long)(interval.TotalSeconds * Stopwatch.Frequency * s / options.Senders);
        var inflight = new List<Task>();
        while (next < deadline)
        {
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
            var start = Stopwatch.GetTimestamp();
            inflight.Add(Send(connection, guild, start));
        }

        await Task.WhenAll(inflight);
    }).ToList();

    async Task Send(HubConnection connection, int guild, long start)
    {
        try
        {
            var number = Interlocked.Increment(ref numbered);
            if (number < messageSlots)
            {
                sentAt[number] = start;
            }

            await connection.InvokeAsync<MessageCreated.Body>("SendMessage", new { channelId = channelIds[guild], content = $"t={start};n={number};bench" });
            acks.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            Interlocked.Increment(ref sent);
            Interlocked.Add(ref expected, guildSizes[guild]);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref failed);
        }
    }

    await Task.WhenAll(senders);
    await churning;
    var sendWindow = wall.Elapsed.TotalSeconds;
    var watchedCores = options.Watch.Select((pid, i) => Math.Round((ProcessCpu.Seconds(pid) - watchedBefore[i]) / sendWindow, 3)).ToArray();
    // Every member of the sender's guild, the sender included, receives each message.
    var drain = Stopwatch.StartNew();
    while (Interlocked.Read(ref deliveries) < expected && drain.Elapsed < TimeSpan.FromSeconds(30))
    {
        await Task.Delay(50);
    }

    var presence = options.Churners > 0 ? await churn.ReportAsync(sendWindow) : null;
    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
    static double P(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    var e2e = latencies.ToList();
    var gcPause = GC.GetTotalPauseDuration() - gcPauseBefore;
    var gen2 = GC.CollectionCount(2) - gen2Before;
    e2e.Sort();
    var ack = acks.ToList();
    ack.Sort();
    var toFirst = new List<double>();
    var spread = new List<double>();
    for (var i = 0; i < Math.Min(messageSlots, Interlocked.Read(ref numbered) + 1); i++)
    {
        if (firstReceipt[i] != 0)
        {
            toFirst.Add(Stopwatch.GetElapsedTime(sentAt[i], firstReceipt[i]).TotalMilliseconds);
            spread.Add(Stopwatch.GetElapsedTime(firstReceipt[i], lastReceipt[i]).TotalMilliseconds);
        }
    }

    toFirst.Sort();
    spread.Sort();
    Console.WriteLine($"sent {sent} (failed {failed}) in {sendWindow:0.0}s = {sent / sendWindow:0.0} durable sends/s");
    Console.WriteLine($"delivered {deliveries} of {expected} = {deliveries / sendWindow:0} deliveries/s");
    Console.WriteLine($"ack latency ms: p50 {P(ack, 0.50):0.00}  p95 {P(ack, 0.95):0.00}  p99 {P(ack, 0.99):0.00}  max {ack.LastOrDefault():0.00}");
    Console.WriteLine($"end-to-end ms:  p50 {P(e2e, 0.50):0.00}  p95 {P(e2e, 0.95):0.00}  p99 {P(e2e, 0.99):0.00}  max {e2e.LastOrDefault():0.00}");
    Console.WriteLine($"first member ms: p50 {P(toFirst, 0.50):0.00}  p99 {P(toFirst, 0.99):0.00}; first to last member ms: p50 {P(spread, 0.50):0.00}  p99 {P(spread, 0.99):0.00}");
    Console.WriteLine($"load generator CPU: {cpu:0.0}s over {sendWindow:0.0}s; its GC paused it {gcPause.TotalMilliseconds:0} ms ({gen2} full collections)");
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        nodes = options.Urls.Count, guilds = guildCount, options.Members, Rate = rate, churn = churnRate, options.Senders, options.Duration, sent, failed, deliveries, expected,
        sendsPerSecond = sent / sendWindow, deliveriesPerSecond = deliveries / sendWindow,
        pingP50 = pings[99], sequentialAckP50 = warm[49], ackP50 = P(ack, 0.5), ackP99 = P(ack, 0.99), e2eP50 = P(e2e, 0.5), e2eP95 = P(e2e, 0.95), e2eP99 = P(e2e, 0.99), e2eMax = e2e.LastOrDefault(),
        firstP50 = P(toFirst, 0.5), firstP99 = P(toFirst, 0.99), spreadP50 = P(spread, 0.5), spreadP99 = P(spread, 0.99),
        toolCpuSeconds = cpu, toolGcPauseMs = gcPause.TotalMilliseconds, toolGen2 = gen2,
        watchedPids = options.Watch, watchedCores, presence,
    }, new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals })); // NaN: no sends (--rate 0)
    if (options.Watch.Count > 0)
    {
        Console.WriteLine($"watched processes' CPU over the send window (cores): {string.Join(", ", options.Watch.Select((pid, i) => $"{pid} {watchedCores[i]:0.00}"))}");
    }

    // Fewer is a loss, more is a duplicate delivery: both are failures; so is a presence change
    // that did not reach every observer.
    return failed == 0 && deliveries == expected && presence?.Complete != false;
}



/// <summary>Latency samples in one array sized up front; any beyond it go to a bag.</summary>
internal sealed class Samples(long capacity)
{
    private readonly double[] values = new double[Math.Min(capacity, Array.MaxLength)];
    private readonly ConcurrentBag<double> overflow = [];
    private long count;

    public void Add(double value)
    {
        var i = Interlocked.Increment(ref count) - 1;
        if (i < values.Length)
        {
            values[i] = value;
        }
        else
        {
            overflow.Add(value);
        }
    }

    public void Clear()
    {
        Interlocked.Exchange(ref count, 0);
        overflow.Clear();
    }

    public List<double> ToList()
    {
        var n = (int)Math.Min(Interlocked.Read(ref count), values.Length);
        var list = new List<double>(n + overflow.Count);
        list.AddRange(values.AsSpan(0, n));
        list.AddRange(overflow);
        return list;
    }
}

/// <summary>The part of <c>message:create</c> (and of the acknowledgement) the tool reads.</summary>
internal sealed record MessageCreated(MessageCreated.Body? Message)
{
    internal sealed record Body(string? Content);
}

/// <summary>The part of <c>messages:create</c> the tool reads.</summary>
internal sealed record MessagesCreated(IReadOnlyList<MessageCreated.Body>? Messages);

/// <summary>The part of <c>ready</c> the tool reads: the server's keep-alive period.</summary>
internal sealed record Ready(long KeepAliveMs);

/// <summary>CPU time of another process of this machine (Linux <c>/proc</c>), to report a server's CPU next to the tool's.</summary>
internal static class ProcessCpu
{
    public static double Seconds(int pid)
    {
        // utime and stime are fields 14 and 15, counted after the command name's closing parenthesis.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
    }
}

internal sealed record BenchOptions(IReadOnlyList<string> Urls, int Members, IReadOnlyList<int> Rates, int Duration, int Senders, string Hub, IReadOnlyList<int> Watch, int Guilds, IReadOnlyList<int> Churn, int Churners)
{
    public static BenchOptions Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        static int[] Ints(string list) => [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => int.Parse(x, System.Globalization.CultureInfo.InvariantCulture))];

        var members = int.Parse(Get("members", "100"), System.Globalization.CultureInfo.InvariantCulture);
        // Members split over this many guilds; every guild gets at least one sender.
        var guilds = Math.Clamp(int.Parse(Get("guilds", "1"), System.Globalization.CultureInfo.InvariantCulture), 1, members);
        // Presence changes per second, by accounts that come and go (a list: one per phase, in turn with
        // --rate's); each stays online, then offline, for churners / churn seconds (4 s at the highest
        // rate by default, well past the guild's 1 s coalescing window).
        var churn = Ints(Get("churn", "0")).Select(c => Math.Max(0, c)).ToArray();
        var churners = churn.Max() == 0 ? 0 : Math.Max(2, int.Parse(Get("churners", (4 * churn.Max()).ToString(System.Globalization.CultureInfo.InvariantCulture)), System.Globalization.CultureInfo.InvariantCulture));
        return new BenchOptions(
            // Several Api nodes of one cluster: comma-separated; members are spread over them in turn.
            Get("url", "http://127.0.0.1:3000").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            members,
            // --rate 50, or --rate 50,100,150: one load phase per rate on the same connections.
            Ints(Get("rate", "50")),
            int.Parse(Get("duration", "20"), System.Globalization.CultureInfo.InvariantCulture),
            Math.Min(members, Math.Max(guilds, int.Parse(Get("senders", "10"), System.Globalization.CultureInfo.InvariantCulture))),
            // SignalR's endpoint, as browsers connect; /hubs/gateway/ws for the direct transport (DIRECT_WEBSOCKETS).
            Get("hub", "/hubs/gateway"),
            // Processes (pids) whose CPU to report per phase, e.g. the server's.
            Ints(Get("watch", "")),
            guilds,
            churn,
            churners);
    }
}
