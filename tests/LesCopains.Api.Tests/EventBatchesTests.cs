using System.Text.Json;
using LesCopains.Api.Hubs;
using LesCopains.Grains.Guilds;

namespace LesCopains.Api.Tests;

/// <summary>How a node groups the guild events it has queued into what it writes to connections.</summary>
public sealed class EventBatchesTests
{
    private static readonly Guid Guild = Guid.NewGuid();
    private static readonly Guid General = Guid.NewGuid();
    private static readonly Guid Random = Guid.NewGuid();

    [Fact]
    public void Consecutive_messages_of_one_channel_and_snapshot_group_and_anything_else_stays_alone_in_order()
    {
        var events = new[]
        {
            Created(General, 1), Created(General, 2),
            new GuildEvent(Guild, "mention:create", "{}", General, null, 5),
            Created(General, 3),
            Created(Random, 1),
            Created(Random, 2, snapshot: 6),
            Created(Random, 3, snapshot: 6),
        };

        var runs = EventBatches.Split(events);

        Assert.Equal([2, 1, 1, 1, 2], runs.Select(r => r.Count));
        Assert.Equal(events, runs.SelectMany(r => r));
        Assert.Equal("mention:create", runs[1][0].Type);
    }

    [Fact]
    public void A_group_holds_at_most_MaxMessages()
    {
        var events = Enumerable.Range(1, EventBatches.MaxMessages + 1).Select(seq => Created(General, seq)).ToList();

        var runs = EventBatches.Split(events);

        Assert.Equal([EventBatches.MaxMessages, 1], runs.Select(r => r.Count));
    }

    [Fact]
    public void A_group_is_one_messages_create_with_the_messages_in_order()
    {
        var payload = EventBatches.Combine([Created(General, 7), Created(General, 8)]).Parse();

        Assert.Equal(Guild, payload.GetProperty("guildId").GetGuid());
        Assert.Equal(General, payload.GetProperty("channelId").GetGuid());
        var messages = payload.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal([7L, 8L], messages.Select(m => m.GetProperty("seq").GetInt64()));
        Assert.All(messages, m => Assert.Equal("hello", m.GetProperty("content").GetString()));
    }

    private static GuildEvent Created(Guid channelId, long seq, long snapshot = 5) => new(
        Guild,
        "message:create",
        JsonSerializer.Serialize(new { guildId = Guild, channelId, message = new { id = Guid.NewGuid(), channelId, seq, content = "hello" } }, JsonSerializerOptions.Web),
        channelId,
        null,
        snapshot);
}
