using Npgsql;
using NpgsqlTypes;

namespace LesCopains.Grains.Channels;

/// <summary>
/// The <c>threads</c> table. A thread is also a row of the <c>channels</c> directory (so its channel
/// grain finds its guild); message counts and last activity are read from <c>messages</c>.
/// </summary>
public sealed class ThreadStore(NpgsqlDataSource dataSource)
{
    /// <summary>The <c>channels.type</c> of a thread (Discord's public thread).</summary>
    public const short DirectoryType = 11;

    /// <param name="AutoArchiveDuration">Minutes without activity before the thread archives itself.</param>
    /// <param name="ActivityAt">When the inactivity clock last restarted as far as the row knows (creation, unarchive, or a message the sweep saw).</param>
    public sealed record Meta(
        Guid Id, Guid GuildId, Guid ParentId, Guid? StarterMessageId, Guid CreatorId, string Name, bool Archived, DateTimeOffset? ArchivedAt, DateTimeOffset CreatedAt,
        int AutoArchiveDuration, DateTimeOffset ActivityAt);

    private const string MetaColumns =
        "t.id, t.guild_id, t.parent_id, t.starter_message_id, t.creator_id, t.name, t.archived, t.archived_at, t.created_at, t.auto_archive_minutes, t.activity_at";

    private const string Select =
        $"""
        SELECT {MetaColumns},
               s.count, COALESCE(s.last, t.created_at),
               (SELECT count(*) FROM thread_members tm WHERE tm.thread_id = t.id)::int
          FROM threads t
          CROSS JOIN LATERAL (SELECT count(*) AS count, max(m.created_at) AS last
                                FROM messages m WHERE m.channel_id = t.id AND m.deleted_at IS NULL) s
        """;

