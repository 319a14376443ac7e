using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace LesCopains.Grains.Guilds;

/// <summary>The <c>audit_log</c> table: every administrative change of a guild.</summary>
public sealed class AuditLogStore(NpgsqlDataSource dataSource)
{
    public async Task AppendAsync(Guid guildId, AuditEntry entry)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO audit_log (id, guild_id, actor_id, action, target_id, reason, changes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
        command.Parameters.AddWithValue(entry.Id);
        command.Parameters.AddWithValue(guildId);
        command.Parameters.AddWithValue(entry.ActorId);
        command.Parameters.AddWithValue(entry.Action);
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)entry.TargetId ?? DBNull.Value);
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)entry.Reason ?? DBNull.Value);
        command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, entry.Changes);
        command.Parameters.AddWithValue(entry.CreatedAt);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<IReadOnlyList<AuditEntry>> PageAsync(Guid guildId, Guid? before, int limit)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, actor_id, action, target_id, reason, changes::text, created_at
              FROM audit_log
             WHERE guild_id = $1 AND ($2::uuid IS NULL OR id < $2)
             ORDER BY id DESC
             LIMIT $3
            """);
        command.Parameters.AddWithValue(guildId);
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)before ?? DBNull.Value);
        command.Parameters.AddWithValue(limit);
        var entries = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            entries.Add(new AuditEntry(
                reader.GetGuid(0),
                reader.GetGuid(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetGuid(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return entries;
    }

    public static string Changes(object changes) => JsonSerializer.Serialize(changes, JsonSerializerOptions.Web);
}
