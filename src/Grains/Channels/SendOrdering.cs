namespace LesCopains.Grains.Channels;

/// <summary>
/// Keeps each connection's sends to one channel in the order the connection made them. The Api
/// lets a connection have several sends in flight and numbers them (<see cref="SendOrder"/>); their
/// calls may still overtake each other on the way, and a send's checks may wait on a lookup. So a
/// send waits here until the one numbered before it has been given its sequence number (or has
/// failed), and says so when it is done with its own.
/// </summary>
/// <remarks>
/// A send whose predecessor never arrives (its call was lost with a node) goes ahead after
/// <see cref="MaxWait"/>. A stream the channel has not seen (or forgot, idle for a minute) starts
/// after the sends its first arriving send says are settled (<see cref="SendOrder.Settled"/>): the
/// ones between are still on their way, even when a later one arrives first. Runs on the grain's
/// scheduler: no locking.
/// </remarks>
internal sealed class SendOrdering(TimeProvider time)
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan IdleKept = TimeSpan.FromMinutes(1);
    private const int SweepAbove = 1024;

    private sealed class Stream
    {
        /// <summary>Every send up to this number has its sequence number, has failed, or was given up on (<see cref="MaxWait"/>).</summary>
        public long Done;
        public int InFlight;
        public DateTimeOffset LastUsed;
        public readonly Dictionary<long, TaskCompletionSource> Waiting = [];
    }

    private readonly Dictionary<Guid, Stream> streams = [];

    /// <summary>Forgets idle streams when there are this many: at least twice what the last sweep kept.</summary>
    private int sweepAt = SweepAbove;

    /// <summary>Completes when <paramref name="order"/>'s predecessor is done, or after <see cref="MaxWait"/>.</summary>
    public Task WaitTurnAsync(SendOrder order)
    {
        var now = time.GetUtcNow();
        if (!streams.TryGetValue(order.Stream, out var stream))
        {
            if (streams.Count >= sweepAt)
            {
                Sweep(now);
            }

            stream = new Stream { Done = Math.Min(order.Settled, order.Number - 1) };
            streams[order.Stream] = stream;
        }
        else
        {
            // The sender knows these are over (answered, or failed on the way): nothing to wait for.
            Advance(stream, Math.Min(order.Settled, order.Number - 1));
        }

        stream.InFlight++;
        stream.LastUsed = now;
        if (order.Number <= stream.Done + 1 || stream.Waiting.ContainsKey(order.Number))
        {
            return Task.CompletedTask;
        }

        var turn = new TaskCompletionSource();
        stream.Waiting[order.Number] = turn;
        return WaitAsync(stream, order.Number, turn);
    }

    /// <summary>The send numbered <paramref name="order"/> has its sequence number, or failed before it got one.</summary>
    public void Done(SendOrder order)
    {
        if (!streams.TryGetValue(order.Stream, out var stream))
        {
            return;
        }

        stream.InFlight--;
        stream.LastUsed = time.GetUtcNow();
        Advance(stream, order.Number);
    }

    private static void Advance(Stream stream, long done)
    {
        if (done <= stream.Done)
        {
            return;
        }

        stream.Done = done;
        if (stream.Waiting.Count == 0)
        {
            return;
        }

        // Usually just the next one; more when Done jumped past sends that are still waiting (a send
        // that went ahead after MaxWait finished before them, or ones the sender settled).
        foreach (var number in stream.Waiting.Keys.Where(n => n <= stream.Done + 1).ToList())
        {
            stream.Waiting.Remove(number, out var next);
            next!.TrySetResult();
        }
    }

    private async Task WaitAsync(Stream stream, long number, TaskCompletionSource turn)
    {
        try
        {
            await turn.Task.WaitAsync(MaxWait, time);
        }
        catch (TimeoutException)
        {
            // The predecessor is not coming (or is stuck): go ahead rather than hold the stream.
            stream.Waiting.Remove(number);
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        var idle = streams
            .Where(s => s.Value.InFlight == 0 && s.Value.Waiting.Count == 0 && now - s.Value.LastUsed > IdleKept)
            .Select(s => s.Key)
            .ToList();
        foreach (var key in idle)
        {
            streams.Remove(key);
        }

        sweepAt = Math.Max(SweepAbove, streams.Count * 2);
    }
}
