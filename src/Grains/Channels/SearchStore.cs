using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace LesCopains.Grains.Channels;

/// <summary>
/// Full-text search over <c>messages</c>. The text condition is written exactly as the index
/// <c>ix_messages_search</c> (0004) is defined — <c>to_tsvector('simple', content)</c> with
/// <c>deleted_at IS NULL</c> — so PostgreSQL can answer it from that GIN index. The matching
/// messages are then read like history (<see cref="MessageStore"/>: mentions, attachments).
/// </summary>
public sealed class SearchStore(NpgsqlDataSource dataSource, MessageStore messages)
{
    /// <summary>Runs one search over <paramref name="channelIds"/> (already filtered to what the caller may read).</summary>
    public async Task<(int Total, bool Capped, List<(MessageDto Message, string? Highlight)> Page)> SearchAsync(
        Guid guildId, IReadOnlyCollection<Guid> channelIds, SearchQuery query)
    {
        if (channelIds.Count == 0)
        {
            return (0, false, []);
        }

        // Fixed SQL fragments chosen by which filters are present; every value is a parameter.
        var where = new StringBuilder("m.guild_id = $1 AND m.channel_id = ANY($2) AND m.deleted_at IS NULL");
        var parameters = new List<NpgsqlParameter>
        {
            new() { Value = guildId },
            new() { Value = channelIds.ToArray() },
        };

        void Add(string fragment, object value, NpgsqlDbType type)
        {
            parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = type });
            where.Append(" AND ").Append(fragment.Replace("{p}", "$" + parameters.Count, StringComparison.Ordinal));
        }

        string? textParameter = null;
        if (query.Text is { } text)
        {
            Add("to_tsvector('simple', m.content) @@ websearch_to_tsquery('simple', {p})", text, NpgsqlDbType.Text);
            textParameter = "$" + parameters.Count;
        }

        if (query.AuthorId is { } author)
        {
            Add("m.author_id = {p}", author, NpgsqlDbType.Uuid);
        }

        if (query.Before is { } before)
        {
            Add("m.created_at < {p}", before, NpgsqlDbType.TimestampTz);
        }

        if (query.After is { } after)
        {
            Add("m.created_at >= {p}", after, NpgsqlDbType.TimestampTz);
        }

        if (query.HasAttachment)
        {
            where.Append(" AND m.has_attachments");
        }

        var total = await CountAsync(where.ToString(), parameters);

        var limit = "$" + (parameters.Count + 1);
        var offset = "$" + (parameters.Count + 2);
        var highlight = textParameter is null
            ? "NULL::text"
            : $"ts_headline('simple', h.content, websearch_to_tsquery('simple', {textParameter}), 'StartSel={SearchRules.MarkStart}, StopSel={SearchRules.MarkEnd}, HighlightAll=true')";

        // The page first (ids only, newest first) with highlights for those rows only, then the
        // messages themselves as history reads them.
        var sql =
            $"""
            SELECT h.id, {highlight}
              FROM (SELECT m.id, m.content FROM messages m WHERE {where} ORDER BY m.id DESC LIMIT {limit} OFFSET {offset}) h
             ORDER BY h.id DESC
            """;
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter.Clone());
        }

        command.Parameters.Add(new NpgsqlParameter { Value = query.Limit });
        command.Parameters.Add(new NpgsqlParameter { Value = query.Offset });
        var hits = new List<(Guid Id, string? Highlight)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                hits.Add((reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
            }
        }

        var byId = hits.Count == 0 ? [] : (await messages.GetByIdsAsync(hits.Select(h => h.Id).ToList())).ToDictionary(m => m.Id);

        // A message deleted between the two reads is left out.
        var page = hits.Where(h => byId.ContainsKey(h.Id)).Select(h => (byId[h.Id], h.Highlight)).ToList();
        return (Math.Min(total, SearchRules.CountCap), total > SearchRules.CountCap, page);
    }

    /// <summary>Counts matches up to one past the cap, so a broad search never counts a whole guild.</summary>
    private async Task<int> CountAsync(string where, List<NpgsqlParameter> parameters)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT count(*) FROM (SELECT 1 FROM messages m WHERE {where} LIMIT {SearchRules.CountCap + 1}) s");
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter.Clone());
        }

        return (int)(long)(await command.ExecuteScalarAsync())!;
    }
}
