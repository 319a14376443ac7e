using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

/// <summary>
/// People coming and going (<c>--churn</c>): churner accounts in the first guild close their connection
/// (offline) or open a new one (online), in turn, at a fixed total rate. The first
/// <see cref="TimedObservers"/> members parse every <c>presence:update</c> and time each churner's
/// change from the moment it acted (the connection's start or close) to its arrival; every member
/// counts the events it receives, to compare with one event per change and member.
/// </summary>
internal sealed class PresenceChurn(BenchOptions options, string[] userIds)
{
    private const int TimedObservers = 50;

    /// <summary>The groups of a <c>presence:update</c> (user ids grouped by status).</summary>
    private static readonly string[] Statuses = ["online", "idle", "dnd", "offline"];

    private readonly Dictionary<string, int> churnerOf = Enumerable.Range(0, options.Churners).ToDictionary(c => userIds[options.Members + c], c => c);
    private readonly HubConnection?[] online = new HubConnection?[options.Churners];
    private readonly Task[] pending = Enumerable.Repeat(Task.CompletedTask, options.Churners).ToArray();

    /// <summary>Per churner: when it last went online, and offline. A change is timed from the last action
    /// that matches it (a change that arrives later than the next action of its churner, churners / churn
    /// seconds later, would be timed from that one; the report's max shows whether that can happen).</summary>
    private readonly long[] onlineAt = new long[options.Churners];
    private readonly long[] offlineAt = new long[options.Churners];

    private readonly Samples latency = new((long)options.Churn.Max() * options.Duration * TimedObservers * 5 / 4 + 1024);
    private readonly Samples readyLatency = new((long)options.Churn.Max() * options.Duration + 1024);
    private Func<int, Task<HubConnection>> open = _ => throw new InvalidOperationException("not started");
    private long events;
    private long timedEvents;
    private long entries;
    private long payloadBytes;
    private long seen;
    private long changes;
    private long failures;
    private int turn;

    private int Observers => Math.Min(TimedObservers, options.Members);

