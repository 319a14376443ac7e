using LesCopains.Grains.Guilds;

namespace LesCopains.Grains.Guilds;

/// <summary>A guild's bounded aggregate: settings, roles, channels, bans, invites. Members live in <c>guild_members</c>.</summary>
[GenerateSerializer, Alias("lc.GuildState")]
public sealed class GuildState
{
    [Id(0)]
    public bool Created { get; set; }

    [Id(1)]
    public bool Deleted { get; set; }

    [Id(2)]
    public string Name { get; set; } = "";

    [Id(3)]
    public Guid OwnerId { get; set; }

    [Id(4)]
    public DateTimeOffset CreatedAt { get; set; }

    [Id(5)]
    public List<Role> Roles { get; set; } = [];

    [Id(6)]
    public List<Channel> Channels { get; set; } = [];

    [Id(7)]
    public Dictionary<Guid, Ban> Bans { get; set; } = [];

    [Id(8)]
    public Dictionary<string, Invite> Invites { get; set; } = [];

    [Id(9)]
    public int MemberCount { get; set; }

    /// <summary>Bumped on every change that can alter who sees what.</summary>
    [Id(10)]
    public long Version { get; set; }

    /// <summary>The icon's SHA-256 in the blob store (also in <c>guild_icons</c>); null: initials.</summary>
    [Id(11)]
    public string? Icon { get; set; }

    [Id(12)]
    public string? IconType { get; set; }

    /// <summary>The guild's own emoji (at most <see cref="GuildRules.MaxEmojis"/>; also in <c>guild_emojis</c>).</summary>
    [Id(13)]
    public List<GuildEmoji> Emojis { get; set; } = [];
}
