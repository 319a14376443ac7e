using LesCopains.Api.Hubs;

namespace LesCopains.Api.Tests;

public class InvocationOrderTests
{
    [Fact]
    public async Task Calls_take_turns_in_the_order_they_came_and_a_released_turn_is_not_given_back_twice()
    {
        var order = new InvocationOrder();
        var first = await order.EnterAsync();
        var second = order.EnterAsync().AsTask();
        var third = order.EnterAsync().AsTask();
        Assert.False(second.IsCompleted);

        // The first call (a send) gives up its turn early: the second starts, the third still waits.
        order.Release();
        var secondTurn = await second.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(third.IsCompleted);

        // The send finishing later must not hand out the second call's turn.
        first.Exit();
        await Task.Delay(50);
        Assert.False(third.IsCompleted);

        secondTurn.Exit();
        (await third.WaitAsync(TimeSpan.FromSeconds(5))).Exit();
    }

    [Fact]
    public void Sends_are_numbered_per_channel_within_one_stream()
    {
        var order = new InvocationOrder();
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        var numbers = new[] { order.NextSend(a), order.NextSend(a), order.NextSend(b), order.NextSend(a) };
        Assert.Equal([1L, 2L, 1L, 3L], numbers.Select(n => n.Number));
        Assert.Single(numbers.Select(n => n.Stream).Distinct());
        Assert.NotEqual(numbers[0].Stream, new InvocationOrder().NextSend(a).Stream);
    }

    [Fact]
    public void A_send_carries_how_far_the_channels_earlier_sends_are_all_settled()
    {
        var order = new InvocationOrder();
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        var (one, two, three) = (order.NextSend(a), order.NextSend(a), order.NextSend(a));
        Assert.Equal([0L, 0L, 0L], new[] { one.Settled, two.Settled, three.Settled });

        // 2 is answered before 1: nothing is settled up to a number until 1 is too.
        order.Settle(a, two);
        Assert.Equal(0, order.NextSend(a).Settled);
        order.Settle(a, one);
        Assert.Equal(2, order.NextSend(a).Settled);
        order.Settle(a, three);
        Assert.Equal(3, order.NextSend(a).Settled);

        // Per channel, and settling twice changes nothing.
        Assert.Equal(0, order.NextSend(b).Settled);
        order.Settle(a, one);
        Assert.Equal(3, order.NextSend(a).Settled);
    }
}
