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
}
