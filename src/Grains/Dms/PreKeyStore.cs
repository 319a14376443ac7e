using Npgsql;

namespace LesCopains.Grains.Dms;

/// <summary>
/// The <c>dm_prekeys</c> table. A claim is one statement that locks a single unclaimed row with
/// <c>FOR UPDATE SKIP LOCKED</c> and deletes it, so concurrent claims (even from two activations of
/// the key directory during a failover) never hand out the same one-time prekey twice.
/// </summary>
public sealed class PreKeyStore(NpgsqlDataSource dataSource)
{
    public const short Curve = 1;
    public const short Kyber = 2;

    public sealed record Claimed(int KeyId, string PublicKey, string? Signature);

    /// <summary>Upserts the keys and returns the new count of that kind, rolling back if it exceeds <paramref name="max"/>.</summary>
    public async Task<int?> AddAsync(Guid userId, int deviceId, short kind, IReadOnlyList<(int KeyId, string PublicKey, string? Signature)> keys, int max)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        if (keys.Count > 0)
        {
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO dm_prekeys (user_id, device_id, kind, key_id, public_key, signature)
                SELECT $1, $2, $3, k.id, k.pk, k.sig FROM unnest($4::integer[], $5::text[], $6::text[]) AS k (id, pk, sig)
                ON CONFLICT (user_id, device_id, kind, key_id) DO UPDATE SET public_key = excluded.public_key, signature = excluded.signature
                """,
                connection, tx);
            insert.Parameters.AddWithValue(userId);
            insert.Parameters.AddWithValue(deviceId);
            insert.Parameters.AddWithValue(kind);
            insert.Parameters.AddWithValue(keys.Select(k => k.KeyId).ToArray());
            insert.Parameters.AddWithValue(keys.Select(k => k.PublicKey).ToArray());
            insert.Parameters.AddWithValue(keys.Select(k => k.Signature).ToArray());
            await insert.ExecuteNonQueryAsync();
        }

        var count = await CountAsync(connection, tx, userId, deviceId, kind);
        if (count > max)
        {
            await tx.RollbackAsync();
            return null;
        }

        await tx.CommitAsync();
        return count;
    }

    public async Task<(int Curve, int Kyber)> CountAsync(Guid userId, int deviceId)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*) FILTER (WHERE kind = 1), count(*) FILTER (WHERE kind = 2) FROM dm_prekeys WHERE user_id = $1 AND device_id = $2");
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(deviceId);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return ((int)reader.GetInt64(0), (int)reader.GetInt64(1));
    }

    /// <summary>Takes one unclaimed key of <paramref name="kind"/>, or none when the pool is empty.</summary>
    public async Task<Claimed?> ClaimAsync(Guid userId, int deviceId, short kind)
    {
        await using var command = dataSource.CreateCommand(
            """
            DELETE FROM dm_prekeys
             WHERE (user_id, device_id, kind, key_id) = (
                   SELECT user_id, device_id, kind, key_id FROM dm_prekeys
                    WHERE user_id = $1 AND device_id = $2 AND kind = $3
                    ORDER BY key_id
                    LIMIT 1
                      FOR UPDATE SKIP LOCKED)
            RETURNING key_id, public_key, signature
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(deviceId);
        command.Parameters.AddWithValue(kind);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? new Claimed(reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : null;
    }

    public async Task DeleteDeviceAsync(Guid userId, int deviceId)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM dm_prekeys WHERE user_id = $1 AND device_id = $2");
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(deviceId);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<int> CountAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid userId, int deviceId, short kind)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM dm_prekeys WHERE user_id = $1 AND device_id = $2 AND kind = $3", connection, tx);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(deviceId);
        command.Parameters.AddWithValue(kind);
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }
}
