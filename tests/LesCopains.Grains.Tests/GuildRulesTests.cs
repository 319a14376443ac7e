using LesCopains.Grains.Guilds;

namespace LesCopains.Grains.Tests;

/// <summary>Names and limits of docs/API.md ("Guilds"): what is normalized, what is refused.</summary>
public sealed class GuildRulesTests
{
    public static TheoryData<string, string> TextChannelNames => new()
    {
        { "Hello World!", "hello-world" },
        { "general", "general" },
        { "  Spaced   Out  ", "spaced-out" },
        { "a - - b", "a-b" },
        { "--edges--", "edges" },
        { "under_score_ok", "under_score_ok" },
        { "Tab\tand\nnewline", "tab-and-newline" },
        { "r&d #2 (team)", "rd-2-team" },
        { "MiXeD123", "mixed123" },
    };

    [Theory]
    [MemberData(nameof(TextChannelNames))]
    public void Text_channel_names_are_lower_case_with_dashes_for_spaces_and_only_letters_digits_dashes_underscores(string raw, string expected) =>
        Assert.Equal(expected, GuildRules.ChannelName(raw, ChannelType.Text));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("!!!")]
    [InlineData("- - -")]
    public void Text_channel_names_with_nothing_left_after_normalization_are_refused(string? raw) =>
        AssertInvalid(() => GuildRules.ChannelName(raw, ChannelType.Text));

    [Fact]
    public void Text_channel_names_are_at_most_100_characters()
    {
        Assert.Equal(new string('a', 100), GuildRules.ChannelName(new string('a', 100), ChannelType.Text));
        Assert.Equal(new string('a', 100), GuildRules.ChannelName(new string('a', 100) + "!!!", ChannelType.Text));
        AssertInvalid(() => GuildRules.ChannelName(new string('a', 101), ChannelType.Text));
    }

    [Theory]
    [InlineData(ChannelType.Voice)]
    [InlineData(ChannelType.Category)]
    public void Voice_and_category_names_are_free_text_trimmed(ChannelType type)
    {
        Assert.Equal("Hello World!", GuildRules.ChannelName("  Hello World!  ", type));
        Assert.Equal(new string('x', 100), GuildRules.ChannelName(new string('x', 100), type));
        AssertInvalid(() => GuildRules.ChannelName(new string('x', 101), type));
        AssertInvalid(() => GuildRules.ChannelName("   ", type));
        AssertInvalid(() => GuildRules.ChannelName("bad\u0007name", type));
    }

    [Fact]
    public void Guild_and_role_names_are_1_to_100_characters_without_control_characters()
    {
        foreach (var rule in new Func<string?, string>[] { GuildRules.GuildName, GuildRules.RoleName })
        {
            Assert.Equal("My Guild", rule("  My Guild "));
            Assert.Equal(new string('g', 100), rule(new string('g', 100)));
            AssertInvalid(() => rule(new string('g', 101)));
            AssertInvalid(() => rule(""));
            AssertInvalid(() => rule("  "));
            AssertInvalid(() => rule(null));
            AssertInvalid(() => rule("line\nbreak"));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0x5865F2)]
    [InlineData(0xFFFFFF)]
    public void Colours_are_0xRRGGBB(int color) => Assert.Equal(color, GuildRules.Color(color));

    [Theory]
    [InlineData(-1)]
    [InlineData(0x1000000)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    public void Colours_outside_0xRRGGBB_are_refused(int color) => AssertInvalid(() => GuildRules.Color(color));

    [Fact]
    public void Topics_are_trimmed_and_at_most_1024_characters()
    {
        Assert.Equal("", GuildRules.Topic(null));
        Assert.Equal("about", GuildRules.Topic("  about  "));
        Assert.Equal(1024, GuildRules.Topic(new string('t', 1024)).Length);
        AssertInvalid(() => GuildRules.Topic(new string('t', 1025)));
    }

    [Fact]
    public void Nicknames_are_at_most_32_characters_and_blank_clears_them()
    {
        Assert.Null(GuildRules.Nickname(null));
        Assert.Null(GuildRules.Nickname("   "));
        Assert.Equal("Bob", GuildRules.Nickname(" Bob "));
        Assert.Equal(new string('n', 32), GuildRules.Nickname(new string('n', 32)));
        AssertInvalid(() => GuildRules.Nickname(new string('n', 33)));
        AssertInvalid(() => GuildRules.Nickname("bad\u0000nick"));
    }

    [Fact]
    public void Limits_are_the_documented_ones()
    {
        Assert.Equal(500, GuildRules.MaxChannels);
        Assert.Equal(250, GuildRules.MaxRoles);
        Assert.Equal(100, GuildRules.MaxNameLength);
        Assert.Equal(TimeSpan.FromDays(28), GuildRules.MaxTimeout);
    }

    [Fact]
    public void Permission_names_cover_every_documented_bit()
    {
        var documented = new Dictionary<string, int>
        {
            ["CREATE_INVITE"] = 0, ["KICK_MEMBERS"] = 1, ["BAN_MEMBERS"] = 2, ["ADMINISTRATOR"] = 3,
            ["MANAGE_CHANNELS"] = 4, ["MANAGE_GUILD"] = 5, ["ADD_REACTIONS"] = 6, ["VIEW_AUDIT_LOG"] = 7,
            ["STREAM"] = 9, ["VIEW_CHANNEL"] = 10, ["SEND_MESSAGES"] = 11, ["MANAGE_MESSAGES"] = 13,
            ["ATTACH_FILES"] = 15, ["READ_MESSAGE_HISTORY"] = 16, ["MENTION_EVERYONE"] = 17, ["CONNECT"] = 20,
            ["SPEAK"] = 21, ["MUTE_MEMBERS"] = 22, ["MOVE_MEMBERS"] = 24, ["MANAGE_ROLES"] = 28, ["MANAGE_GUILD_EXPRESSIONS"] = 30,
            ["MANAGE_THREADS"] = 34, ["CREATE_THREADS"] = 35, ["SEND_MESSAGES_IN_THREADS"] = 38, ["MODERATE_MEMBERS"] = 40, ["PIN_MESSAGES"] = 51,
        };

        Assert.Equal(documented.Keys.Order(), PermissionNames.ByName.Keys.Order());
        foreach (var (name, bit) in documented)
        {
            Assert.Equal(1UL << bit, (ulong)PermissionNames.ByName[name]);
        }

        Assert.Equal(Permissions.All, PermissionNames.ByName.Values.Aggregate(Permissions.None, (a, p) => a | p));
    }

    private static void AssertInvalid(Func<object?> rule)
    {
        var error = Assert.Throws<DomainException>(rule);
        Assert.Equal(ErrorCodes.ValidationFailed, error.Code);
    }
}
