namespace LesCopains.Grains.Channels;

/// <summary>
/// A send's place among one connection's sends to one channel: <paramref name="Stream"/> names the
/// connection, <paramref name="Number"/> counts its sends to this channel from 1. The channel takes
/// a stream's sends in this order even when their calls overtake each other on the way.
/// </summary>
[GenerateSerializer, Immutable, Alias("lc.SendOrder")]
public sealed record SendOrder([property: Id(0)] Guid Stream, [property: Id(1)] long Number);
