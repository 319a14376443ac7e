using Npgsql;

namespace LesCopains.Api.Uploads;

/// <summary>
/// The <c>dm_attachments</c> table: which conversation an encrypted blob was uploaded into, and by
/// whom. The server never learns which message refers to it (that is inside the ciphertext).
/// </summary>
public sealed class DmAttachmentRepository(NpgsqlDataSource dataSource)
{
    public sealed record DmAttachment(Guid Id, Guid ConversationId, Guid UploaderId, string Sha256, long Size, DateTimeOffset CreatedAt);

    public async Task InsertAsync(DmAttachment a, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO dm_attachments (id, conversation_id, uploader_id, sha256, size, created_at) VALUES ($1, $2, $3, $4, $5, $6)");
        command.Parameters.AddWithValue(a.Id);
        command.Parameters.AddWithValue(a.ConversationId);
        command.Parameters.AddWithValue(a.UploaderId);
        command.Parameters.AddWithValue(a.Sha256);
        command.Parameters.AddWithValue(a.Size);
        command.Parameters.AddWithValue(a.CreatedAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<DmAttachment?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, conversation_id, uploader_id, sha256, size, created_at FROM dm_attachments WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new DmAttachment(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetInt64(4), reader.GetFieldValue<DateTimeOffset>(5))
            : null;
    }

    /// <summary>Removes the row; true when it was there.</summary>
    public async Task<bool> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM dm_attachments WHERE id = $1");
        command.Parameters.AddWithValue(id);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }
}
