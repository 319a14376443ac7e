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

    public sealed record Meta(Guid Id, Guid GuildId, Guid ParentId, Guid? StarterMessageId, Guid CreatorId, string Name, bool Archived, DateTimeOffset? ArchivedAt, DateTimeOffset CreatedAt);

    private const string Select =
        """
        SELECT t.id, t.guild_id, t.parent_id, t.starter_message_id, t.creator_id, t.name, t.archived, t.archived_at, t.created_at,
               s.count, COALESCE(s.last, t.created_at)
          FROM threads t
          CROSS JOIN LATERAL (SELECT count(*) AS count, max(m.created_at) AS last
                                FROM messages m WHERE m.channel_id = t.id AND m.deleted_at IS NULL) s
        """;

    /// <summary>Inserts the directory row and the thread in one transaction; <c>thread_exists</c> when the message already has one.</summary>
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
            "INSERT INTO threads (id, guild_id, parent_id, starter_message_id, creator_id, name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            connection, transaction))
        {
            command.Parameters.AddWithValue(thread.Id);
            command.Parameters.AddWithValue(thread.GuildId);
            command.Parameters.AddWithValue(thread.ParentId);
            command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)thread.StarterMessageId ?? DBNull.Value);
            command.Parameters.AddWithValue(thread.CreatorId);
            command.Parameters.AddWithValue(thread.Name);
            command.Parameters.AddWithValue(thread.CreatedAt);
            try
            {
                await command.ExecuteNonQueryAsync();
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new DomainException(ErrorCodes.ThreadExists, "messageId: this message already has a thread.");
            }
        }

        await transaction.CommitAsync();
    }

    public async Task<Meta?> GetMetaAsync(Guid threadId)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, guild_id, parent_id, starter_message_id, creator_id, name, archived, archived_at, created_at FROM threads WHERE id = $1");
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

    public async Task UpdateAsync(Guid threadId, string name, bool archived, DateTimeOffset? archivedAt)
    {
        await using var command = dataSource.CreateCommand("UPDATE threads SET name = $2, archived = $3, archived_at = $4 WHERE id = $1");
        command.Parameters.AddWithValue(threadId);
        command.Parameters.AddWithValue(name);
        command.Parameters.AddWithValue(archived);
        command.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, (object?)archivedAt ?? DBNull.Value);
        await command.ExecuteNonQueryAsync();
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
        reader.GetFieldValue<DateTimeOffset>(8));

    private static async Task<List<ThreadDto>> ReadAsync(NpgsqlCommand command)
    {
        var list = new List<ThreadDto>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var meta = ReadMeta(reader);
            list.Add(new ThreadDto(
                meta.Id, meta.GuildId, meta.ParentId, meta.StarterMessageId, meta.CreatorId, meta.Name, meta.Archived, meta.ArchivedAt, meta.CreatedAt,
                reader.GetInt64(9), reader.GetFieldValue<DateTimeOffset>(10)));
        }

        return list;
    }
}
