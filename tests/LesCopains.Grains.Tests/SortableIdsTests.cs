namespace LesCopains.Grains.Tests;

/// <summary>Message and DM ids follow creation order, also within one millisecond.</summary>
public sealed class SortableIdsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Ids_made_in_the_same_millisecond_follow_their_order_as_guids_and_as_postgresql_sorts_them()
    {
        var ids = new List<Guid>();
        var last = Guid.Empty;
        for (var i = 0; i < 1000; i++)
        {
            last = SortableIds.Next(last, Now);
            ids.Add(last);
        }

        // PostgreSQL compares uuids byte by byte, which is the order of their text form.
        Assert.Equal(ids, ids.OrderBy(id => id).ToList());
        Assert.Equal(ids, ids.OrderBy(id => id.ToString(), StringComparer.Ordinal).ToList());
        Assert.Equal(1000, ids.Distinct().Count());
        Assert.All(ids, id =>
        {
            Assert.Equal(7, id.Version);
            Assert.Equal(0b10, id.Variant >> 2); // RFC 9562 variant
        });
        Assert.All(ids, id => Assert.Equal(Now.ToUnixTimeMilliseconds(), Millis(id)));
    }

    [Fact]
    public void An_id_after_one_from_a_clock_ahead_still_sorts_after_it()
    {
        var ahead = Guid.CreateVersion7(Now.AddSeconds(5));
        var next = SortableIds.Next(ahead, Now);
        Assert.True(next.CompareTo(ahead) > 0);
        Assert.Equal(Millis(ahead), Millis(next));
    }

    [Fact]
    public void A_later_millisecond_gives_a_fresh_id_of_that_time()
    {
        var first = SortableIds.Next(Guid.Empty, Now);
        var later = SortableIds.Next(first, Now.AddMilliseconds(3));
        Assert.True(later.CompareTo(first) > 0);
        Assert.Equal(Now.AddMilliseconds(3).ToUnixTimeMilliseconds(), Millis(later));
    }

    [Fact]
    public void When_the_random_part_is_exhausted_the_next_id_moves_to_the_next_millisecond()
    {
        var bytes = SortableIds.Next(Guid.Empty, Now).ToByteArray(bigEndian: true);
        bytes[6] = 0x7F; // version 7 and every bit of rand_a set: no fresh id of this millisecond is greater
        bytes[7] = 0xFF;
        bytes[8] = 0xBF; // variant 10 and every bit of rand_b set
        for (var i = 9; i < 16; i++)
        {
            bytes[i] = 0xFF;
        }

        var full = new Guid(bytes, bigEndian: true);
        var next = SortableIds.Next(full, Now);
        Assert.True(next.CompareTo(full) > 0);
        Assert.Equal(Now.ToUnixTimeMilliseconds() + 1, Millis(next));
    }

    private static long Millis(Guid id)
    {
        var bytes = id.ToByteArray(bigEndian: true);
        return ((long)bytes[0] << 40) | ((long)bytes[1] << 32) | ((long)bytes[2] << 24) | ((long)bytes[3] << 16) | ((long)bytes[4] << 8) | bytes[5];
    }
}
