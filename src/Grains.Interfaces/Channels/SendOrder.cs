namespace LesCopains.Grains.Channels;

/// <summary>
/// A send's place among one connection's sends to one channel: <paramref name="Stream"/> names the
/// connection, <paramref name="Number"/> counts its sends to this channel from 1. The channel takes
/// a stream's sends in this order even when their calls overtake each other on the way.
/// <paramref name="Settled"/>: every send of the stream numbered up to it has been answered or has
/// failed at the sender's end, so the channel waits only for the ones after it (a channel that has
/// not seen the stream yet, or forgot it, cannot tell them apart otherwise).
/// </summary>
[GenerateSerializer, Immutable, Alias("lc.SendOrder")]
public sealed record SendOrder([property: Id(0)] Guid Stream, [property: Id(1)] long Number, [property: Id(2)] long Settled = 0);
