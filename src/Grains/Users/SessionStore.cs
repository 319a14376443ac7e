using Npgsql;

namespace LesCopains.Grains.Users;

/// <summary>The <c>sessions</c> and <c>refresh_tokens</c> tables.</summary>
public sealed class SessionStore(NpgsqlDataSource dataSource)
{
    public sealed record TokenRow(Guid SessionId, int Generation, DateTimeOffset ExpiresAt, DateTimeOffset? UsedAt);

    public async Task CreateAsync(SessionInfo session, byte[] tokenHash)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, user_agent, ip_address)
            VALUES ($1, $2, $3, $3, $4, $5, $6)
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue(session.Id);
            insert.Parameters.AddWithValue(session.UserId);
            insert.Parameters.AddWithValue(session.CreatedAt);
            insert.Parameters.AddWithValue(session.ExpiresAt);
            insert.Parameters.AddWithValue((object?)session.UserAgent ?? DBNull.Value);
            insert.Parameters.AddWithValue((object?)session.IpAddress ?? DBNull.Value);
            await insert.ExecuteNonQueryAsync();
        }

        await InsertTokenAsync(connection, transaction, session.Id, tokenHash, 1, session.CreatedAt, session.ExpiresAt);
        await transaction.CommitAsync();
    }

    public async Task<SessionInfo?> GetAsync(Guid id, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, user_id, created_at, last_used_at, expires_at, user_agent, ip_address, revoked_at
              FROM sessions WHERE id = $1
            """);
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? ReadSession(reader, now) : null;
    }

    public async Task<IReadOnlyList<SessionInfo>> ListActiveAsync(Guid userId, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, user_id, created_at, last_used_at, expires_at, user_agent, ip_address, revoked_at
              FROM sessions
             WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2
             ORDER BY last_used_at DESC
             LIMIT 200
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(now);
        var sessions = new List<SessionInfo>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            sessions.Add(ReadSession(reader, now));
        }

        return sessions;
    }

    public async Task<TokenRow?> FindTokenAsync(byte[] tokenHash)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT session_id, generation, expires_at, used_at FROM refresh_tokens WHERE token_hash = $1");
        command.Parameters.AddWithValue(tokenHash);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        return new TokenRow(
            reader.GetGuid(0),
            reader.GetInt32(1),
            reader.GetFieldValue<DateTimeOffset>(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3));
    }

    /// <summary>Retires <paramref name="oldHash"/> and issues the next generation, atomically.</summary>
    public async Task<bool> RotateAsync(Guid sessionId, byte[] oldHash, byte[] newHash, int newGeneration, DateTimeOffset now, DateTimeOffset expiresAt, string? userAgent, string? ipAddress)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var retire = new NpgsqlCommand(
            "UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL", connection, transaction))
        {
            retire.Parameters.AddWithValue(oldHash);
            retire.Parameters.AddWithValue(now);
            if (await retire.ExecuteNonQueryAsync() != 1)
            {
                await transaction.RollbackAsync();
                return false;
            }
        }

        await InsertTokenAsync(connection, transaction, sessionId, newHash, newGeneration, now, expiresAt);
        await using (var touch = new NpgsqlCommand(
            """
            UPDATE sessions SET last_used_at = $2, expires_at = $3,
                   user_agent = COALESCE($4, user_agent), ip_address = COALESCE($5, ip_address)
             WHERE id = $1
            """, connection, transaction))
        {
            touch.Parameters.AddWithValue(sessionId);
            touch.Parameters.AddWithValue(now);
            touch.Parameters.AddWithValue(expiresAt);
            touch.Parameters.AddWithValue((object?)userAgent ?? DBNull.Value);
            touch.Parameters.AddWithValue((object?)ipAddress ?? DBNull.Value);
            await touch.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return true;
    }

    public async Task RevokeAsync(Guid sessionId, string reason, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE sessions SET revoked_at = COALESCE(revoked_at, $2), revoke_reason = COALESCE(revoke_reason, $3) WHERE id = $1");
        command.Parameters.AddWithValue(sessionId);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(reason);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task InsertTokenAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid sessionId, byte[] hash, int generation, DateTimeOffset now, DateTimeOffset expiresAt)
    {
        await using var insert = new NpgsqlCommand(
            "INSERT INTO refresh_tokens (token_hash, session_id, generation, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            connection, transaction);
        insert.Parameters.AddWithValue(hash);
        insert.Parameters.AddWithValue(sessionId);
        insert.Parameters.AddWithValue(generation);
        insert.Parameters.AddWithValue(now);
        insert.Parameters.AddWithValue(expiresAt);
        await insert.ExecuteNonQueryAsync();
    }

    private static SessionInfo ReadSession(NpgsqlDataReader reader, DateTimeOffset now)
    {
        var expiresAt = reader.GetFieldValue<DateTimeOffset>(4);
        var revoked = !reader.IsDBNull(7);
        return new SessionInfo(
            reader.GetGuid(0),
            reader.GetGuid(1),
            reader.GetFieldValue<DateTimeOffset>(2),
            reader.GetFieldValue<DateTimeOffset>(3),
            expiresAt,
            reader.IsDBNull(5) ? null : reader.GetString(5),
            reader.IsDBNull(6) ? null : reader.GetString(6),
            !revoked && expiresAt > now);
    }
}
