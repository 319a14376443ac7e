using LesCopains.Grains.Channels;
using Microsoft.AspNetCore.SignalR;

namespace LesCopains.Api.Hubs;

/// <summary>
/// One connection's hub calls, run one at a time in the order they came, as if SignalR ran one
/// call per connection, except that a message send gives up its turn once the channel has it in
/// line (<see cref="Release"/>) instead of when its commit is acknowledged. So a client (a bot, a
/// bridge, a person pasting fast) can have several sends in flight on one connection, and they
/// are still stored in the order it sent them (<see cref="SendOrder"/>, kept by the channel grain).
/// </summary>
public sealed class InvocationOrder
{
    /// <summary>Calls SignalR may start per connection: sends in flight, plus one call waiting for its turn.</summary>
    public const int MaxInvocationsInFlight = 32;

    private static readonly object Key = new();

    /// <summary>FIFO for asynchronous waiters, so calls get their turn in the order they started.</summary>
    private readonly SemaphoreSlim turn = new(1, 1);
    private readonly Guid stream = Guid.NewGuid();
    private readonly Dictionary<Guid, Sends> sends = [];
    private Turn? current;

    /// <summary>One channel's sends from this connection: the last number given, and how far they are all settled.</summary>
    private sealed class Sends
    {
        public long Last;
        public long Settled;

        /// <summary>Settled sends above <see cref="Settled"/>, waiting for the ones before them.</summary>
        public readonly SortedSet<long> SettledAbove = [];
    }

    public static void Attach(HubCallerContext context) => context.Items[Key] = new InvocationOrder();

    public static InvocationOrder Of(HubCallerContext context) =>
        context.Items.TryGetValue(Key, out var order) && order is InvocationOrder o
            ? o
            : throw new InvalidOperationException("The connection has no invocation order (InvocationOrderFilter is not registered).");

    /// <summary>Waits for the calls started before this one to finish or give up their turn.</summary>
    public async ValueTask<Turn> EnterAsync()
    {
        await turn.WaitAsync();
        current = new Turn(this);
        return current;
    }

    /// <summary>The place of the current call's send among this connection's sends to <paramref name="channelId"/>.</summary>
    public SendOrder NextSend(Guid channelId)
    {
        lock (sends)
        {
            if (!sends.TryGetValue(channelId, out var channel))
            {
                channel = new Sends();
                sends[channelId] = channel;
            }

            channel.Last++;
            return new SendOrder(stream, channel.Last, channel.Settled);
        }
    }

    /// <summary>
    /// The send numbered <paramref name="order"/> to <paramref name="channelId"/> was answered or
    /// failed: later sends tell the channel not to wait for it (<see cref="SendOrder.Settled"/>).
    /// </summary>
    public void Settle(Guid channelId, SendOrder order)
    {
        lock (sends)
        {
            if (!sends.TryGetValue(channelId, out var channel) || order.Number <= channel.Settled)
            {
                return;
            }

            channel.SettledAbove.Add(order.Number);
            while (channel.SettledAbove.Remove(channel.Settled + 1))
            {
                channel.Settled++;
            }
        }
    }

    /// <summary>The current call gives up its turn: the next call may start while this one goes on.</summary>
    public void Release() => current?.Exit();

    public sealed class Turn(InvocationOrder order)
    {
        private bool exited;

        public void Exit()
        {
            if (exited)
            {
                return;
            }

            exited = true;
            if (ReferenceEquals(order.current, this))
            {
                order.current = null;
            }

            order.turn.Release();
        }
    }
}

/// <summary>Runs each connection's hub calls in turn (<see cref="InvocationOrder"/>); registered before the other filters.</summary>
public sealed class InvocationOrderFilter : IHubFilter
{
    public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        InvocationOrder.Attach(context.Context);
        return next(context);
    }

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var turn = await InvocationOrder.Of(invocationContext.Context).EnterAsync();
        try
        {
            return await next(invocationContext);
        }
        finally
        {
            turn.Exit();
        }
    }
}
