using Npgsql;

namespace LesCopains.Api.Uploads;

/// <summary>
/// The Api's side of the <c>attachments</c> table: it records uploads and looks them up to serve
/// them. Claiming an upload for a message is the channel grain's (with the message insert).
/// </summary>
public sealed class AttachmentRepository(NpgsqlDataSource dataSource)
{
    public sealed record NewAttachment(Guid Id, Guid ChannelId, Guid GuildId, Guid UploaderId, string Sha256, string Filename, string ContentType, long Size, int? Width, int? Height, DateTimeOffset CreatedAt);

    /// <summary>What serving an attachment needs; <see cref="Visible"/> is false once its message is deleted (or gone with its channel).</summary>
    public sealed record StoredAttachment(Guid Id, Guid ChannelId, Guid GuildId, Guid UploaderId, Guid? MessageId, bool Visible, string Sha256, string Filename, string ContentType, long Size, DateTimeOffset CreatedAt);

    public async Task InsertAsync(NewAttachment a, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO attachments (id, channel_id, guild_id, uploader_id, sha256, filename, content_type, size, width, height, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            """);
        command.Parameters.AddWithValue(a.Id);
        command.Parameters.AddWithValue(a.ChannelId);
        command.Parameters.AddWithValue(a.GuildId);
        command.Parameters.AddWithValue(a.UploaderId);
        command.Parameters.AddWithValue(a.Sha256);
        command.Parameters.AddWithValue(a.Filename);
        command.Parameters.AddWithValue(a.ContentType);
        command.Parameters.AddWithValue(a.Size);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer, Value = (object?)a.Width ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer, Value = (object?)a.Height ?? DBNull.Value });
        command.Parameters.AddWithValue(a.CreatedAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<StoredAttachment?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT a.id, a.channel_id, a.guild_id, a.uploader_id, a.message_id, a.message_id IS NULL OR (m.id IS NOT NULL AND m.deleted_at IS NULL),
                   a.sha256, a.filename, a.content_type, a.size, a.created_at
              FROM attachments a LEFT JOIN messages m ON m.id = a.message_id
             WHERE a.id = $1
            """);
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StoredAttachment(
            reader.GetGuid(0),
            reader.GetGuid(1),
            reader.GetGuid(2),
            reader.GetGuid(3),
            reader.IsDBNull(4) ? null : reader.GetGuid(4),
            reader.GetBoolean(5),
            reader.GetString(6),
            reader.GetString(7),
            reader.GetString(8),
            reader.GetInt64(9),
            reader.GetFieldValue<DateTimeOffset>(10));
    }

    /// <summary>Whether any attachment row (of a channel or of a direct conversation) or any avatar, guild icon or guild emoji still refers to these bytes.</summary>
    public async Task<bool> IsReferencedAsync(string sha256, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = $1) OR EXISTS (SELECT 1 FROM dm_attachments WHERE sha256 = $1) OR EXISTS (SELECT 1 FROM accounts WHERE avatar = $1) OR EXISTS (SELECT 1 FROM guild_icons WHERE icon = $1) OR EXISTS (SELECT 1 FROM guild_emojis WHERE image = $1)");
        command.Parameters.AddWithValue(sha256);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
