using Npgsql;

namespace LesCopains.Grains.Users;

/// <summary>The <c>read_states</c> table and the unread/mention counts computed from it.</summary>
public sealed class ReadStateStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// A channel to count: <paramref name="Since"/> bounds the count when the user never read it (their
    /// join time); <paramref name="Everyone"/> and <paramref name="Roles"/> say whether <c>@everyone</c>/<c>@here</c>
    /// and role mentions count as mentions (the user's notification settings).
    /// </summary>
    public sealed record ChannelQuery(Guid GuildId, Guid ChannelId, DateTimeOffset Since, Guid? KnownMessageId, long KnownSeq, bool Everyone, bool Roles)
    {
        /// <summary>The parent channel when <see cref="ChannelId"/> is a thread.</summary>
        public Guid? ParentId { get; init; }

        /// <summary>
        /// A thread the user follows: it counts every unread message since they joined (<see cref="Since"/>),
        /// where one they never read and do not follow counts only those that mention them.
        /// </summary>
        public bool Joined { get; init; }
    }

    /// <summary>Upserts read positions in one statement; a position never moves backwards.</summary>
    public async Task UpsertAsync(Guid userId, IReadOnlyList<Channels.ReadMarker> markers, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO read_states (user_id, channel_id, last_message_id, last_seq, updated_at)
            SELECT $1, channel_id, last_message_id, last_seq, $5
              FROM unnest($2::uuid[], $3::uuid[], $4::bigint[]) AS t(channel_id, last_message_id, last_seq)
            ON CONFLICT (user_id, channel_id) DO UPDATE
               SET last_message_id = EXCLUDED.last_message_id, last_seq = EXCLUDED.last_seq, updated_at = EXCLUDED.updated_at
             WHERE read_states.last_seq < EXCLUDED.last_seq
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(markers.Select(m => m.ChannelId).ToArray());
        command.Parameters.AddWithValue(markers.Select(m => m.MessageId).ToArray());
        command.Parameters.AddWithValue(markers.Select(m => m.Seq).ToArray());
        command.Parameters.AddWithValue(now);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Sets one read position, backwards too ("Mark Unread"); a position of sequence number 0 (before
    /// the channel's first message) is no position at all.
    /// </summary>
    public async Task SetAsync(Guid userId, Channels.ReadMarker marker, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand(marker.Seq == 0
            ? "DELETE FROM read_states WHERE user_id = $1 AND channel_id = $2"
            : """
              INSERT INTO read_states (user_id, channel_id, last_message_id, last_seq, updated_at) VALUES ($1, $2, $3, $4, $5)
              ON CONFLICT (user_id, channel_id) DO UPDATE
                 SET last_message_id = EXCLUDED.last_message_id, last_seq = EXCLUDED.last_seq, updated_at = EXCLUDED.updated_at
              """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(marker.ChannelId);
        if (marker.Seq != 0)
        {
            command.Parameters.AddWithValue(marker.MessageId);
            command.Parameters.AddWithValue(marker.Seq);
            command.Parameters.AddWithValue(now);
        }

        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The newest message (not deleted) of each of <paramref name="channelIds"/> that has one.</summary>
    public async Task<List<(Guid ChannelId, Guid MessageId, long Seq)>> LatestAsync(IReadOnlyList<Guid> channelIds)
    {
        var result = new List<(Guid, Guid, long)>(channelIds.Count);
        if (channelIds.Count == 0)
        {
            return result;
        }

        await using var command = dataSource.CreateCommand(
            """
            SELECT c.id, m.id, m.seq
              FROM unnest($1::uuid[]) AS c(id)
             CROSS JOIN LATERAL (SELECT id, seq FROM messages
                                  WHERE channel_id = c.id AND deleted_at IS NULL
                                  ORDER BY seq DESC LIMIT 1) m
            """);
        command.Parameters.AddWithValue(channelIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetInt64(2)));
        }

        return result;
    }

    /// <summary>
    /// Unread messages (by others the user has not blocked, as the client counts them live) and
    /// messages mentioning the user (directly, through one of
    /// <paramref name="roleIds"/>, everyone, or <c>@here</c> while they were present — the last three
    /// unless the query says they do not count) after the read position, each capped at <see cref="ReadStateDto.MaxCount"/>.
    /// </summary>
    public async Task<List<ReadStateDto>> CountsAsync(Guid userId, IReadOnlyList<ChannelQuery> channels, IReadOnlyList<Guid> roleIds)
    {
        var result = new List<ReadStateDto>(channels.Count);
        if (channels.Count == 0)
        {
            return result;
        }

        await using var command = dataSource.CreateCommand(
            """
            SELECT c.channel_id, p.last_message_id, p.last_seq,
                   (SELECT count(*) FROM (SELECT 1 FROM messages m
                     WHERE m.channel_id = c.channel_id AND m.seq > p.last_seq AND m.deleted_at IS NULL AND m.author_id <> $1
                       AND (p.last_seq > 0 OR m.created_at >= c.since)
                       AND NOT EXISTS (SELECT 1 FROM dm_blocks b WHERE b.blocker_id = $1 AND b.blocked_id = m.author_id)
                     LIMIT $7) u)::int,
                   (SELECT count(*) FROM (SELECT 1 FROM messages m
                     WHERE m.channel_id = c.channel_id AND m.seq > p.last_seq AND m.deleted_at IS NULL AND m.author_id <> $1
                       AND (p.last_seq > 0 OR m.created_at >= c.since)
                       AND NOT EXISTS (SELECT 1 FROM dm_blocks b WHERE b.blocker_id = $1 AND b.blocked_id = m.author_id)
                       AND (m.mention_everyone OR cardinality(m.mention_ids) > 0 OR cardinality(m.mention_role_ids) > 0 OR cardinality(m.mention_here_ids) > 0)
                       AND ($1 = ANY(m.mention_ids)
                            OR (c.everyone AND (m.mention_everyone OR $1 = ANY(m.mention_here_ids)))
                            OR (c.roles AND m.mention_role_ids && $6))
                     LIMIT $7) x)::int
              FROM unnest($2::uuid[], $3::timestamptz[], $4::uuid[], $5::bigint[], $8::boolean[], $9::boolean[]) WITH ORDINALITY AS c(channel_id, since, known_id, known_seq, everyone, roles, n)
              LEFT JOIN read_states rs ON rs.user_id = $1 AND rs.channel_id = c.channel_id
             CROSS JOIN LATERAL (SELECT
                   CASE WHEN coalesce(rs.last_seq, 0) >= c.known_seq THEN rs.last_message_id ELSE c.known_id END AS last_message_id,
                   greatest(coalesce(rs.last_seq, 0), c.known_seq) AS last_seq) p
             ORDER BY c.n
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(channels.Select(c => c.ChannelId).ToArray());
        command.Parameters.AddWithValue(channels.Select(c => c.Since).ToArray());
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid, Value = channels.Select(c => c.KnownMessageId is { } id ? (object)id : DBNull.Value).ToArray() });
        command.Parameters.AddWithValue(channels.Select(c => c.KnownSeq).ToArray());
        command.Parameters.AddWithValue(roleIds.ToArray());
        command.Parameters.AddWithValue(ReadStateDto.MaxCount);
        command.Parameters.AddWithValue(channels.Select(c => c.Everyone).ToArray());
        command.Parameters.AddWithValue(channels.Select(c => c.Roles).ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        var i = 0;
        while (await reader.ReadAsync())
        {
            var query = channels[i++];
            var lastSeq = reader.GetInt64(2);
            var mentions = reader.GetInt32(4);
            result.Add(new ReadStateDto(
                query.GuildId,
                reader.GetGuid(0),
                reader.IsDBNull(1) ? null : reader.GetGuid(1),
                lastSeq,
                query.ParentId is not null && !query.Joined && lastSeq == 0 ? mentions : reader.GetInt32(3),
                mentions,
                query.ParentId));
        }

        return result;
    }
}
