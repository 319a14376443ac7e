namespace LesCopains.Grains.Guilds;

/// <summary>
/// Effective permissions, computed the way Discord documents it: base = @everyone | member's
/// roles; owner and ADMINISTRATOR get everything; then in a channel the @everyone overwrite, the
/// union of the member's role overwrites (deny then allow), then the member's own overwrite.
/// A channel synced with its category uses the category's overwrites. No VIEW_CHANNEL means no
/// permission in that channel at all; a timed-out member keeps only reading.
/// </summary>
public static class PermissionCalculator
{
    public static Permissions Base(GuildSnapshot guild, Member member, DateTimeOffset now)
    {
        if (member.UserId == guild.OwnerId)
        {
            return Permissions.All;
        }

        var permissions = guild.Everyone.Permissions;
        foreach (var role in guild.Roles)
        {
            if (member.RoleIds.Contains(role.Id))
            {
                permissions |= role.Permissions;
            }
        }

        if (permissions.HasFlag(Permissions.Administrator))
        {
            return Permissions.All;
        }

        return IsTimedOut(member, now) ? permissions & Permissions.TimedOutAllowed : permissions;
    }

    public static Permissions InChannel(GuildSnapshot guild, Member member, Channel channel, DateTimeOffset now)
    {
        var basePermissions = Base(guild, member, now);
        if (basePermissions.HasFlag(Permissions.Administrator))
        {
            return Permissions.All;
        }

        var overwrites = EffectiveOverwrites(guild, channel);
        var permissions = basePermissions;

        var everyone = overwrites.FirstOrDefault(o => o.TargetType == OverwriteTarget.Role && o.TargetId == guild.Id);
        if (everyone is not null)
        {
            permissions &= ~everyone.Deny;
            permissions |= everyone.Allow;
        }

        Permissions allow = Permissions.None, deny = Permissions.None;
        foreach (var overwrite in overwrites)
        {
            if (overwrite.TargetType == OverwriteTarget.Role && overwrite.TargetId != guild.Id && member.RoleIds.Contains(overwrite.TargetId))
            {
                allow |= overwrite.Allow;
                deny |= overwrite.Deny;
            }
        }

        permissions &= ~deny;
        permissions |= allow;

        var own = overwrites.FirstOrDefault(o => o.TargetType == OverwriteTarget.Member && o.TargetId == member.UserId);
        if (own is not null)
        {
            permissions &= ~own.Deny;
            permissions |= own.Allow;
        }

        if (!permissions.HasFlag(Permissions.ViewChannel))
        {
            return Permissions.None;
        }

        if (IsTimedOut(member, now) && member.UserId != guild.OwnerId)
        {
            permissions &= Permissions.TimedOutAllowed;
        }

        return permissions;
    }

    /// <summary>The overwrites that apply: the category's when the channel is synced with it.</summary>
    public static IReadOnlyList<PermissionOverwrite> EffectiveOverwrites(GuildSnapshot guild, Channel channel)
    {
        if (channel.PermissionsSynced && channel.ParentId is { } parentId && guild.FindChannel(parentId) is { } parent)
        {
            return parent.Overwrites;
        }

        return channel.Overwrites;
    }

    /// <summary>Position of the member's highest role (@everyone is 0); the owner outranks everyone.</summary>
    public static int HighestPosition(GuildSnapshot guild, Member member)
    {
        if (member.UserId == guild.OwnerId)
        {
            return int.MaxValue;
        }

        var highest = 0;
        foreach (var role in guild.Roles)
        {
            if (member.RoleIds.Contains(role.Id) && role.Position > highest)
            {
                highest = role.Position;
            }
        }

        return highest;
    }

    public static bool IsTimedOut(Member member, DateTimeOffset now) => member.TimeoutUntil is { } until && until > now;
}
