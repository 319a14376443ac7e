using Npgsql;

namespace LesCopains.Grains.Guilds;

/// <summary>The <c>guild_emojis</c> table (migration 0022): which blob each guild emoji is, and its content type.</summary>
public sealed class GuildEmojiStore(NpgsqlDataSource dataSource)
{
    /// <summary>Adds or renames an emoji (idempotent: a retried write after a failed state save lands the same row).</summary>
    public async Task PutAsync(Guid guildId, GuildEmoji emoji)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO guild_emojis (id, guild_id, name, image, content_type) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name
            """);
        command.Parameters.AddWithValue(emoji.Id);
        command.Parameters.AddWithValue(guildId);
        command.Parameters.AddWithValue(emoji.Name);
        command.Parameters.AddWithValue(emoji.Image);
        command.Parameters.AddWithValue(emoji.ContentType);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DeleteAsync(Guid emojiId)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM guild_emojis WHERE id = $1");
        command.Parameters.AddWithValue(emojiId);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DeleteGuildAsync(Guid guildId)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM guild_emojis WHERE guild_id = $1");
        command.Parameters.AddWithValue(guildId);
        await command.ExecuteNonQueryAsync();
    }
}
