using Npgsql;

namespace LesCopains.Api.Uploads;

/// <summary>The accounts' profile pictures (migration 0020): which blob, and its content type.</summary>
public sealed class AvatarRepository(NpgsqlDataSource dataSource)
{
    /// <summary>Sets (or, with null, clears) the user's picture; the one it replaced, if any.</summary>
    public async Task<string?> SetAsync(Guid userId, string? sha256, string? contentType, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE accounts a SET avatar = $2, avatar_type = $3, updated_at = now()
              FROM (SELECT id, avatar FROM accounts WHERE id = $1 FOR UPDATE) old
             WHERE a.id = old.id
            RETURNING old.avatar
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue((object?)sha256 ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)contentType ?? DBNull.Value);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>The pictures of these users (null for none); ids that are no account are left out.</summary>
    public async Task<Dictionary<Guid, string?>> OfAsync(IReadOnlyList<Guid> userIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, avatar FROM accounts WHERE id = ANY($1)");
        command.Parameters.AddWithValue(userIds.ToArray());
        var found = new Dictionary<Guid, string?>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found[reader.GetGuid(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        return found;
    }

    /// <summary>The content type of a picture some account has now; null when none has it (not an avatar).</summary>
    public async Task<string?> TypeOfAsync(string sha256, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT avatar_type FROM accounts WHERE avatar = $1 LIMIT 1");
        command.Parameters.AddWithValue(sha256);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