    /// <summary>
    /// Inserts the directory row, the thread and its creator as its first member in one transaction;
    /// <c>thread_exists</c> when the message already has one.
    /// </summary>
    public async Task CreateAsync(Meta thread)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand("INSERT INTO channels (id, guild_id, type) VALUES ($1, $2, $3)", connection, transaction))
        {
            command.Parameters.AddWithValue(thread.Id);
            command.Parameters.AddWithValue(thread.GuildId);
            command.Parameters.AddWithValue(DirectoryType);
            await command.ExecuteNonQueryAsync();
        }

        await using (var command = new NpgsqlCommand(
            """
            INSERT INTO threads (id, guild_id, parent_id, starter_message_id, creator_id, name, created_at, auto_archive_minutes, activity_at, archive_due_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9 + make_interval(mins => $8))
            """,
            connection, transaction))
        {
            command.Parameters.AddWithValue(thread.Id);
            command.Parameters.AddWithValue(thread.GuildId);
            command.Parameters.AddWithValue(thread.ParentId);
            command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)thread.StarterMessageId ?? DBNull.Value);
            command.Parameters.AddWithValue(thread.CreatorId);
            command.Parameters.AddWithValue(thread.Name);
            command.Parameters.AddWithValue(thread.CreatedAt);
            command.Parameters.AddWithValue(thread.AutoArchiveDuration);
            command.Parameters.AddWithValue(thread.ActivityAt);
            try
            {
                await command.ExecuteNonQueryAsync();
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new DomainException(ErrorCodes.ThreadExists, "messageId: this message already has a thread.");
            }
        }

        await using (var command = new NpgsqlCommand("INSERT INTO thread_members (thread_id, user_id, joined_at) VALUES ($1, $2, $3)", connection, transaction))
        {
            command.Parameters.AddWithValue(thread.Id);
            command.Parameters.AddWithValue(thread.CreatorId);
            command.Parameters.AddWithValue(thread.CreatedAt);
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    public async Task<Meta?> GetMetaAsync(Guid threadId)
    {
        await using var command = dataSource.CreateCommand($"SELECT {MetaColumns} FROM threads t WHERE t.id = $1");
        command.Parameters.AddWithValue(threadId);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? ReadMeta(reader) : null;
    }

    public async Task<ThreadDto?> GetAsync(Guid threadId)
    {
        await using var command = dataSource.CreateCommand($"{Select} WHERE t.id = $1");
        command.Parameters.AddWithValue(threadId);
        var list = await ReadAsync(command);
        return list.Count == 0 ? null : list[0];
    }

    /// <summary>A page of a channel's threads, newest first.</summary>
    public async Task<IReadOnlyList<ThreadDto>> ListAsync(Guid parentId, ThreadListQuery query)
    {
        await using var command = dataSource.CreateCommand(
            $"{Select} WHERE t.parent_id = $1 AND t.archived = $2 AND ($3::uuid IS NULL OR t.id < $3) ORDER BY t.id DESC LIMIT $4");
        command.Parameters.AddWithValue(parentId);
        command.Parameters.AddWithValue(query.Archived);
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)query.Before ?? DBNull.Value);
        command.Parameters.AddWithValue(query.Limit);
        return await ReadAsync(command);
    }

    /// <summary>The thread's undeleted messages up to sequence number <paramref name="upToSeq"/>, and the newest one's time.</summary>
    public async Task<(long Count, DateTimeOffset? Last)> LiveMessagesAsync(Guid threadId, long upToSeq)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*), max(created_at) FROM messages WHERE channel_id = $1 AND seq <= $2 AND deleted_at IS NULL");
        command.Parameters.AddWithValue(threadId);
        command.Parameters.AddWithValue(upToSeq);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }

    /// <summary>The threads started from any of these messages, by starter message id.</summary>
    public async Task<Dictionary<Guid, ThreadDto>> ByStarterAsync(IReadOnlyCollection<Guid> messageIds)
    {
        var result = new Dictionary<Guid, ThreadDto>();
        if (messageIds.Count == 0)
        {
            return result;
        }

        await using var command = dataSource.CreateCommand($"{Select} WHERE t.starter_message_id = ANY($1)");
        command.Parameters.AddWithValue(messageIds.ToArray());
        foreach (var thread in await ReadAsync(command))
        {
            result[thread.StarterMessageId!.Value] = thread;
        }

        return result;
    }

    /// <summary>The threads of these parent channels that are not archived (id, parent).</summary>
    public async Task<List<(Guid Id, Guid ParentId)>> ActiveOfParentsAsync(IReadOnlyCollection<Guid> parentIds)
    {
        var list = new List<(Guid, Guid)>();
        if (parentIds.Count == 0)
        {
            return list;
        }

        await using var command = dataSource.CreateCommand("SELECT id, parent_id FROM threads WHERE parent_id = ANY($1) AND NOT archived");
        command.Parameters.AddWithValue(parentIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add((reader.GetGuid(0), reader.GetGuid(1)));
        }

        return list;
    }

    /// <summary>The threads (id, parent, name) of these parent channels.</summary>
    public async Task<List<(Guid Id, Guid ParentId, string Name)>> OfParentsAsync(IReadOnlyCollection<Guid> parentIds)
    {
        await using var command = dataSource.CreateCommand("SELECT id, parent_id, name FROM threads WHERE parent_id = ANY($1)");
        command.Parameters.AddWithValue(parentIds.ToArray());
        var list = new List<(Guid, Guid, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2)));
        }

        return list;
    }

    /// <summary>
    /// Stores a thread's name, archived state and inactivity limit; <paramref name="restartedAt"/>
    /// (an unarchive) restarts its inactivity clock.
    /// </summary>
    public async Task UpdateAsync(Guid threadId, string name, bool archived, DateTimeOffset? archivedAt, int autoArchiveDuration, DateTimeOffset? restartedAt)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE threads
               SET name = $2, archived = $3, archived_at = $4, auto_archive_minutes = $5,
                   activity_at = COALESCE($6, activity_at),
                   archive_due_at = COALESCE($6, activity_at) + make_interval(mins => $5)
             WHERE id = $1
            """);
        command.Parameters.AddWithValue(threadId);
        command.Parameters.AddWithValue(name);
        command.Parameters.AddWithValue(archived);
        command.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, (object?)archivedAt ?? DBNull.Value);
        command.Parameters.AddWithValue(autoArchiveDuration);
        command.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, (object?)restartedAt ?? DBNull.Value);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Undoes the sweep's archive of <paramref name="threadId"/> made at <paramref name="archivedAt"/>
    /// (if it is still that one) when the thread was not inactive after all: its newest message, or
    /// a send still in flight (<paramref name="inFlightAt"/>), is within its limit of that moment.
    /// The sweep cannot see a message committed after it looked. Returns the activity that
    /// reopened it, or null.
    /// </summary>
    public async Task<DateTimeOffset?> ReopenAsync(Guid threadId, DateTimeOffset archivedAt, DateTimeOffset? inFlightAt)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH activity AS (
                SELECT GREATEST($3::timestamptz, (SELECT m.created_at FROM messages m
                                                  WHERE m.channel_id = $1 AND m.deleted_at IS NULL
                                                  ORDER BY m.id DESC LIMIT 1)) AS at)
            UPDATE threads t
               SET archived = false, archived_at = NULL, activity_at = activity.at,
                   archive_due_at = activity.at + make_interval(mins => t.auto_archive_minutes)
              FROM activity
             WHERE t.id = $1 AND t.archived AND t.archived_at = $2
               AND activity.at + make_interval(mins => t.auto_archive_minutes) > t.archived_at
            RETURNING activity.at
            """);
        command.Parameters.AddWithValue(threadId);
        command.Parameters.AddWithValue(archivedAt);
        command.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, (object?)inFlightAt ?? DBNull.Value);
        return await command.ExecuteScalarAsync() is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    /// <summary>
    /// Archives up to <paramref name="limit"/> open threads (or only <paramref name="threadId"/>)
    /// whose last activity — the newest undeleted message, or the row's <c>activity_at</c> — is
    /// older than their limit at <paramref name="now"/>. A due thread that turns out to have newer
    /// messages gets its clock moved to the newest one instead, so it is not looked at again before
    /// then. Returns how many due rows were looked at and the ids of those archived. Rows another
    /// sweep holds are skipped and an archived row is never touched, so concurrent sweeps (one per
    /// silo) never act on the same thread twice.
    /// </summary>
    public async Task<(int Examined, IReadOnlyList<Guid> Archived)> ArchiveInactiveAsync(DateTimeOffset now, int limit, Guid? threadId = null)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH due AS (
                SELECT t.id, t.activity_at, make_interval(mins => t.auto_archive_minutes) AS duration
                  FROM threads t
                 WHERE NOT t.archived AND t.archive_due_at <= $1 AND ($3::uuid IS NULL OR t.id = $3)
                 ORDER BY t.archive_due_at
                 LIMIT $2
                   FOR UPDATE SKIP LOCKED),
            seen AS (
                SELECT due.id, due.duration,
                       GREATEST(due.activity_at, (SELECT m.created_at FROM messages m
                                                   WHERE m.channel_id = due.id AND m.deleted_at IS NULL
                                                   ORDER BY m.id DESC LIMIT 1)) AS activity_at
                  FROM due)
            UPDATE threads t
               SET activity_at = seen.activity_at,
                   archive_due_at = seen.activity_at + seen.duration,
                   archived = seen.activity_at + seen.duration <= $1,
                   archived_at = CASE WHEN seen.activity_at + seen.duration <= $1 THEN $1 END
              FROM seen
             WHERE t.id = seen.id AND NOT t.archived
            RETURNING t.id, t.archived
            """);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(limit);
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)threadId ?? DBNull.Value);
        var examined = 0;
        var archived = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            examined++;
            if (reader.GetBoolean(1))
            {
                archived.Add(reader.GetGuid(0));
            }
        }

        return (examined, archived);
    }

    // ------------------------------------------------------------ members

    /// <summary>Who follows the thread.</summary>
    public async Task<HashSet<Guid>> MembersAsync(Guid threadId)
    {
        await using var command = dataSource.CreateCommand("SELECT user_id FROM thread_members WHERE thread_id = $1");
        command.Parameters.AddWithValue(threadId);
        var members = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            members.Add(reader.GetGuid(0));
        }

        return members;
    }

    /// <summary>Adds a member (nothing when they already are one).</summary>
    public async Task AddMemberAsync(Guid threadId, Guid userId, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO thread_members (thread_id, user_id, joined_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING");
        command.Parameters.AddWithValue(threadId);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(now);
        await command.ExecuteNonQueryAsync();
    }

    public async Task RemoveMemberAsync(Guid threadId, Guid userId)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM thread_members WHERE thread_id = $1 AND user_id = $2");
        command.Parameters.AddWithValue(threadId);
        command.Parameters.AddWithValue(userId);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Removes the user from every thread of the guild (they left it); returns those threads.</summary>
    public async Task<List<Guid>> RemoveMemberEverywhereAsync(Guid guildId, Guid userId)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM thread_members tm USING threads t WHERE t.id = tm.thread_id AND t.guild_id = $1 AND tm.user_id = $2 RETURNING tm.thread_id");
        command.Parameters.AddWithValue(guildId);
        command.Parameters.AddWithValue(userId);
        var removed = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            removed.Add(reader.GetGuid(0));
        }

        return removed;
    }

    /// <summary>The threads the user follows that are not archived, and when they joined each.</summary>
    public async Task<Dictionary<Guid, DateTimeOffset>> JoinedAsync(Guid userId)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT tm.thread_id, tm.joined_at FROM thread_members tm JOIN threads t ON t.id = tm.thread_id WHERE tm.user_id = $1 AND NOT t.archived");
        command.Parameters.AddWithValue(userId);
        var joined = new Dictionary<Guid, DateTimeOffset>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            joined[reader.GetGuid(0)] = reader.GetFieldValue<DateTimeOffset>(1);
        }

        return joined;
    }

    /// <summary>When the user joined the thread (null: they do not follow it).</summary>
    public async Task<DateTimeOffset?> JoinedAtAsync(Guid userId, Guid threadId)
    {
        await using var command = dataSource.CreateCommand("SELECT joined_at FROM thread_members WHERE thread_id = $1 AND user_id = $2");
        command.Parameters.AddWithValue(threadId);
        command.Parameters.AddWithValue(userId);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? reader.GetFieldValue<DateTimeOffset>(0) : null;
    }

    /// <summary>The threads the user follows that are not archived, whole, most recently active first.</summary>
    public async Task<IReadOnlyList<ThreadDto>> JoinedThreadsAsync(Guid userId)
    {
        await using var command = dataSource.CreateCommand(
            $"{Select} JOIN thread_members me ON me.thread_id = t.id AND me.user_id = $1 WHERE NOT t.archived ORDER BY 13 DESC, t.id DESC");
        command.Parameters.AddWithValue(userId);
        return await ReadAsync(command);
    }

    private static Meta ReadMeta(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.GetGuid(1),
        reader.GetGuid(2),
        reader.IsDBNull(3) ? null : reader.GetGuid(3),
        reader.GetGuid(4),
        reader.GetString(5),
        reader.GetBoolean(6),
        reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
        reader.GetFieldValue<DateTimeOffset>(8),
        reader.GetInt32(9),
        reader.GetFieldValue<DateTimeOffset>(10));

    private static async Task<List<ThreadDto>> ReadAsync(NpgsqlCommand command)
    {
        var list = new List<ThreadDto>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var meta = ReadMeta(reader);
            list.Add(new ThreadDto(
                meta.Id, meta.GuildId, meta.ParentId, meta.StarterMessageId, meta.CreatorId, meta.Name, meta.Archived, meta.ArchivedAt, meta.CreatedAt,
                reader.GetInt64(11), reader.GetFieldValue<DateTimeOffset>(12), meta.AutoArchiveDuration)
            {
                MemberCount = reader.GetInt32(13),
            });
        }

        return list;
    }
}
