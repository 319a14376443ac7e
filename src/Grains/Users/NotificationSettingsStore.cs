using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace LesCopains.Grains.Users;

/// <summary>The <c>notification_settings</c> table: one JSON document per member and guild.</summary>
public sealed class NotificationSettingsStore(NpgsqlDataSource dataSource)
{
    public async Task<Dictionary<Guid, GuildNotifySettings>> LoadAsync(Guid userId)
    {
        await using var command = dataSource.CreateCommand("SELECT guild_id, settings FROM notification_settings WHERE user_id = $1");
        command.Parameters.AddWithValue(userId);
        await using var reader = await command.ExecuteReaderAsync();
        var result = new Dictionary<Guid, GuildNotifySettings>();
        while (await reader.ReadAsync())
        {
            var guildId = reader.GetGuid(0);
            var stored = JsonSerializer.Deserialize<GuildNotifySettings>(reader.GetString(1), JsonSerializerOptions.Web);
            if (stored is not null)
            {
                result[guildId] = stored with { GuildId = guildId, Channels = stored.Channels ?? [] };
            }
        }

        return result;
    }

    /// <summary>Writes the guild's settings whole; settings back at the default remove the row.</summary>
    public async Task SaveAsync(Guid userId, GuildNotifySettings settings, DateTimeOffset now)
    {
        if (IsDefault(settings))
        {
            await using var delete = dataSource.CreateCommand("DELETE FROM notification_settings WHERE user_id = $1 AND guild_id = $2");
            delete.Parameters.AddWithValue(userId);
            delete.Parameters.AddWithValue(settings.GuildId);
            await delete.ExecuteNonQueryAsync();
            return;
        }

        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO notification_settings (user_id, guild_id, settings, updated_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (user_id, guild_id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = EXCLUDED.updated_at
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(settings.GuildId);
        command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, JsonSerializer.Serialize(settings, JsonSerializerOptions.Web));
        command.Parameters.AddWithValue(now);
        await command.ExecuteNonQueryAsync();
    }

    private static bool IsDefault(GuildNotifySettings s) =>
        s is { Level: NotifyLevels.Mentions, SuppressEveryone: false, SuppressRoles: false, Muted: false, Channels.Count: 0 };
}
