using System.Buffers;
using System.Text.Json;
using LesCopains.Grains.Guilds;

namespace LesCopains.Api.Hubs;

/// <summary>
/// Groups the guild events a node has queued into what it writes to its connections: consecutive
/// <c>message:create</c> events of one channel (and one guild snapshot) become a single
/// <c>messages:create</c> carrying them in order, so a group commit of many messages costs each
/// connection one frame instead of one per message. Nothing waits for a group to form: only
/// events already queued are grouped, so at low rates every message still goes out alone as
/// <c>message:create</c>.
/// </summary>
public static class EventBatches
{
    /// <summary>At most this many messages in one <c>messages:create</c>.</summary>
    public const int MaxMessages = 100;

    /// <summary>The events in order, split into runs; a run of more than one is a group of message:create events.</summary>
    public static List<List<GuildEvent>> Split(IReadOnlyList<GuildEvent> events)
    {
        var runs = new List<List<GuildEvent>>();
        foreach (var evt in events)
        {
            if (runs.Count > 0 && runs[^1] is var last && last.Count < MaxMessages && Joins(last[0], evt))
            {
                last.Add(evt);
            }
            else
            {
                runs.Add([evt]);
            }
        }

        return runs;
    }

    private static bool Joins(GuildEvent first, GuildEvent next) =>
        first.Type == GatewayEvents.MessageCreate
        && next.Type == GatewayEvents.MessageCreate
        && first.ChannelId is not null
        && next.ChannelId == first.ChannelId
        && next.GuildId == first.GuildId
        && next.SnapshotVersion == first.SnapshotVersion;

    /// <summary>
    /// The <c>messages:create</c> payload of a run: <c>{guildId, channelId, messages}</c>, where
    /// channelId is the channel of the first message (each message names its own channel too) and
    /// the messages are the runs' <c>message</c> objects, in order.
    /// </summary>
    public static RawJson Combine(IReadOnlyList<GuildEvent> run)
    {
        var buffer = new ArrayBufferWriter<byte>(run.Count * 512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            var first = true;
            foreach (var evt in run)
            {
                using var document = JsonDocument.Parse(evt.PayloadJson);
                var root = document.RootElement;
                if (first)
                {
                    writer.WritePropertyName("guildId");
                    root.GetProperty("guildId").WriteTo(writer);
                    writer.WritePropertyName("channelId");
                    root.GetProperty("channelId").WriteTo(writer);
                    writer.WriteStartArray("messages");
                    first = false;
                }

                root.GetProperty("message").WriteTo(writer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return new RawJson(buffer.WrittenMemory);
    }
}
