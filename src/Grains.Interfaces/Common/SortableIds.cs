using System.Buffers.Binary;

namespace LesCopains.Grains;

/// <summary>
/// Time-ordered ids (UUID version 7) that also follow creation order within one grain. A bare
/// <see cref="Guid.CreateVersion7(DateTimeOffset)"/> orders ids by millisecond only: two made in
/// the same millisecond compare in random order, and so would two messages sent that close
/// together, although history pages and clients order by id. Guid comparison here matches
/// PostgreSQL's uuid order (both follow the bytes of the text form).
/// </summary>
public static class SortableIds
{
    private const ulong CounterMask = 0x3FFF_FFFF_FFFF_FFFFUL; // rand_b: the 62 bits after the variant

    /// <summary>A version 7 id for <paramref name="now"/> that is greater than <paramref name="previous"/>.</summary>
    public static Guid Next(Guid previous, DateTimeOffset now)
    {
        var candidate = Guid.CreateVersion7(now);
        if (candidate.CompareTo(previous) > 0)
        {
            return candidate;
        }

        // Same millisecond, or a clock behind the one that made `previous`: one more than it.
        Span<byte> bytes = stackalloc byte[16];
        previous.TryWriteBytes(bytes, bigEndian: true, out _);
        var tail = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        if ((tail & CounterMask) == CounterMask)
        {
            // Its random part is at its maximum (about one chance in 4·10¹⁸): the next millisecond.
            var millis = (long)(BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 16);
            return Guid.CreateVersion7(DateTimeOffset.FromUnixTimeMilliseconds(millis + 1));
        }

        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], tail + 1);
        return new Guid(bytes, bigEndian: true);
    }
}
