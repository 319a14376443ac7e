using System.Globalization;

namespace LesCopains.Grains.Guilds;

// The JSON shapes of docs/API.md ("Guilds"). Used by REST answers and hub event payloads alike,
// so a client sees one shape whichever way a change reaches it.

[GenerateSerializer, Immutable, Alias("lc.RoleDto")]
public sealed record RoleDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] int Color,
    [property: Id(3)] int Position,
    [property: Id(4)] string Permissions)
{
    public static RoleDto From(Role r) => new(r.Id, r.Name, r.Color, r.Position, Bits(r.Permissions));

    public static string Bits(Permissions p) => ((ulong)p).ToString(CultureInfo.InvariantCulture);
}

[GenerateSerializer, Immutable, Alias("lc.OverwriteDto")]
public sealed record OverwriteDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Type,
    [property: Id(2)] string Allow,
    [property: Id(3)] string Deny)
{
    public static OverwriteDto From(PermissionOverwrite o) =>
        new(o.TargetId, o.TargetType == OverwriteTarget.Role ? "role" : "member", RoleDto.Bits(o.Allow), RoleDto.Bits(o.Deny));
}

[GenerateSerializer, Immutable, Alias("lc.ChannelDto")]
public sealed record ChannelDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid GuildId,
    [property: Id(2)] string Type,
    [property: Id(3)] string Name,
    [property: Id(4)] string Topic,
    [property: Id(5)] Guid? ParentId,
    [property: Id(6)] int Position,
    [property: Id(7)] bool PermissionsSynced,
    [property: Id(8)] IReadOnlyList<OverwriteDto> Overwrites,
    [property: Id(9)] int RateLimitPerUser)
{
    public static ChannelDto From(Guid guildId, Channel c) => new(
        c.Id, guildId, TypeName(c.Type), c.Name, c.Topic, c.ParentId, c.Position, c.PermissionsSynced,
        c.Overwrites.Select(OverwriteDto.From).ToList(), c.RateLimitPerUser);

    public static string TypeName(ChannelType type) => type switch
    {
        ChannelType.Text => "text",
        ChannelType.Voice => "voice",
        _ => "category",
    };
}

[GenerateSerializer, Immutable, Alias("lc.MemberDto")]
public sealed record MemberDto(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string Username,
    [property: Id(2)] string DisplayName,
    [property: Id(3)] string? Nickname,
    [property: Id(4)] IReadOnlyList<Guid> Roles,
    [property: Id(5)] DateTimeOffset JoinedAt,
    [property: Id(6)] DateTimeOffset? TimeoutUntil);

/// <summary>A page of the member list; <see cref="Next"/> continues it, <c>null</c> (left out of the JSON) after the last member.</summary>
[GenerateSerializer, Immutable, Alias("lc.MemberPage")]
public sealed record MemberPage(
    [property: Id(0)] IReadOnlyList<MemberDto> Members,
    [property: Id(1)] string? Next);

[GenerateSerializer, Immutable, Alias("lc.MeDto")]
public sealed record MeDto(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string? Nickname,
    [property: Id(2)] IReadOnlyList<Guid> Roles,
    [property: Id(3)] DateTimeOffset JoinedAt,
    [property: Id(4)] DateTimeOffset? TimeoutUntil,
    [property: Id(5)] string Permissions,
    [property: Id(6)] IReadOnlyDictionary<Guid, string> ChannelPermissions);

[GenerateSerializer, Immutable, Alias("lc.GuildViewDto")]
public sealed record GuildViewDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] Guid OwnerId,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] int MemberCount,
    [property: Id(5)] IReadOnlyList<RoleDto> Roles,
    [property: Id(6)] IReadOnlyList<ChannelDto> Channels,
    [property: Id(7)] MeDto Me,
    [property: Id(8)] string? Icon = null,
    [property: Id(9)] IReadOnlyList<EmojiDto>? Emojis = null)
{
    /// <summary>What <paramref name="member"/> may see of the guild.</summary>
    public static GuildViewDto For(GuildSnapshot guild, Member member, DateTimeOffset now)
    {
        var channelPermissions = new Dictionary<Guid, string>();
        var channels = new List<ChannelDto>();
        foreach (var channel in guild.Channels.OrderBy(c => c.Position))
        {
            var permissions = PermissionCalculator.InChannel(guild, member, channel, now);
            if (permissions.HasFlag(Permissions.ViewChannel))
            {
                channels.Add(ChannelDto.From(guild.Id, channel));
                channelPermissions[channel.Id] = RoleDto.Bits(permissions);
            }
        }

        return new GuildViewDto(
            guild.Id, guild.Name, guild.OwnerId, guild.CreatedAt, guild.MemberCount,
            guild.Roles.OrderBy(r => r.Position).Select(RoleDto.From).ToList(),
            channels,
            new MeDto(member.UserId, member.Nickname, member.RoleIds, member.JoinedAt, member.TimeoutUntil,
                RoleDto.Bits(PermissionCalculator.Base(guild, member, now)), channelPermissions),
            guild.Icon,
            (guild.Emojis ?? []).Select(EmojiDto.From).ToList());
    }
}

/// <summary>A guild emoji as clients see it: <c>image</c> is the SHA-256 of its picture (<c>/api/attachments/emojis/{image}</c>).</summary>
[GenerateSerializer, Immutable, Alias("lc.EmojiDto")]
public sealed record EmojiDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Image,
    [property: Id(3)] Guid CreatorId,
    [property: Id(4)] DateTimeOffset CreatedAt)
{
    public static EmojiDto From(GuildEmoji emoji) => new(emoji.Id, emoji.Name, emoji.Image, emoji.CreatorId, emoji.CreatedAt);
}

[GenerateSerializer, Immutable, Alias("lc.BanDto")]
public sealed record BanDto(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string? Username,
    [property: Id(2)] string? Reason,
    [property: Id(3)] Guid BannedBy,
    [property: Id(4)] DateTimeOffset BannedAt);
