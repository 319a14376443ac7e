using LesCopains.Grains.Channels;

namespace LesCopains.Grains.Tests;

/// <summary>The pure rules behind mentions (docs/API.md "Mentions") and reactions ("Reactions").</summary>
public sealed class MentionAndEmojiRulesTests
{
    private static readonly Guid Alice = Guid.Parse("0190a3c4-0000-7000-8000-00000000000a");
    private static readonly Guid Bob = Guid.Parse("0190a3c4-0000-7000-8000-00000000000b");
    private static readonly Guid Crew = Guid.Parse("0190a3c4-0000-7000-8000-0000000000cc");

    [Fact]
    public void User_and_role_tags_are_mentions_once_each_in_order()
    {
        var m = MentionParser.Parse($"<@{Bob}> <@&{Crew}> <@{Alice}> <@{Bob}> <@{Bob.ToString().ToUpperInvariant()}>", canMentionEveryone: false);
        Assert.Equal([Bob, Alice], m.Users);
        Assert.Equal([Crew], m.Roles);
        Assert.False(m.Everyone);
    }

    [Theory]
    [InlineData("`<@{0}>`")]
    [InlineData("```\n<@{0}>\n```")]
    [InlineData("<@ {0}>")]
    [InlineData("<@{0}")]
    [InlineData("<@not-a-guid>")]
    public void Code_and_malformed_tags_mention_nobody(string template)
    {
        Assert.True(MentionParser.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, Alice), canMentionEveryone: true).IsEmpty);
    }

    [Theory]
    [InlineData("@everyone hi", true, false)]
    [InlineData("hi @here", false, true)]
    [InlineData("@here and @everyone", true, true)]
    [InlineData("mail me@everyone.org or me@here.org", false, false)]
    [InlineData("@everyoneelse @hereafter", false, false)]
    [InlineData("`@everyone` `@here`", false, false)]
    public void Everyone_and_here_count_only_with_the_permission(string content, bool everyone, bool here)
    {
        var parsed = MentionParser.Parse(content, canMentionEveryone: true);
        Assert.Equal(everyone, parsed.Everyone);
        Assert.Equal(here, parsed.Here);
        Assert.Equal(!everyone && !here, parsed.IsEmpty);
        Assert.Empty(parsed.HereUsers);
        Assert.True(MentionParser.Parse(content, canMentionEveryone: false).IsEmpty);
    }

    [Fact]
    public void Mentions_are_capped()
    {
        var many = string.Concat(Enumerable.Range(0, 150).Select(_ => $"<@{Guid.NewGuid()}>"));
        Assert.Equal(MentionParser.MaxUsers, MentionParser.Parse(many, false).Users.Count);
    }

    [Theory]
    [InlineData("👍", true)]
    [InlineData("❤️", true)]
    [InlineData("👨‍👩‍👧", true)]
    [InlineData("👍🏽", true)]
    [InlineData("🇫🇷", true)]
    [InlineData("1️⃣", true)]
    [InlineData("🏳️‍🌈", true)]
    [InlineData("", false)]
    [InlineData("a", false)]
    [InlineData("1", false)]
    [InlineData("#", false)]
    [InlineData("👍👍", false)]
    [InlineData("👍 ", false)]
    [InlineData(":smile:", false)]
    [InlineData("\u200d", false)]
    public void A_reaction_is_exactly_one_emoji(string emoji, bool valid)
    {
        Assert.Equal(valid, EmojiRules.IsEmoji(emoji));
    }

    [Fact]
    public void A_reaction_is_a_Unicode_emoji_or_a_guild_emoji_by_its_id_alone()
    {
        var id = Guid.Parse("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
        Assert.Equal(("👍", (Guid?)null), EmojiRules.Reaction("👍"));
        Assert.Equal(("<:0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b>", (Guid?)id), EmojiRules.Reaction("<:0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B>"));
        foreach (var bad in new[] { "<:party_parrot:0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b>", "<:not-an-id>", "<0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b>", ":smile:", "" })
        {
            var error = Assert.Throws<DomainException>(() => EmojiRules.Reaction(bad));
            Assert.Equal(ErrorCodes.ValidationFailed, error.Code);
        }
    }

    /// <summary>
    /// The web client's emoji picker and ":name" autocomplete offer the emoji of
    /// src/Web/src/lib/chat/emoji-data.ts: the server must take each of them as a reaction.
    /// </summary>
    [Fact]
    public void Every_emoji_the_web_client_offers_is_a_valid_reaction()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LesCopains.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        var source = File.ReadAllText(Path.Combine(dir.FullName, "src", "Web", "src", "lib", "chat", "emoji-data.ts"));
        var literal = System.Text.RegularExpressions.Regex.Match(source, "EMOJI_DATA = (\".*\");").Groups[1].Value;
        var lines = System.Text.Json.JsonSerializer.Deserialize<string>(literal)!.Split('\n');
        Assert.True(lines.Length > 1800, $"{lines.Length} emoji");
        var rejected = lines.Select(l => l.Split('\t')).Where(parts => !EmojiRules.IsEmoji(parts[0])).Select(parts => $"{parts[0]} ({parts[1]})").ToList();
        Assert.Empty(rejected);
    }
}
