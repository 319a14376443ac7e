using Npgsql;

namespace LesCopains.Grains.Guilds;

/// <summary>The <c>guild_icons</c> table (migration 0021): which blob is a guild's icon, and its content type.</summary>
public sealed class GuildIconStore(NpgsqlDataSource dataSource)
{
    /// <summary>Sets the guild's icon, or with a null <paramref name="sha256"/> removes it.</summary>
    public async Task SetAsync(Guid guildId, string? sha256, string? contentType)
    {
        await using var command = sha256 is null
            ? dataSource.CreateCommand("DELETE FROM guild_icons WHERE guild_id = $1")
            : dataSource.CreateCommand(
                """
                INSERT INTO guild_icons (guild_id, icon, icon_type) VALUES ($1, $2, $3)
                ON CONFLICT (guild_id) DO UPDATE SET icon = excluded.icon, icon_type = excluded.icon_type
                """);
        command.Parameters.AddWithValue(guildId);
        if (sha256 is not null)
        {
            command.Parameters.AddWithValue(sha256);
            command.Parameters.AddWithValue(contentType ?? throw new ArgumentNullException(nameof(contentType)));
        }

        await command.ExecuteNonQueryAsync();
    }
}
