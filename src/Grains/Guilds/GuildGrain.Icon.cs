namespace LesCopains.Grains.Guilds;

public sealed partial class GuildGrain
{
    public async Task<string?> SetIcon(Guid actorId, string? icon, string? iconType)
    {
        await RequirePermissionAsync(actorId, Permissions.ManageGuild);
        if (icon is not null && (icon.Length != 64 || !icon.All(char.IsAsciiHexDigitLower) || string.IsNullOrEmpty(iconType)))
        {
            throw GuildRules.Invalid("icon", "a picture's SHA-256 (64 lower-case hex digits) and its content type.");
        }

        if (icon is null)
        {
            iconType = null;
        }

        var old = S.Icon;
        if (old == icon && S.IconType == iconType)
        {
            return old;
        }

        // The row first: a picture address that works before the view shows it is harmless; a view
        // naming bytes that the reference checks do not see could lose them.
        await icons.SetAsync(GuildId, icon, iconType);
        S.Icon = icon;
        S.IconType = iconType;
        await SaveAsync();
        await AuditAsync(actorId, "guild_update", GuildId, null, new { icon = new { old, @new = icon } });
        Publish("guild:update", new { guildId = GuildId, icon });
        return old;
    }
}
