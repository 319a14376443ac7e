namespace LesCopains.Grains.Guilds;

/// <summary>
/// Numbers the one-way calls an activation makes to each Api node, from 1 per node, so the node can
/// restore their order when Orleans delivers them out of it (see the Api's EventSequencer). A new
/// activation is a new source and starts again from 1.
/// </summary>
internal sealed class RelayNumbering
{
    private readonly Guid source = Guid.NewGuid();

    // One entry per Api node process this activation has sent to: a handful, kept for its lifetime
    // so a node that drops out and comes back continues its count instead of restarting it.
    private readonly Dictionary<GrainId, long> sent = [];

    public GuildEvent[] Stamp(IGuildObserver node, GuildEvent[] events)
    {
        var seq = Next(node);
        return Array.ConvertAll(events, e => e with { RelaySource = source, RelaySeq = seq });
    }

    public GuildEvent Stamp(IGuildObserver node, GuildEvent evt) =>
        evt with { RelaySource = source, RelaySeq = Next(node) };

    private long Next(IGuildObserver node)
    {
        var id = node.GetGrainId();
        var seq = sent.GetValueOrDefault(id) + 1;
        sent[id] = seq;
        return seq;
    }
}
