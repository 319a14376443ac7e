using LesCopains.Grains.Guilds;
using static LesCopains.Grains.Guilds.Permissions;

namespace LesCopains.Grains.Tests;

/// <summary>
/// The effective-permission rules of docs/API.md ("Guilds"), one table row per rule. Every row
/// runs in the same guild: @everyone, roles A (position 1), B (2) and Admin (3, ADMINISTRATOR), a
/// category and a text channel inside it.
/// </summary>
public sealed class PermissionCalculatorTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid GuildId = Guid.Parse("00000000-0000-0000-0000-0000000000aa");
    private static readonly Guid OwnerId = Guid.Parse("00000000-0000-0000-0000-0000000000bb");
    private static readonly Guid MemberId = Guid.Parse("00000000-0000-0000-0000-0000000000cc");
    private static readonly Guid RoleA = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid RoleB = Guid.Parse("00000000-0000-0000-0000-00000000000b");
    private static readonly Guid RoleAdmin = Guid.Parse("00000000-0000-0000-0000-0000000000ad");
    private static readonly Guid CategoryId = Guid.Parse("00000000-0000-0000-0000-0000000000c0");
    private static readonly Guid ChannelId = Guid.Parse("00000000-0000-0000-0000-0000000000c1");

    /// <summary>An overwrite for "everyone", "A", "B", "Admin" or "member" (the member under test).</summary>
    public sealed record Ow(string Target, Permissions Allow, Permissions Deny);

    public sealed record Case(string Rule, Permissions Expected)
    {
        public Permissions Everyone { get; init; } = DefaultEveryone;

        public Permissions A { get; init; }

        public Permissions B { get; init; }

        /// <summary>Roles the member holds: "A", "B", "Admin".</summary>
        public string[] Roles { get; init; } = [];

        public bool IsOwner { get; init; }

        /// <summary>Timeout end relative to now (negative: already over).</summary>
        public TimeSpan? Timeout { get; init; }

        public Ow[] ChannelOverwrites { get; init; } = [];

        public Ow[] CategoryOverwrites { get; init; } = [];

        public bool Synced { get; init; }

        public override string ToString() => Rule;
    }

    private const Permissions Reading = ViewChannel | ReadMessageHistory;

    public static TheoryData<Case> BaseCases => new()
    {
        new("base is @everyone's permissions", DefaultEveryone),
        new("base is @everyone | every role the member holds", DefaultEveryone | KickMembers | ManageRoles)
        {
            A = KickMembers, B = ManageRoles, Roles = ["A", "B"],
        },
        new("roles the member does not hold add nothing", DefaultEveryone | KickMembers)
        {
            A = KickMembers, B = BanMembers, Roles = ["A"],
        },
        new("with an empty @everyone only roles count", ManageGuild) { Everyone = None, A = ManageGuild, Roles = ["A"] },
        new("the owner has everything, whatever the roles", All) { Everyone = None, IsOwner = true },
        new("ADMINISTRATOR from any role gives everything", All) { Everyone = None, Roles = ["Admin"] },
        new("ADMINISTRATOR on @everyone gives everything", All) { Everyone = Administrator },
        new("a timed-out member keeps only VIEW_CHANNEL | READ_MESSAGE_HISTORY", Reading)
        {
            A = ManageGuild | KickMembers, Roles = ["A"], Timeout = TimeSpan.FromHours(1),
        },
        new("a timed-out member without reading rights keeps nothing more", ViewChannel)
        {
            Everyone = ViewChannel | SendMessages, Timeout = TimeSpan.FromHours(1),
        },
        new("an expired timeout is not applied", DefaultEveryone | KickMembers)
        {
            A = KickMembers, Roles = ["A"], Timeout = TimeSpan.FromSeconds(-1),
        },
        new("the owner is not affected by a timeout", All) { IsOwner = true, Timeout = TimeSpan.FromHours(1) },
    };

    public static TheoryData<Case> ChannelCases => new()
    {
        new("without overwrites a channel grants the base", DefaultEveryone),
        new("the @everyone overwrite denies", DefaultEveryone & ~SendMessages)
        {
            ChannelOverwrites = [new("everyone", None, SendMessages)],
        },
        new("the @everyone overwrite allows", DefaultEveryone | ManageMessages)
        {
            ChannelOverwrites = [new("everyone", ManageMessages, None)],
        },
        new("a role overwrite denies what @everyone's overwrite allowed", DefaultEveryone & ~AttachFiles)
        {
            Roles = ["A"],
            ChannelOverwrites = [new("everyone", AttachFiles, None), new("A", None, AttachFiles)],
        },
        new("a role overwrite allows what @everyone's overwrite denied", DefaultEveryone)
        {
            Roles = ["A"],
            ChannelOverwrites = [new("everyone", None, SendMessages), new("A", SendMessages, None)],
        },
        new("role overwrites are a union: an allow from one role beats a deny from another", DefaultEveryone)
        {
            Roles = ["A", "B"],
            ChannelOverwrites = [new("A", None, SendMessages), new("B", SendMessages, None)],
        },
        new("role overwrites are a union whatever the roles' order", DefaultEveryone)
        {
            Roles = ["A", "B"],
            ChannelOverwrites = [new("B", None, SendMessages), new("A", SendMessages, None)],
        },
        new("overwrites of roles the member does not hold do not apply", DefaultEveryone)
        {
            Roles = ["A"],
            ChannelOverwrites = [new("B", None, SendMessages)],
        },
        new("the member overwrite allow beats a role overwrite deny", DefaultEveryone)
        {
            Roles = ["A"],
            ChannelOverwrites = [new("A", None, SendMessages), new("member", SendMessages, None)],
        },
        new("the member overwrite deny beats a role overwrite allow", DefaultEveryone & ~SendMessages)
        {
            Roles = ["A"],
            ChannelOverwrites = [new("everyone", None, SendMessages), new("A", SendMessages, None), new("member", None, SendMessages)],
        },
        new("no VIEW_CHANNEL means no permission at all in the channel", None)
        {
            ChannelOverwrites = [new("everyone", ManageMessages, ViewChannel)],
        },
        new("no VIEW_CHANNEL in the base means nothing in any channel", None) { Everyone = SendMessages | ReadMessageHistory },
        new("a private channel: @everyone denied, a held role allowed, is visible", DefaultEveryone)
        {
            Roles = ["A"],
            ChannelOverwrites = [new("everyone", None, ViewChannel), new("A", ViewChannel, None)],
        },
        new("a private channel: without the allowed role it is invisible", None)
        {
            Roles = ["B"],
            ChannelOverwrites = [new("everyone", None, ViewChannel), new("A", ViewChannel, None)],
        },
        new("a member overwrite alone can open a private channel", DefaultEveryone)
        {
            ChannelOverwrites = [new("everyone", None, ViewChannel), new("member", ViewChannel, None)],
        },
        new("ADMINISTRATOR bypasses every overwrite", All)
        {
            Roles = ["Admin"],
            ChannelOverwrites = [new("everyone", None, ViewChannel | SendMessages), new("Admin", None, ViewChannel), new("member", None, ViewChannel)],
        },
        new("the owner bypasses every overwrite", All)
        {
            IsOwner = true,
            ChannelOverwrites = [new("everyone", None, ViewChannel), new("member", None, ViewChannel)],
        },
        new("a synced channel uses its category's overwrites", DefaultEveryone & ~SendMessages)
        {
            Synced = true,
            CategoryOverwrites = [new("everyone", None, SendMessages)],
            ChannelOverwrites = [new("everyone", ManageMessages, None)],
        },
        new("a synced channel in a private category is private", None)
        {
            Synced = true,
            CategoryOverwrites = [new("everyone", None, ViewChannel)],
        },
        new("an unsynced channel uses its own overwrites, not its category's", DefaultEveryone | ManageMessages)
        {
            Synced = false,
            CategoryOverwrites = [new("everyone", None, ViewChannel | SendMessages)],
            ChannelOverwrites = [new("everyone", ManageMessages, None)],
        },
        new("a timed-out member keeps only VIEW_CHANNEL | READ_MESSAGE_HISTORY in a channel", Reading)
        {
            Roles = ["A"], A = ManageMessages, Timeout = TimeSpan.FromMinutes(5),
        },
        new("a timeout also strips what overwrites allow", Reading)
        {
            Timeout = TimeSpan.FromMinutes(5),
            ChannelOverwrites = [new("member", SendMessages | ManageMessages, None)],
        },
        new("a timed-out member sees nothing in a channel denied to them", None)
        {
            Timeout = TimeSpan.FromMinutes(5),
            ChannelOverwrites = [new("everyone", None, ViewChannel)],
        },
        new("an expired timeout is not applied in a channel", DefaultEveryone) { Timeout = TimeSpan.FromMinutes(-5) },
        new("the owner keeps everything in a channel while timed out", All) { IsOwner = true, Timeout = TimeSpan.FromMinutes(5) },
    };

    [Theory]
    [MemberData(nameof(BaseCases))]
    public void Base_permissions_follow_the_rule(Case rule)
    {
        var (guild, member, _) = Build(rule);

        Assert.Equal(rule.Expected, PermissionCalculator.Base(guild, member, Now));
    }

    [Theory]
    [MemberData(nameof(ChannelCases))]
    public void Channel_permissions_follow_the_rule(Case rule)
    {
        var (guild, member, channel) = Build(rule);

        Assert.Equal(rule.Expected, PermissionCalculator.InChannel(guild, member, channel, Now));
    }

    [Fact]
    public void A_synced_channel_without_a_category_uses_its_own_overwrites()
    {
        var (guild, member, channel) = Build(new Case("", None) { ChannelOverwrites = [new("everyone", None, SendMessages)] });
        var orphan = channel with { ParentId = null, PermissionsSynced = true };
        guild = guild with { Channels = [orphan] };

        Assert.Equal(DefaultEveryone & ~SendMessages, PermissionCalculator.InChannel(guild, member, orphan, Now));
        Assert.Same(orphan.Overwrites, PermissionCalculator.EffectiveOverwrites(guild, orphan));
    }

    public static TheoryData<string, string[], bool, int> HighestCases => new()
    {
        { "a member without roles is at @everyone's position 0", [], false, 0 },
        { "the highest held role counts", ["A", "B"], false, 2 },
        { "only held roles count", ["A"], false, 1 },
        { "ADMINISTRATOR does not raise the position beyond its role", ["Admin"], false, 3 },
        { "the owner outranks everyone", [], true, int.MaxValue },
    };

    [Theory]
    [MemberData(nameof(HighestCases))]
    public void Highest_position_follows_the_rule(string rule, string[] roles, bool isOwner, int expected)
    {
        var (guild, member, _) = Build(new Case(rule, None) { Roles = roles, IsOwner = isOwner });

        Assert.Equal(expected, PermissionCalculator.HighestPosition(guild, member));
    }

    [Fact]
    public void A_timeout_is_active_only_until_its_end()
    {
        var member = new Member(MemberId, null, [], Now, Now.AddSeconds(1));

        Assert.True(PermissionCalculator.IsTimedOut(member, Now));
        Assert.False(PermissionCalculator.IsTimedOut(member, Now.AddSeconds(1)));
        Assert.False(PermissionCalculator.IsTimedOut(member with { TimeoutUntil = null }, Now));
    }

    private static (GuildSnapshot Guild, Member Member, Channel Channel) Build(Case rule)
    {
        var roles = new List<Role>
        {
            new(GuildId, "@everyone", 0, 0, rule.Everyone),
            new(RoleA, "A", 0, 1, rule.A),
            new(RoleB, "B", 0, 2, rule.B),
            new(RoleAdmin, "Admin", 0, 3, Administrator),
        };
        var userId = rule.IsOwner ? OwnerId : MemberId;
        var category = new Channel(CategoryId, ChannelType.Category, "Text Channels", "", null, 0, Overwrites(rule.CategoryOverwrites, userId), false);
        var channel = new Channel(ChannelId, ChannelType.Text, "general", "", CategoryId, 0, Overwrites(rule.ChannelOverwrites, userId), rule.Synced);
        var guild = new GuildSnapshot(GuildId, "Guild", OwnerId, roles, [category, channel], 1, 2, Now);
        var member = new Member(userId, null, rule.Roles.Select(RoleOf).ToList(), Now, rule.Timeout is { } t ? Now + t : null);
        return (guild, member, channel);
    }

    private static List<PermissionOverwrite> Overwrites(Ow[] overwrites, Guid userId) =>
        overwrites.Select(o => o.Target == "member"
            ? new PermissionOverwrite(userId, OverwriteTarget.Member, o.Allow, o.Deny)
            : new PermissionOverwrite(RoleOf(o.Target), OverwriteTarget.Role, o.Allow, o.Deny)).ToList();

    private static Guid RoleOf(string name) => name switch
    {
        "everyone" => GuildId,
        "A" => RoleA,
        "B" => RoleB,
        "Admin" => RoleAdmin,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };
}
