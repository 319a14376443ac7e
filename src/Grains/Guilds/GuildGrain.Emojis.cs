namespace LesCopains.Grains.Guilds;

public sealed partial class GuildGrain
{
    public async Task<EmojiDto> CreateEmoji(Guid actorId, string name, string image, string contentType)
    {
        await RequirePermissionAsync(actorId, Permissions.ManageGuildExpressions);
        name = UniqueEmojiName(GuildRules.EmojiName(name), null);
        if (image.Length != 64 || !image.All(char.IsAsciiHexDigitLower) || string.IsNullOrEmpty(contentType))
        {
            throw GuildRules.Invalid("image", "a picture's SHA-256 (64 lower-case hex digits) and its content type.");
        }

        if (S.Emojis.Count >= GuildRules.MaxEmojis)
        {
            throw new DomainException(ErrorCodes.LimitReached, $"A guild has at most {GuildRules.MaxEmojis} emoji.");
        }

        var emoji = new GuildEmoji(Guid.CreateVersion7(), name, image, contentType, actorId, Now);
        // The row first, as for the icon: the reference checks must see every emoji a view can name.
        await emojis.PutAsync(GuildId, emoji);
        S.Emojis.Add(emoji);
        await SaveAsync();
        await AuditAsync(actorId, "emoji_create", emoji.Id, null, new { name });
        var dto = EmojiDto.From(emoji);
        Publish("emoji:create", new { guildId = GuildId, emoji = dto });
        return dto;
    }

    public async Task<EmojiDto> RenameEmoji(Guid actorId, Guid emojiId, string name)
    {
        await RequirePermissionAsync(actorId, Permissions.ManageGuildExpressions);
        var i = FindEmoji(emojiId);
        var old = S.Emojis[i];
        name = UniqueEmojiName(GuildRules.EmojiName(name), emojiId);
        if (name != old.Name)
        {
            var renamed = old with { Name = name };
            await emojis.PutAsync(GuildId, renamed);
            S.Emojis[i] = renamed;
            await SaveAsync();
            await AuditAsync(actorId, "emoji_update", emojiId, null, new { name = new { old = old.Name, @new = name } });
            Publish("emoji:update", new { guildId = GuildId, emoji = EmojiDto.From(renamed) });
        }

        return EmojiDto.From(S.Emojis[i]);
    }

    public async Task<string> DeleteEmoji(Guid actorId, Guid emojiId)
    {
        await RequirePermissionAsync(actorId, Permissions.ManageGuildExpressions);
        var i = FindEmoji(emojiId);
        var emoji = S.Emojis[i];
        S.Emojis.RemoveAt(i);
        await SaveAsync();
        await emojis.DeleteAsync(emojiId);
        await AuditAsync(actorId, "emoji_delete", emojiId, null, new { name = emoji.Name });
        Publish("emoji:delete", new { guildId = GuildId, emojiId });
        return emoji.Image;
    }

    public Task<bool> HasEmoji(Guid emojiId) => Task.FromResult(S.Created && !S.Deleted && S.Emojis.Any(e => e.Id == emojiId));

    private int FindEmoji(Guid emojiId)
    {
        var i = S.Emojis.FindIndex(e => e.Id == emojiId);
        return i >= 0 ? i : throw new DomainException(ErrorCodes.EmojiNotFound, "No such emoji in this guild.");
    }

    /// <summary>Names are unique in a guild, whatever their case, so that <c>:name:</c> finds one emoji.</summary>
    private string UniqueEmojiName(string name, Guid? self) =>
        S.Emojis.Any(e => e.Id != self && string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
            ? throw GuildRules.Invalid("name", $"this guild already has an emoji called '{name}'.")
            : name;
}