    /// <summary>Registers member <paramref name="member"/>'s presence:update listener.</summary>
    public void Observe(HubConnection connection, int member)
    {
        if (options.Churners == 0)
        {
            return;
        }

        if (member >= TimedObservers)
        {
            connection.On<PresenceCount>("presence:update", e =>
            {
                Interlocked.Increment(ref events);
            });
            return;
        }

        connection.On<JsonElement>("presence:update", e =>
        {
            var now = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref events);
            Interlocked.Increment(ref timedEvents);
            Interlocked.Add(ref payloadBytes, Encoding.UTF8.GetByteCount(e.GetRawText()));
            foreach (var status in Statuses)
            {
                if (!e.TryGetProperty(status, out var ids))
                {
                    continue;
                }

                foreach (var id in ids.EnumerateArray())
                {
                    Interlocked.Increment(ref entries);
                    if (id.GetString() is { } userId && churnerOf.TryGetValue(userId, out var c)
                        && Volatile.Read(ref (status == "offline" ? ref offlineAt[c] : ref onlineAt[c])) is var at and not 0)
                    {
                        latency.Add(Stopwatch.GetElapsedTime(at, now).TotalMilliseconds);
                        Interlocked.Increment(ref seen);
                    }
                }
            }
        });
    }

    /// <summary>Brings every churner online (not measured) and waits for their presence to settle.</summary>
    public async Task StartAsync(Func<int, Task<HubConnection>> opener)
    {
        open = opener;
        var started = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Churners), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (c, _) =>
        {
            online[c] = await open(c);
        });
        Console.WriteLine($"{options.Churners} churners online in {started.Elapsed.TotalSeconds:0.0}s");
        await Task.Delay(3000);
    }

    /// <summary>Toggles churners in turn, <paramref name="rate"/> changes per second, until <paramref name="deadline"/>.</summary>
    public async Task RunAsync(int rate, long deadline)
    {
        Interlocked.Exchange(ref events, 0);
        Interlocked.Exchange(ref timedEvents, 0);
        Interlocked.Exchange(ref entries, 0);
        Interlocked.Exchange(ref payloadBytes, 0);
        Interlocked.Exchange(ref seen, 0);
        Interlocked.Exchange(ref changes, 0);
        Interlocked.Exchange(ref failures, 0);
        latency.Clear();
        readyLatency.Clear();
        if (rate == 0)
        {
            return;
        }

        var interval = (long)(Stopwatch.Frequency / (double)rate);
        var next = Stopwatch.GetTimestamp();
        while (next < deadline)
        {
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            next += interval;
            var c = turn++ % options.Churners;
            var before = pending[c];
            pending[c] = ToggleAfterAsync(before, c);
        }

        await Task.WhenAll(pending);
    }

    private async Task ToggleAfterAsync(Task before, int c)
    {
        await before;
        try
        {
            if (online[c] is { } connection)
            {
                online[c] = null;
                Volatile.Write(ref offlineAt[c], Stopwatch.GetTimestamp());
                Interlocked.Increment(ref changes);
                await connection.DisposeAsync();
            }
            else
            {
                var start = Stopwatch.GetTimestamp();
                Volatile.Write(ref onlineAt[c], start);
                Interlocked.Increment(ref changes);
                online[c] = await open(c);
                readyLatency.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }
        catch (Exception)
        {
            Interlocked.Increment(ref failures);
        }
    }

    /// <summary>Waits (up to 10 s) for the last changes to reach the timed observers, prints, and returns the figures.</summary>
    public async Task<Report> ReportAsync(double window)
    {
        var expected = Interlocked.Read(ref changes) * Observers;
        var drain = Stopwatch.StartNew();
        while (Interlocked.Read(ref seen) < expected && drain.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        var times = latency.ToList();
        times.Sort();
        var ready = readyLatency.ToList();
        ready.Sort();
        static double P(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        var report = new Report(
            Interlocked.Read(ref changes), Interlocked.Read(ref failures), Interlocked.Read(ref seen), expected,
            Interlocked.Read(ref events), Interlocked.Read(ref events) / window, Interlocked.Read(ref changes) * options.Members / window,
            Interlocked.Read(ref entries) / (double)Math.Max(1, Interlocked.Read(ref timedEvents)),
            Interlocked.Read(ref payloadBytes) / (double)Math.Max(1, Interlocked.Read(ref entries)),
            P(times, 0.5), P(times, 0.95), P(times, 0.99), times.LastOrDefault(), P(ready, 0.5), P(ready, 0.99));
        Console.WriteLine($"presence: {report.Changes} changes ({report.Failures} failed) = {report.Changes / window:0.0}/s; seen by the {Observers} timed observers {report.Seen} of {report.Expected}");
        Console.WriteLine($"presence events received by all {options.Members} members: {report.EventsPerSecond:0}/s (one event per change and member would be {report.UncoalescedPerSecond:0}/s); ≈ {report.EntriesPerEvent:0.0} changes per event, ≈ {report.BytesPerChange:0.0} bytes of JSON per change");
        Console.WriteLine($"change → observer ms: p50 {report.P50:0}  p95 {report.P95:0}  p99 {report.P99:0}  max {report.Max:0}; churner connect → ready ms: p50 {report.ReadyP50:0.0}  p99 {report.ReadyP99:0.0}");
        return report;
    }

    internal sealed record Report(
        long Changes, long Failures, long Seen, long Expected, long Events, double EventsPerSecond, double UncoalescedPerSecond,
        double EntriesPerEvent, double BytesPerChange, double P50, double P95, double P99, double Max, double ReadyP50, double ReadyP99)
    {
        public bool Complete => Failures == 0 && Seen == Expected;
    }
}

/// <summary>What the other members read of <c>presence:update</c>: nothing but its arrival.</summary>
internal sealed record PresenceCount(string? GuildId);
