using System.Diagnostics;
using LesCopains.Grains.Channels;

namespace LesCopains.Api.Tests;

public class SendOrderingTests
{
    [Fact]
    public async Task Sends_still_waiting_are_let_go_when_a_later_one_went_ahead_after_the_wait()
    {
        var ordering = new SendOrdering(TimeProvider.System);
        var stream = Guid.NewGuid();
        SendOrder N(long n) => new(stream, n);
        await ordering.WaitTurnAsync(N(1));
        ordering.Done(N(1));

        // 5 waits for 4, and 3 (1.5 s later) for 2; neither 2 nor 4 ever comes.
        var five = ordering.WaitTurnAsync(N(5));
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var three = ordering.WaitTurnAsync(N(3));
        Assert.False(three.IsCompleted);

        await five.WaitAsync(TimeSpan.FromSeconds(10));
        ordering.Done(N(5));

        // 5 is stored already, so holding 3 any longer keeps nothing in order: it goes now, not at
        // its own wait's end (≈ 1.5 s from now).
        var released = Stopwatch.StartNew();
        await three.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(released.Elapsed < TimeSpan.FromSeconds(0.75), $"released after {released.Elapsed}");
        ordering.Done(N(3));

        // And the stream goes on from 5.
        Assert.True(ordering.WaitTurnAsync(N(6)).IsCompleted);
    }

    [Fact]
    public void A_stream_first_seen_through_a_later_send_waits_for_the_ones_before_it_that_are_not_settled()
    {
        var ordering = new SendOrdering(TimeProvider.System);
        var stream = Guid.NewGuid();

        // The connection's third send overtook its first two: none is settled yet, so it waits.
        var three = ordering.WaitTurnAsync(new SendOrder(stream, 3, Settled: 0));
        var one = ordering.WaitTurnAsync(new SendOrder(stream, 1, Settled: 0));
        var two = ordering.WaitTurnAsync(new SendOrder(stream, 2, Settled: 0));
        Assert.True(one.IsCompleted);
        Assert.False(two.IsCompleted);
        Assert.False(three.IsCompleted);

        ordering.Done(new SendOrder(stream, 1));
        Assert.True(two.IsCompleted);
        Assert.False(three.IsCompleted);
        ordering.Done(new SendOrder(stream, 2));
        Assert.True(three.IsCompleted);
    }

    [Fact]
    public void Sends_the_sender_has_settled_are_not_waited_for()
    {
        var ordering = new SendOrdering(TimeProvider.System);
        var stream = Guid.NewGuid();

        // A channel that forgot the stream (or a new activation) meets its 41st send, 40 settled.
        Assert.True(ordering.WaitTurnAsync(new SendOrder(stream, 41, Settled: 40)).IsCompleted);
        ordering.Done(new SendOrder(stream, 41));

        // 43 waits for 42 until a later send says 42 is over (its call failed on the way).
        var fortyThree = ordering.WaitTurnAsync(new SendOrder(stream, 43, Settled: 41));
        Assert.False(fortyThree.IsCompleted);
        var fortyFour = ordering.WaitTurnAsync(new SendOrder(stream, 44, Settled: 42));
        Assert.True(fortyThree.IsCompleted);
        Assert.False(fortyFour.IsCompleted);
        ordering.Done(new SendOrder(stream, 43));
        Assert.True(fortyFour.IsCompleted);
    }
}
