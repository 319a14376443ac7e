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
}
