using Npgsql;

namespace LesCopains.Grains.Dms;

/// <summary>The <c>dm_messages</c> table: one row per recipient device, <c>content</c> the opaque base64 envelope.</summary>
public sealed class DmEnvelopeStore(NpgsqlDataSource dataSource)
{
    private const string Select =
        "SELECT id, message_id, conversation_id, sender_id, sender_device, recipient_device, type, content, created_at FROM dm_messages";

    public sealed record Row(Guid Id, Guid RecipientId, int RecipientDevice, int Type, string Content);

    /// <summary>The message id already stored for this client message id, if any (a retried send).</summary>
    public async Task<(Guid MessageId, DateTimeOffset CreatedAt)?> FindAsync(Guid conversationId, Guid senderId, string clientMessageId)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT message_id, created_at FROM dm_messages WHERE conversation_id = $1 AND sender_id = $2 AND client_message_id = $3 LIMIT 1");
        command.Parameters.AddWithValue(conversationId);
        command.Parameters.AddWithValue(senderId);
        command.Parameters.AddWithValue(clientMessageId);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1)) : null;
    }

    /// <summary>Stores every envelope of one send and bumps the conversation, in one transaction.</summary>
    public async Task InsertAsync(Guid conversationId, Guid messageId, Guid senderId, int senderDevice, string clientMessageId, DateTimeOffset createdAt, IReadOnlyList<Row> rows)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var batch = new NpgsqlBatch(connection, tx);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            INSERT INTO dm_messages (id, message_id, conversation_id, sender_id, sender_device, recipient_id, recipient_device, type, content, client_message_id, created_at)
            SELECT r.id, $1, $2, $3, $4, r.recipient, r.device, r.type, r.content, $5, $6
              FROM unnest($7::uuid[], $8::uuid[], $9::integer[], $10::smallint[], $11::text[]) AS r (id, recipient, device, type, content)
            ON CONFLICT DO NOTHING
            """)
        {
            Parameters =
            {
                new() { Value = messageId },
                new() { Value = conversationId },
                new() { Value = senderId },
                new() { Value = senderDevice },
                new() { Value = clientMessageId },
                new() { Value = createdAt },
                new() { Value = rows.Select(r => r.Id).ToArray() },
                new() { Value = rows.Select(r => r.RecipientId).ToArray() },
                new() { Value = rows.Select(r => r.RecipientDevice).ToArray() },
                new() { Value = rows.Select(r => (short)r.Type).ToArray() },
                new() { Value = rows.Select(r => r.Content).ToArray() },
            },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE dm_conversations SET last_message_at = $2 WHERE id = $1")
        {
            Parameters = { new() { Value = conversationId }, new() { Value = createdAt } },
        });
        await batch.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }

    public async Task<IReadOnlyList<EnvelopeDto>> HistoryAsync(Guid conversationId, Guid recipientId, int deviceId, Guid? before, int limit)
    {
        await using var command = dataSource.CreateCommand(
            $"{Select} WHERE recipient_id = $1 AND recipient_device = $2 AND conversation_id = $3 AND ($4::uuid IS NULL OR id < $4) ORDER BY id DESC LIMIT $5");
        command.Parameters.AddWithValue(recipientId);
        command.Parameters.AddWithValue(deviceId);
        command.Parameters.AddWithValue(conversationId);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Uuid, (object?)before ?? DBNull.Value);
        command.Parameters.AddWithValue(limit);
        return await ReadAsync(command);
    }

    public async Task<IReadOnlyList<EnvelopeDto>> PendingAsync(Guid recipientId, int deviceId, Guid? after, int limit)
    {
        await using var command = dataSource.CreateCommand(
            $"{Select} WHERE recipient_id = $1 AND recipient_device = $2 AND delivered_at IS NULL AND ($3::uuid IS NULL OR id > $3) ORDER BY id LIMIT $4");
        command.Parameters.AddWithValue(recipientId);
        command.Parameters.AddWithValue(deviceId);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Uuid, (object?)after ?? DBNull.Value);
        command.Parameters.AddWithValue(limit);
        return await ReadAsync(command);
    }

    public async Task<int> MarkDeliveredAsync(Guid recipientId, int deviceId, IReadOnlyList<Guid> ids, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE dm_messages SET delivered_at = $4 WHERE recipient_id = $1 AND recipient_device = $2 AND id = ANY($3) AND delivered_at IS NULL");
        command.Parameters.AddWithValue(recipientId);
        command.Parameters.AddWithValue(deviceId);
        command.Parameters.AddWithValue(ids.ToArray());
        command.Parameters.AddWithValue(now);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>Drops what a removed device never fetched: nobody else can decrypt it.</summary>
    public async Task DeleteDeviceAsync(Guid recipientId, int deviceId)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM dm_messages WHERE recipient_id = $1 AND recipient_device = $2");
        command.Parameters.AddWithValue(recipientId);
        command.Parameters.AddWithValue(deviceId);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<IReadOnlyList<EnvelopeDto>> ReadAsync(NpgsqlCommand command)
    {
        var list = new List<EnvelopeDto>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add(new EnvelopeDto(
                reader.GetGuid(0),
                reader.GetGuid(1),
                reader.GetGuid(2),
                reader.GetGuid(3),
                reader.GetInt32(4),
                reader.GetInt32(5),
                reader.GetInt16(6),
                reader.GetString(7),
                reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return list;
    }
}
