using System.Text.Json;
using Npgsql;

namespace LesCopains.Grains.Channels;

/// <summary>The <c>polls</c> and <c>poll_votes</c> tables; polls are written by the group commit with their message.</summary>
public sealed class PollStore(NpgsqlDataSource dataSource)
{
    public sealed record Poll(Guid AuthorId, IReadOnlyList<PollAnswerDto> Answers, bool AllowMultiselect, DateTimeOffset ExpiresAt);

    public async Task<bool> ExistsAsync(Guid messageId)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM polls WHERE message_id = $1)");
        command.Parameters.AddWithValue(messageId);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The poll of a message of <paramref name="channelId"/> that is not deleted, or null.</summary>
    public async Task<Poll?> GetAsync(Guid channelId, Guid messageId)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT m.author_id, p.answers, p.allow_multiselect, p.expires_at
              FROM polls p JOIN messages m ON m.id = p.message_id
             WHERE m.channel_id = $1 AND p.message_id = $2 AND m.deleted_at IS NULL
            """);
        command.Parameters.AddWithValue(channelId);
        command.Parameters.AddWithValue(messageId);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? new Poll(reader.GetGuid(0), Answers(reader.GetString(1)), reader.GetBoolean(2), reader.GetFieldValue<DateTimeOffset>(3))
            : null;
    }

    /// <summary>
    /// The messages with their polls as <paramref name="readerId"/> sees them (counts, voters, the
    /// reader's own choices); messages without a poll are left as they are.
    /// </summary>
    public async Task<IReadOnlyList<MessageDto>> WithPollsAsync(IReadOnlyList<MessageDto> messages, Guid readerId)
    {
        if (messages.Count == 0)
        {
            return messages;
        }

        var polls = new Dictionary<Guid, (IReadOnlyList<PollAnswerDto> Answers, bool Multi, DateTimeOffset ExpiresAt)>();
        await using (var command = dataSource.CreateCommand("SELECT message_id, answers, allow_multiselect, expires_at FROM polls WHERE message_id = ANY($1)"))
        {
            command.Parameters.AddWithValue(messages.Select(m => m.Id).ToArray());
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                polls[reader.GetGuid(0)] = (Answers(reader.GetString(1)), reader.GetBoolean(2), reader.GetFieldValue<DateTimeOffset>(3));
            }
        }

        if (polls.Count == 0)
        {
            return messages;
        }

        var results = await ResultsAsync([.. polls.Keys], readerId);
        return [.. messages.Select(m => polls.TryGetValue(m.Id, out var p)
            ? m with { Poll = new PollDto(p.Answers, p.Multi, p.ExpiresAt, Complete(results.GetValueOrDefault(m.Id), p.Answers)) }
            : m)];
    }

    /// <summary>Replaces the voter's choices in one transaction; the poll's results after it.</summary>
    public async Task<PollResultsDto> VoteAsync(Guid messageId, Guid userId, IReadOnlyList<int> answerIds, IReadOnlyList<PollAnswerDto> answers, DateTimeOffset now)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var tx = await connection.BeginTransactionAsync())
        {
            // Two votes of one person at once (two tabs) replace each other whole, never mix.
            await using (var lockVoter = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1::text || $2::text, 0))", connection, tx))
            {
                lockVoter.Parameters.AddWithValue(messageId);
                lockVoter.Parameters.AddWithValue(userId);
                await lockVoter.ExecuteNonQueryAsync();
            }

            await using (var delete = new NpgsqlCommand("DELETE FROM poll_votes WHERE message_id = $1 AND user_id = $2", connection, tx))
            {
                delete.Parameters.AddWithValue(messageId);
                delete.Parameters.AddWithValue(userId);
                await delete.ExecuteNonQueryAsync();
            }

            if (answerIds.Count > 0)
            {
                await using var insert = new NpgsqlCommand(
                    "INSERT INTO poll_votes (message_id, user_id, answer_id, voted_at) SELECT $1, $2, a, $4 FROM unnest($3::smallint[]) AS a", connection, tx);
                insert.Parameters.AddWithValue(messageId);
                insert.Parameters.AddWithValue(userId);
                insert.Parameters.AddWithValue(answerIds.Select(a => (short)a).ToArray());
                insert.Parameters.AddWithValue(now);
                await insert.ExecuteNonQueryAsync();
            }

            await tx.CommitAsync();
        }

        return Complete((await ResultsAsync([messageId], userId)).GetValueOrDefault(messageId), answers);
    }

    /// <summary>Ends the poll at <paramref name="now"/> unless it already ended; false then.</summary>
    public async Task<bool> EndAsync(Guid messageId, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand("UPDATE polls SET expires_at = $2 WHERE message_id = $1 AND expires_at > $2");
        command.Parameters.AddWithValue(messageId);
        command.Parameters.AddWithValue(now);
        return await command.ExecuteNonQueryAsync() > 0;
    }

    public async Task<PollResultsDto> ResultsAsync(Guid messageId, Guid readerId, IReadOnlyList<PollAnswerDto> answers) =>
        Complete((await ResultsAsync([messageId], readerId)).GetValueOrDefault(messageId), answers);

    private sealed record Raw(Dictionary<int, int> Counts, int Voters, List<int> Me);

    private async Task<Dictionary<Guid, Raw>> ResultsAsync(Guid[] messageIds, Guid readerId)
    {
        var results = new Dictionary<Guid, Raw>();
        await using var command = dataSource.CreateCommand(
            """
            SELECT message_id, answer_id, count(*)::int, bool_or(user_id = $2),
                   (SELECT count(DISTINCT v.user_id)::int FROM poll_votes v WHERE v.message_id = pv.message_id)
              FROM poll_votes pv WHERE message_id = ANY($1)
             GROUP BY message_id, answer_id
            """);
        command.Parameters.AddWithValue(messageIds);
        command.Parameters.AddWithValue(readerId);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var id = reader.GetGuid(0);
            if (!results.TryGetValue(id, out var raw))
            {
                results[id] = raw = new Raw([], reader.GetInt32(4), []);
            }

            var answerId = reader.GetInt16(1);
            raw.Counts[answerId] = reader.GetInt32(2);
            if (reader.GetBoolean(3))
            {
                raw.Me.Add(answerId);
            }
        }

        return results;
    }

    private static PollResultsDto Complete(Raw? raw, IReadOnlyList<PollAnswerDto> answers) =>
        new([.. answers.Select(a => new PollCountDto(a.Id, raw?.Counts.GetValueOrDefault(a.Id) ?? 0))], raw?.Voters ?? 0, raw is null ? [] : [.. raw.Me.Order()]);

    private static IReadOnlyList<PollAnswerDto> Answers(string json) =>
        JsonSerializer.Deserialize<List<PollAnswerDto>>(json, JsonSerializerOptions.Web) ?? [];
}
