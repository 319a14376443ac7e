using Npgsql;

namespace LesCopains.Grains.Channels;

/// <summary>The <c>reactions</c> and <c>pins</c> tables, written only by the owning channel grain.</summary>
public sealed class SocialStore(NpgsqlDataSource dataSource, PollStore polls)
{
    /// <summary>
    /// The messages with their reactions as <paramref name="readerId"/> sees them (history, pins and
    /// search hits alike): per emoji in order of first use, with whether the reader reacted; a
    /// message nobody reacted to gets an empty list. The messages may come from several channels.
    /// A poll comes with its results as the reader sees them (<see cref="PollStore.WithPollsAsync"/>).
    /// </summary>
    public async Task<IReadOnlyList<MessageDto>> WithReactionsAsync(IReadOnlyList<MessageDto> messages, Guid readerId)
    {
        if (messages.Count == 0)
        {
            return messages;
        }

        var reactions = await ReactionsAsync(messages, readerId);
        return await polls.WithPollsAsync([.. messages.Select(m => m with { Reactions = reactions.TryGetValue(m.Id, out var list) ? list : [] })], readerId);
    }

    private async Task<Dictionary<Guid, List<ReactionDto>>> ReactionsAsync(IReadOnlyList<MessageDto> messages, Guid readerId)
    {
        var result = new Dictionary<Guid, List<ReactionDto>>();
        await using var command = dataSource.CreateCommand(
            """
            SELECT message_id, emoji, count(*)::int, bool_or(user_id = $3)
              FROM reactions WHERE channel_id = ANY($1) AND message_id = ANY($2)
             GROUP BY message_id, emoji
             ORDER BY message_id, min(created_at), emoji
            """);
        command.Parameters.AddWithValue(messages.Select(m => m.ChannelId).Distinct().ToArray());
        command.Parameters.AddWithValue(messages.Select(m => m.Id).ToArray());
        command.Parameters.AddWithValue(readerId);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var messageId = reader.GetGuid(0);
            if (!result.TryGetValue(messageId, out var list))
            {
                result[messageId] = list = [];
            }

            list.Add(new ReactionDto(reader.GetString(1), reader.GetInt32(2), reader.GetBoolean(3)));
        }

        return result;
    }

    /// <summary>How many distinct emoji the message has, and whether <paramref name="emoji"/> is one of them.</summary>
    public async Task<(int Distinct, bool HasEmoji)> EmojiOnMessageAsync(Guid messageId, string emoji)
    {
        await using var command = dataSource.CreateCommand("SELECT count(DISTINCT emoji)::int, coalesce(bool_or(emoji = $2), false) FROM reactions WHERE message_id = $1");
        command.Parameters.AddWithValue(messageId);
        command.Parameters.AddWithValue(emoji);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt32(0), reader.GetBoolean(1));
    }

    /// <summary>Adds or removes one reaction; returns whether anything changed and the emoji's count afterwards.</summary>
    public async Task<(bool Changed, int Count)> SetReactionAsync(Guid channelId, Guid messageId, string emoji, Guid userId, bool present, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand(present
            ? """
              WITH changed AS (
                INSERT INTO reactions (message_id, channel_id, emoji, user_id, created_at) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT DO NOTHING RETURNING 1)
              SELECT (SELECT count(*) FROM changed)::int, (SELECT count(*) FROM reactions WHERE message_id = $1 AND emoji = $3)::int
              """
            : """
              WITH changed AS (
                DELETE FROM reactions WHERE message_id = $1 AND channel_id = $2 AND emoji = $3 AND user_id = $4 RETURNING 1)
              SELECT (SELECT count(*) FROM changed)::int, (SELECT count(*) FROM reactions WHERE message_id = $1 AND emoji = $3)::int
              """);
        command.Parameters.AddWithValue(messageId);
        command.Parameters.AddWithValue(channelId);
        command.Parameters.AddWithValue(emoji);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(now);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var changed = reader.GetInt32(0) > 0;

        // A data-modifying CTE is invisible to the same statement's reads: adjust the count by hand.
        var count = reader.GetInt32(1) + (changed ? (present ? 1 : -1) : 0);
        return (changed, count);
    }

    /// <summary>Pins of live (not deleted) messages, most recent pin first.</summary>
    public async Task<List<(Guid MessageId, Guid PinnedBy, DateTimeOffset PinnedAt)>> PinsAsync(Guid channelId)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT p.message_id, p.pinned_by, p.pinned_at
              FROM pins p JOIN messages m ON m.id = p.message_id AND m.deleted_at IS NULL
             WHERE p.channel_id = $1
             ORDER BY p.pinned_at DESC, p.message_id DESC
            """);
        command.Parameters.AddWithValue(channelId);
        var pins = new List<(Guid, Guid, DateTimeOffset)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            pins.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return pins;
    }

    /// <summary>Pins the message; false if it already was.</summary>
    public async Task<bool> PinAsync(Guid channelId, Guid messageId, Guid pinnedBy, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand("INSERT INTO pins (channel_id, message_id, pinned_by, pinned_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING");
        command.Parameters.AddWithValue(channelId);
        command.Parameters.AddWithValue(messageId);
        command.Parameters.AddWithValue(pinnedBy);
        command.Parameters.AddWithValue(now);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    public async Task<bool> UnpinAsync(Guid channelId, Guid messageId)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM pins WHERE channel_id = $1 AND message_id = $2");
        command.Parameters.AddWithValue(channelId);
        command.Parameters.AddWithValue(messageId);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>The sequence number of a message, deleted or not (a read marker may sit on a deleted message).</summary>
    /// <summary>The channel's message just before sequence number <paramref name="seq"/> (deleted or not: a read position needs only its place).</summary>
    public async Task<(Guid Id, long Seq)?> PreviousAsync(Guid channelId, long seq)
    {
        await using var command = dataSource.CreateCommand("SELECT id, seq FROM messages WHERE channel_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT 1");
        command.Parameters.AddWithValue(channelId);
        command.Parameters.AddWithValue(seq);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetGuid(0), reader.GetInt64(1)) : null;
    }

    public async Task<long?> SeqOfAsync(Guid channelId, Guid messageId)
    {
        await using var command = dataSource.CreateCommand("SELECT seq FROM messages WHERE channel_id = $1 AND id = $2");
        command.Parameters.AddWithValue(channelId);
        command.Parameters.AddWithValue(messageId);
        return await command.ExecuteScalarAsync() is long seq ? seq : null;
    }
}
