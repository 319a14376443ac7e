using LesCopains.Api.Hubs;
using LesCopains.Grains.Guilds;

namespace LesCopains.Api.Tests;

/// <summary>How a node puts the numbered event batches of each grain activation back in order.</summary>
public sealed class EventSequencerTests
{
    private static readonly Guid Guild = Guid.NewGuid();
    private static readonly Guid Channel = Guid.NewGuid();
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private readonly EventSequencer sequencer = new();

    [Fact]
    public void Batches_in_order_go_straight_out()
    {
        var source = Guid.NewGuid();

        Assert.Equal(["1a", "1b"], Accept(Batch(source, 1, "1a", "1b")));
        Assert.Equal(["2"], Accept(Batch(source, 2, "2")));
        Assert.False(sequencer.Holding);
    }

    [Fact]
    public void A_batch_that_overtook_an_earlier_one_waits_for_it_and_both_go_out_in_order()
    {
        var source = Guid.NewGuid();
        Accept(Batch(source, 1, "1"));

        Assert.Empty(Accept(Batch(source, 3, "3")));
        Assert.True(sequencer.Holding);
        Assert.Empty(Accept(Batch(source, 4, "4")));
        Assert.Equal(["2", "3", "4"], Accept(Batch(source, 2, "2")));
        Assert.False(sequencer.Holding);
        Assert.Equal(["5"], Accept(Batch(source, 5, "5")));
    }

    [Fact]
    public void The_first_batch_of_a_stream_is_waited_for_when_the_second_arrives_first()
    {
        var source = Guid.NewGuid();

        Assert.Empty(Accept(Batch(source, 2, "2")));
        Assert.Equal(["1", "2"], Accept(Batch(source, 1, "1")));
    }

    [Fact]
    public void Held_batches_go_out_in_order_once_they_have_waited_GapWait_for_one_that_never_comes()
    {
        var source = Guid.NewGuid();
        Accept(Batch(source, 1, "1"));
        Accept(Batch(source, 4, "4"), T0);
        Accept(Batch(source, 3, "3"), T0);
        Accept(Batch(source, 6, "6"), T0);

        Assert.Empty(Release(T0 + EventSequencer.GapWait - TimeSpan.FromMilliseconds(1)));
        Assert.True(sequencer.Holding);

        Assert.Equal(["3", "4", "6"], Release(T0 + EventSequencer.GapWait));
        Assert.False(sequencer.Holding);
        Assert.Equal(["7"], Accept(Batch(source, 7, "7")));

        // The lost one turning up after all still goes out, late rather than never.
        Assert.Equal(["2"], Accept(Batch(source, 2, "2")));
    }

    [Fact]
    public void Sources_are_ordered_independently_and_one_waiting_does_not_hold_up_another()
    {
        var (channel, guild) = (Guid.NewGuid(), Guid.NewGuid());
        Accept(Batch(channel, 1, "c1"));

        Assert.Empty(Accept(Batch(channel, 3, "c3")));
        Assert.Equal(["g1"], Accept(Batch(guild, 1, "g1")));
        Assert.Equal(["c2", "c3"], Accept(Batch(channel, 2, "c2")));
    }

    [Fact]
    public void Unnumbered_batches_from_older_silos_go_out_as_they_come()
    {
        var unnumbered = new[] { new GuildEvent(Guild, "message:create", "x", Channel, null, 1) };

        Assert.Equal(["x"], Accept(unnumbered));
        Assert.False(sequencer.Holding);
    }

    [Fact]
    public void Forgetting_keeps_sources_that_are_active_or_waiting_and_drops_the_idle_ones()
    {
        var (idle, active, waiting) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        Accept(Batch(idle, 1, "i1"), T0);
        Accept(Batch(waiting, 2, "w2"), T0);
        Accept(Batch(active, 1, "a1"), T0 + TimeSpan.FromMinutes(2));

        sequencer.Forget(T0 + TimeSpan.FromMinutes(1));

        Assert.Equal(["a2"], Accept(Batch(active, 2, "a2")));
        Assert.Equal(["w1", "w2"], Accept(Batch(waiting, 1, "w1")));

        // A forgotten source is a new one: its next call waits for a first that already went out.
        Assert.Empty(Accept(Batch(idle, 2, "i2"), T0));
        Assert.Equal(["i2"], Release(T0 + EventSequencer.GapWait));
    }

    private List<string> Accept(GuildEvent[] batch, DateTimeOffset? now = null)
    {
        var ready = new List<GuildEvent>();
        sequencer.Accept(batch, now ?? T0, ready);
        return ready.Select(e => e.PayloadJson).ToList();
    }

    private List<string> Release(DateTimeOffset now)
    {
        var ready = new List<GuildEvent>();
        sequencer.ReleaseOverdue(now, ready);
        return ready.Select(e => e.PayloadJson).ToList();
    }

    private static GuildEvent[] Batch(Guid source, long seq, params string[] payloads) =>
        payloads.Select(p => new GuildEvent(Guild, "message:create", p, Channel, null, 1) { RelaySource = source, RelaySeq = seq }).ToArray();
}
