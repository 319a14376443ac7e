using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace LesCopains.Grains.Users;

/// <summary>
/// Recent mentions of one user over many channels (migration 0018). Two parts, newest first by id
/// (ids are time-ordered): mentions by name through the GIN index on <c>mention_ids</c>, across all
/// the channels at once; and, when asked for, <c>@everyone</c>/<c>@here</c> and role mentions,
/// per channel through <c>ix_messages_broadcast_mentions</c>, the newest few of each. Each part's
/// condition repeats its index's, so PostgreSQL can use it. Mentions the user dismissed (one by one,
/// migration 0019, or all up to one, 0023), and those by people they blocked, are left out of both.
/// </summary>
public sealed class MentionStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Ids of the newest messages by others mentioning <paramref name="userId"/> in
    /// <paramref name="channels"/> (each from its <c>Since</c> on: the user's join time), older than
    /// <paramref name="before"/> when given, newest first, at most <paramref name="limit"/>.
    /// <paramref name="everyone"/> adds <c>@everyone</c> and <c>@here</c> (when it reached the user),
    /// <paramref name="roles"/> mentions of <paramref name="roleIds"/>.
    /// </summary>
    public async Task<List<Guid>> RecentAsync(
        Guid userId, IReadOnlyList<(Guid ChannelId, DateTimeOffset Since)> channels, IReadOnlyList<Guid> roleIds,
        bool everyone, bool roles, Guid? before, int limit)
    {
        var ids = new List<Guid>(limit);
        if (channels.Count == 0)
        {
            return ids;
        }

        // $1 user, $2/$3 channels and their since, $4 before (or null), $5 limit, then $6/$7/$8 for the broadcast part.
        var sql = new StringBuilder(
            """
            SELECT id FROM (
              (SELECT m.id FROM messages m
                 JOIN unnest($2::uuid[], $3::timestamptz[]) AS c(channel_id, since) ON c.channel_id = m.channel_id AND m.created_at >= c.since
                WHERE m.mention_ids @> ARRAY[$1::uuid] AND cardinality(m.mention_ids) > 0 AND m.deleted_at IS NULL
                  AND m.author_id <> $1 AND ($4::uuid IS NULL OR m.id < $4)
                  AND NOT EXISTS (SELECT 1 FROM mention_dismissals d WHERE d.user_id = $1 AND d.message_id = m.id)
                  AND NOT EXISTS (SELECT 1 FROM dm_blocks b WHERE b.blocker_id = $1 AND b.blocked_id = m.author_id)
                  AND m.id > coalesce((SELECT x.up_to FROM mention_cutoffs x WHERE x.user_id = $1), '00000000-0000-0000-0000-000000000000')
                ORDER BY m.id DESC LIMIT $5)
            """);
        if (everyone || roles)
        {
            sql.Append(
                """

                  UNION
                  (SELECT h.id FROM unnest($2::uuid[], $3::timestamptz[]) AS c(channel_id, since)
                    CROSS JOIN LATERAL (
                          SELECT m.id FROM messages m
                           WHERE m.channel_id = c.channel_id AND m.deleted_at IS NULL
                             AND (m.mention_everyone OR cardinality(m.mention_role_ids) > 0 OR cardinality(m.mention_here_ids) > 0)
                             AND m.author_id <> $1 AND m.created_at >= c.since AND ($4::uuid IS NULL OR m.id < $4)
                             AND (($6 AND (m.mention_everyone OR $1 = ANY(m.mention_here_ids))) OR ($7 AND m.mention_role_ids && $8::uuid[]))
                             AND NOT EXISTS (SELECT 1 FROM mention_dismissals d WHERE d.user_id = $1 AND d.message_id = m.id)
                             AND NOT EXISTS (SELECT 1 FROM dm_blocks b WHERE b.blocker_id = $1 AND b.blocked_id = m.author_id)
                             AND m.id > coalesce((SELECT x.up_to FROM mention_cutoffs x WHERE x.user_id = $1), '00000000-0000-0000-0000-000000000000')
                           ORDER BY m.seq DESC LIMIT $5) h)
                """);
        }

        sql.Append("\n) mentions ORDER BY id DESC LIMIT $5");
        await using var command = dataSource.CreateCommand(sql.ToString());
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(channels.Select(c => c.ChannelId).ToArray());
        command.Parameters.AddWithValue(channels.Select(c => c.Since).ToArray());
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = before is { } b ? b : DBNull.Value });
        command.Parameters.AddWithValue(limit);
        if (everyone || roles)
        {
            command.Parameters.AddWithValue(everyone);
            command.Parameters.AddWithValue(roles);
            command.Parameters.AddWithValue(roleIds.ToArray());
        }

        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    /// <summary>
    /// Whether <paramref name="messageId"/> (not deleted, in <paramref name="channelId"/>, by someone
    /// else, sent from <paramref name="since"/> on) mentions <paramref name="userId"/>: by name,
    /// <c>@everyone</c>, <c>@here</c> that reached them, or one of <paramref name="roleIds"/>.
    /// </summary>
    public async Task<bool> MentionsAsync(Guid userId, Guid channelId, Guid messageId, DateTimeOffset since, IReadOnlyList<Guid> roleIds)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT EXISTS (SELECT 1 FROM messages m
                            WHERE m.id = $2 AND m.channel_id = $3 AND m.deleted_at IS NULL AND m.author_id <> $1 AND m.created_at >= $4
                              AND ($1 = ANY(m.mention_ids) OR m.mention_everyone OR $1 = ANY(m.mention_here_ids) OR m.mention_role_ids && $5::uuid[]))
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(messageId);
        command.Parameters.AddWithValue(channelId);
        command.Parameters.AddWithValue(since);
        command.Parameters.AddWithValue(roleIds.ToArray());
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Takes every mention up to <paramref name="upTo"/> (ids are time-ordered) out of the user's
    /// recent mentions ("Dismiss all" on the mentions the inbox showed); a later one arriving
    /// meanwhile stays. Never moves the cutoff back; true when it moved.
    /// </summary>
    public async Task<bool> DismissUpToAsync(Guid userId, Guid upTo)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO mention_cutoffs (user_id, up_to) VALUES ($1, $2)
            ON CONFLICT (user_id) DO UPDATE SET up_to = excluded.up_to, set_at = now() WHERE mention_cutoffs.up_to < excluded.up_to
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(upTo);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>Takes <paramref name="messageId"/> out of the user's recent mentions; true when it was still in.</summary>
    public async Task<bool> DismissAsync(Guid userId, Guid messageId)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO mention_dismissals (user_id, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING");
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(messageId);
        return await command.ExecuteNonQueryAsync() == 1;
    }
}
