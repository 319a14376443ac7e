using Npgsql;

namespace LesCopains.Grains.Dms;

/// <summary>The <c>dm_conversations</c>, <c>dm_members</c> and <c>dm_blocks</c> tables.</summary>
public sealed class ConversationStore(NpgsqlDataSource dataSource)
{
    private const string SelectViews =
        """
        SELECT c.id, c.kind, c.name, c.owner_id, c.created_at, c.last_message_at, m.user_id, a.username, a.display_name
          FROM dm_conversations c
          JOIN dm_members m ON m.conversation_id = c.id
          JOIN accounts a ON a.id = m.user_id
        """;

    public async Task<ConversationView?> GetAsync(Guid conversationId)
    {
        await using var command = dataSource.CreateCommand($"{SelectViews} WHERE c.id = $1 ORDER BY m.joined_at, m.user_id");
        command.Parameters.AddWithValue(conversationId);
        var views = await ReadViewsAsync(command);
        return views.Count == 0 ? null : views[0];
    }

    /// <summary>The user's conversations, most recently active first.</summary>
    public async Task<IReadOnlyList<ConversationView>> ListForUserAsync(Guid userId)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            {SelectViews}
             WHERE c.id IN (SELECT conversation_id FROM dm_members WHERE user_id = $1)
             ORDER BY COALESCE(c.last_message_at, c.created_at) DESC, c.id, m.joined_at, m.user_id
            """);
        command.Parameters.AddWithValue(userId);
        return await ReadViewsAsync(command);
    }

    /// <summary>Creates the conversation with its members; false if it already existed.</summary>
    public async Task<bool> CreateAsync(Guid id, ConversationKind kind, string? name, Guid ownerId, IReadOnlyList<Guid> memberIds, DateTimeOffset now)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var insert = new NpgsqlCommand(
            "INSERT INTO dm_conversations (id, kind, name, owner_id, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING", connection, tx);
        insert.Parameters.AddWithValue(id);
        insert.Parameters.AddWithValue((short)kind);
        insert.Parameters.AddWithValue((object?)name ?? DBNull.Value);
        insert.Parameters.AddWithValue(ownerId);
        insert.Parameters.AddWithValue(now);
        if (await insert.ExecuteNonQueryAsync() == 0)
        {
            return false;
        }

        await AddMembersAsync(connection, tx, id, memberIds, now);
        await tx.CommitAsync();
        return true;
    }

    public async Task AddMembersAsync(Guid conversationId, IReadOnlyList<Guid> userIds, DateTimeOffset now)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await AddMembersAsync(connection, null, conversationId, userIds, now);
    }

    public async Task RemoveMemberAsync(Guid conversationId, Guid userId)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM dm_members WHERE conversation_id = $1 AND user_id = $2");
        command.Parameters.AddWithValue(conversationId);
        command.Parameters.AddWithValue(userId);
        await command.ExecuteNonQueryAsync();
    }

    public async Task RenameAsync(Guid conversationId, string? name)
    {
        await using var command = dataSource.CreateCommand("UPDATE dm_conversations SET name = $2 WHERE id = $1");
        command.Parameters.AddWithValue(conversationId);
        command.Parameters.AddWithValue((object?)name ?? DBNull.Value);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Everyone who shares a conversation with <paramref name="userId"/> (and the user).</summary>
    public async Task<IReadOnlyList<Guid>> PeersAsync(Guid userId)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT DISTINCT b.user_id FROM dm_members a JOIN dm_members b ON b.conversation_id = a.conversation_id
             WHERE a.user_id = $1
            """);
        command.Parameters.AddWithValue(userId);
        var peers = new List<Guid> { userId };
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var id = reader.GetGuid(0);
            if (id != userId)
            {
                peers.Add(id);
            }
        }

        return peers;
    }

    /// <summary>True when the two users share a direct conversation or a guild.</summary>
    public async Task<bool> AreContactsAsync(Guid a, Guid b)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT EXISTS (SELECT 1 FROM dm_members x JOIN dm_members y ON y.conversation_id = x.conversation_id WHERE x.user_id = $1 AND y.user_id = $2)
                OR EXISTS (SELECT 1 FROM guild_members x JOIN guild_members y ON y.guild_id = x.guild_id WHERE x.user_id = $1 AND y.user_id = $2)
            """);
        command.Parameters.AddWithValue(a);
        command.Parameters.AddWithValue(b);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Which of <paramref name="userIds"/> have blocked <paramref name="blockedId"/>.</summary>
    public async Task<HashSet<Guid>> BlockersAsync(Guid blockedId, IReadOnlyCollection<Guid> userIds)
    {
        await using var command = dataSource.CreateCommand("SELECT blocker_id FROM dm_blocks WHERE blocked_id = $1 AND blocker_id = ANY($2)");
        command.Parameters.AddWithValue(blockedId);
        command.Parameters.AddWithValue(userIds.ToArray());
        var blockers = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            blockers.Add(reader.GetGuid(0));
        }

        return blockers;
    }

    public async Task BlockAsync(Guid blockerId, Guid blockedId, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand("INSERT INTO dm_blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING");
        command.Parameters.AddWithValue(blockerId);
        command.Parameters.AddWithValue(blockedId);
        command.Parameters.AddWithValue(now);
        await command.ExecuteNonQueryAsync();
    }

    public async Task UnblockAsync(Guid blockerId, Guid blockedId)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM dm_blocks WHERE blocker_id = $1 AND blocked_id = $2");
        command.Parameters.AddWithValue(blockerId);
        command.Parameters.AddWithValue(blockedId);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<IReadOnlyList<ConversationMember>> ListBlocksAsync(Guid blockerId)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT a.id, a.username, a.display_name FROM dm_blocks b JOIN accounts a ON a.id = b.blocked_id WHERE b.blocker_id = $1 ORDER BY b.created_at");
        command.Parameters.AddWithValue(blockerId);
        var list = new List<ConversationMember>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add(new ConversationMember(reader.GetGuid(0), reader.GetString(1), reader.GetString(2)));
        }

        return list;
    }

    private static async Task AddMembersAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid conversationId, IReadOnlyList<Guid> userIds, DateTimeOffset now)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO dm_members (conversation_id, user_id, joined_at) SELECT $1, u, $3 FROM unnest($2::uuid[]) AS u ON CONFLICT DO NOTHING", connection, tx);
        command.Parameters.AddWithValue(conversationId);
        command.Parameters.AddWithValue(userIds.ToArray());
        command.Parameters.AddWithValue(now);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<ConversationView>> ReadViewsAsync(NpgsqlCommand command)
    {
        var views = new List<ConversationView>();
        await using var reader = await command.ExecuteReaderAsync();
        List<ConversationMember>? members = null;
        while (await reader.ReadAsync())
        {
            var id = reader.GetGuid(0);
            if (views.Count == 0 || views[^1].Id != id)
            {
                members = [];
                views.Add(new ConversationView(
                    id,
                    (ConversationKind)reader.GetInt16(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.GetGuid(3),
                    members,
                    reader.GetFieldValue<DateTimeOffset>(4),
                    reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));
            }

            members!.Add(new ConversationMember(reader.GetGuid(6), reader.GetString(7), reader.GetString(8)));
        }

        return views;
    }
}
