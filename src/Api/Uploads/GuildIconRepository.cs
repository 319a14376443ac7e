using Npgsql;

namespace LesCopains.Api.Uploads;

/// <summary>Reads the <c>guild_icons</c> and <c>guild_emojis</c> tables (migrations 0021, 0022), which the guild grains write.</summary>
public sealed class GuildIconRepository(NpgsqlDataSource dataSource)
{
    /// <summary>The content type of an icon some guild has now; null when none has it.</summary>
    public async Task<string?> TypeOfAsync(string sha256, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT icon_type FROM guild_icons WHERE icon = $1 LIMIT 1");
        command.Parameters.AddWithValue(sha256);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>The content type of an emoji picture some guild has now; null when none has it.</summary>
    public async Task<string?> EmojiTypeOfAsync(string sha256, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT content_type FROM guild_emojis WHERE image = $1 LIMIT 1");
        command.Parameters.AddWithValue(sha256);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
