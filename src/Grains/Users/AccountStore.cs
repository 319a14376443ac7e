using Npgsql;

namespace LesCopains.Grains.Users;

/// <summary>The <c>accounts</c> table: one row per registered user.</summary>
public sealed class AccountStore(NpgsqlDataSource dataSource)
{
    public async Task<bool> TryInsertAsync(Guid id, string username, string displayName, string passwordHash, DateTimeOffset createdAt)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO accounts (id, username, display_name, password_hash, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $5)
            ON CONFLICT DO NOTHING
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(username);
        command.Parameters.AddWithValue(displayName);
        command.Parameters.AddWithValue(passwordHash);
        command.Parameters.AddWithValue(createdAt);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    public async Task<string?> GetPasswordHashAsync(Guid id)
    {
        await using var command = dataSource.CreateCommand("SELECT password_hash FROM accounts WHERE id = $1");
        command.Parameters.AddWithValue(id);
        return await command.ExecuteScalarAsync() as string;
    }

    public async Task UpdateDisplayNameAsync(Guid id, string displayName)
    {
        await using var command = dataSource.CreateCommand("UPDATE accounts SET display_name = $2, updated_at = now() WHERE id = $1");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(displayName);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>False when another account has the name (the unique index, whatever the case).</summary>
    public async Task<bool> TryUpdateUsernameAsync(Guid id, string username)
    {
        await using var command = dataSource.CreateCommand("UPDATE accounts SET username = $2, updated_at = now() WHERE id = $1");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(username);
        try
        {
            return await command.ExecuteNonQueryAsync() == 1;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return false;
        }
    }

    public async Task UpdatePasswordHashAsync(Guid id, string passwordHash)
    {
        await using var command = dataSource.CreateCommand("UPDATE accounts SET password_hash = $2, updated_at = now() WHERE id = $1");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(passwordHash);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The sealed TOTP secret and the last step a code was accepted for; (null, null) when 2FA is off.</summary>
    public async Task<(byte[]? SealedSecret, long? LastStep)> GetTotpAsync(Guid id)
    {
        await using var command = dataSource.CreateCommand("SELECT totp_secret, totp_last_step FROM accounts WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return (null, null);
        }

        return (reader.IsDBNull(0) ? null : reader.GetFieldValue<byte[]>(0), reader.IsDBNull(1) ? null : reader.GetInt64(1));
    }

    /// <summary>Turns 2FA on with its first set of backup codes, in one transaction.</summary>
    public async Task EnableTotpAsync(Guid id, byte[] sealedSecret, long step, IReadOnlyList<byte[]> backupCodeHashes)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand(
            "UPDATE accounts SET totp_secret = $2, totp_last_step = $3, updated_at = now() WHERE id = $1", connection, transaction))
        {
            command.Parameters.AddWithValue(id);
            command.Parameters.AddWithValue(sealedSecret);
            command.Parameters.AddWithValue(step);
            await command.ExecuteNonQueryAsync();
        }

        await ReplaceBackupCodesAsync(connection, transaction, id, backupCodeHashes);
        await transaction.CommitAsync();
    }

    /// <summary>Turns 2FA off: the secret and every backup code go.</summary>
    public async Task DisableTotpAsync(Guid id)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand(
            "UPDATE accounts SET totp_secret = NULL, totp_last_step = NULL, updated_at = now() WHERE id = $1", connection, transaction))
        {
            command.Parameters.AddWithValue(id);
            await command.ExecuteNonQueryAsync();
        }

        await ReplaceBackupCodesAsync(connection, transaction, id, []);
        await transaction.CommitAsync();
    }

    /// <summary>Records the step a code was accepted for, only if it is newer than the last one (a code works once).</summary>
    public async Task<bool> TryAdvanceTotpStepAsync(Guid id, long step)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE accounts SET totp_last_step = $2
             WHERE id = $1 AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < $2)
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(step);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>Marks an unused backup code used; false when there is no such unused code.</summary>
    public async Task<bool> TryUseBackupCodeAsync(Guid id, byte[] codeHash)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE mfa_backup_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(codeHash);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    public async Task<int> CountUnusedBackupCodesAsync(Guid id)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM mfa_backup_codes WHERE user_id = $1 AND used_at IS NULL");
        command.Parameters.AddWithValue(id);
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }

    public async Task ReplaceBackupCodesAsync(Guid id, IReadOnlyList<byte[]> codeHashes)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await ReplaceBackupCodesAsync(connection, transaction, id, codeHashes);
        await transaction.CommitAsync();
    }

    private static async Task ReplaceBackupCodesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, IReadOnlyList<byte[]> codeHashes)
    {
        await using (var delete = new NpgsqlCommand("DELETE FROM mfa_backup_codes WHERE user_id = $1", connection, transaction))
        {
            delete.Parameters.AddWithValue(id);
            await delete.ExecuteNonQueryAsync();
        }

        if (codeHashes.Count == 0)
        {
            return;
        }

        await using var insert = new NpgsqlCommand(
            "INSERT INTO mfa_backup_codes (user_id, code_hash) SELECT $1, h FROM unnest($2::bytea[]) AS h ON CONFLICT DO NOTHING", connection, transaction);
        insert.Parameters.AddWithValue(id);
        insert.Parameters.AddWithValue(codeHashes.ToArray());
        await insert.ExecuteNonQueryAsync();
    }

    /// <summary>Empties a deleted account's row: placeholder names, no usable password, no second factor.</summary>
    public async Task MarkDeletedAsync(Guid id, string username, string displayName)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand(
            """
            UPDATE accounts SET username = $2, display_name = $3, password_hash = '!', totp_secret = NULL, totp_last_step = NULL,
                   deleted_at = COALESCE(deleted_at, now()), updated_at = now()
             WHERE id = $1
            """, connection, transaction))
        {
            command.Parameters.AddWithValue(id);
            command.Parameters.AddWithValue(username);
            command.Parameters.AddWithValue(displayName);
            await command.ExecuteNonQueryAsync();
        }

        await ReplaceBackupCodesAsync(connection, transaction, id, []);
        await transaction.CommitAsync();
    }
}
