using LesCopains.Grains.Guilds;

namespace LesCopains.Api.Hubs;

/// <summary>
/// Puts the event batches of one guild back in the order their grains sent them. Orleans does not
/// promise that one-way calls from an activation reach an observer in the order they were made
/// (a message whose route is resolved asynchronously can be overtaken by the next one), so every
/// sending activation numbers its batches per node (<see cref="GuildEvent.RelaySource"/>,
/// <see cref="GuildEvent.RelaySeq"/>): a batch that arrives ahead of a missing one is held until
/// the missing one comes, or until <see cref="GapWait"/> passes (a call lost with a connection),
/// after which the held batches go out in order and clients refetch over the gap as after any
/// missed event. Not thread-safe: the gateway calls it under a lock.
/// </summary>
public sealed class EventSequencer
{
    /// <summary>How long a batch waits for an earlier one before it goes out without it.</summary>
    public static readonly TimeSpan GapWait = TimeSpan.FromMilliseconds(500);

    private sealed class Source
    {
        public long Next;
        public readonly SortedDictionary<long, IReadOnlyList<GuildEvent>> Held = [];
        public DateTimeOffset HeldSince;
        public DateTimeOffset LastSeen;
    }

    private readonly Dictionary<Guid, Source> sources = [];
    private int holding;

    /// <summary>Whether some batch is waiting for an earlier one.</summary>
    public bool Holding => holding > 0;

    /// <summary>
    /// Takes a batch as it arrived and adds to <paramref name="ready"/> the events that can go
    /// out now, in order. A batch without a stamp (from an older silo) goes out as it came.
    /// </summary>
    public void Accept(IReadOnlyList<GuildEvent> batch, DateTimeOffset now, List<GuildEvent> ready)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var (sourceId, seq) = (batch[0].RelaySource, batch[0].RelaySeq);
        if (sourceId == Guid.Empty || seq <= 0)
        {
            ready.AddRange(batch);
            return;
        }

        if (!sources.TryGetValue(sourceId, out var source))
        {
            // Every source numbers its calls to this node from 1, and the first call is the one
            // most likely to be overtaken (its route to this node is not cached yet).
            source = new Source { Next = 1 };
            sources[sourceId] = source;
        }

        source.LastSeen = now;
        if (seq < source.Next)
        {
            // Its gap was given up on: late is better than never, clients place it by id and seq.
            ready.AddRange(batch);
            return;
        }

        if (seq > source.Next)
        {
            if (source.Held.Count == 0)
            {
                source.HeldSince = now;
                holding++;
            }

            source.Held[seq] = batch;
            return;
        }

        ready.AddRange(batch);
        source.Next = seq + 1;
        ReleaseConsecutive(source, now, ready);
    }

    /// <summary>Lets out, in order, what has waited <see cref="GapWait"/> or longer for a missing batch.</summary>
    public void ReleaseOverdue(DateTimeOffset now, List<GuildEvent> ready)
    {
        foreach (var source in sources.Values)
        {
            if (source.Held.Count > 0 && now - source.HeldSince >= GapWait)
            {
                // Give up on every gap of this source at once: all of it has waited long enough.
                while (source.Held.Count > 0)
                {
                    source.Next = source.Held.Keys.First();
                    ReleaseConsecutive(source, now, ready);
                }
            }
        }
    }

    /// <summary>Drops what is known of sources silent since <paramref name="idleSince"/> with nothing held.</summary>
    public void Forget(DateTimeOffset idleSince)
    {
        foreach (var (id, source) in sources.Where(s => s.Value.Held.Count == 0 && s.Value.LastSeen < idleSince).ToList())
        {
            sources.Remove(id);
        }
    }

    private void ReleaseConsecutive(Source source, DateTimeOffset now, List<GuildEvent> ready)
    {
        var wasHolding = source.Held.Count > 0;
        while (source.Held.Remove(source.Next, out var next))
        {
            ready.AddRange(next);
            source.Next++;
        }

        if (wasHolding && source.Held.Count == 0)
        {
            holding--;
        }
        else if (source.Held.Count > 0)
        {
            // The next gap gets its own full wait.
            source.HeldSince = now;
        }
    }
}
