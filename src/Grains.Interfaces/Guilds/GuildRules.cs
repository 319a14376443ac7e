using System.Text;

namespace LesCopains.Grains.Guilds;

/// <summary>Names and limits (Discord-like).</summary>
public static class GuildRules
{
    public const int MaxChannels = 500;
    public const int MaxRoles = 250;
    public const int MaxEmojis = 50;
    public const int MaxInvites = 1000;
    public const int MaxNameLength = 100;
    public const int MaxTopicLength = 1024;

    /// <summary>Slowmode's longest wait between two messages of one member in a channel (six hours, as in Discord).</summary>
    public const int MaxRateLimitPerUser = 21_600;
    public const int MaxNicknameLength = 32;

    /// <summary>The longest prefix a member search (<c>GET …/members?query=</c>) takes, and the most members it returns.</summary>
    public const int MaxMemberQuery = 32;

    public const int MaxMemberSearchResults = 25;

    /// <summary>User ids one member lookup (<c>GET …/members?ids=</c>) may name.</summary>
    public const int MaxMemberLookup = 100;
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(28);

    /// <summary>An emoji's name, as Discord allows: 2–32 letters, digits or underscores.</summary>
    public static string EmojiName(string? raw) =>
        raw is { Length: >= 2 and <= 32 } && raw.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? raw
            : throw Invalid("name", "2–32 letters, digits or underscores.");

    public static string GuildName(string? raw) => FreeText(raw, "name", MaxNameLength);

    public static string RoleName(string? raw) => FreeText(raw, "name", MaxNameLength);

    /// <summary>Text channels: lower case, spaces become dashes, only letters, digits, '-' and '_'.</summary>
    public static string ChannelName(string? raw, ChannelType type)
    {
        if (type != ChannelType.Text)
        {
            return FreeText(raw, "name", MaxNameLength);
        }

        var builder = new StringBuilder();
        foreach (var c in (raw ?? "").Trim().ToLowerInvariant())
        {
            if (char.IsWhiteSpace(c) || c == '-')
            {
                if (builder.Length > 0 && builder[^1] != '-')
                {
                    builder.Append('-');
                }
            }
            else if (char.IsLetterOrDigit(c) || c == '_')
            {
                builder.Append(c);
            }
        }

        var name = builder.ToString().Trim('-');
        if (name.Length is 0 or > MaxNameLength)
        {
            throw Invalid("name", $"Channel names are 1–{MaxNameLength} characters of letters, digits, '-' and '_'.");
        }

        return name;
    }

    /// <summary>Slowmode: seconds between two messages of one member, 0 (off) to <see cref="MaxRateLimitPerUser"/>.</summary>
    public static int RateLimitPerUser(int seconds) =>
        seconds is < 0 or > MaxRateLimitPerUser ? throw Invalid("rateLimitPerUser", $"Slowmode is 0 (off) to {MaxRateLimitPerUser} seconds.") : seconds;

    public static string Topic(string? raw)
    {
        var topic = (raw ?? "").Trim();
        return topic.Length > MaxTopicLength ? throw Invalid("topic", $"Topics are at most {MaxTopicLength} characters.") : topic;
    }

    public static string? Nickname(string? raw)
    {
        if (raw is null)
        {
            return null;
        }

        var nickname = raw.Trim();
        if (nickname.Length == 0)
        {
            return null;
        }

        return nickname.Length > MaxNicknameLength || nickname.Any(char.IsControl)
            ? throw Invalid("nickname", $"Nicknames are at most {MaxNicknameLength} characters.")
            : nickname;
    }

    public static int Color(int color) =>
        color is < 0 or > 0xFFFFFF ? throw Invalid("color", "Colours are 0xRRGGBB integers (0–16777215).") : color;

    private static string FreeText(string? raw, string field, int max)
    {
        var text = (raw ?? "").Trim();
        if (text.Length == 0 || text.Length > max || text.Any(char.IsControl))
        {
            throw Invalid(field, $"Names are 1–{max} characters without control characters.");
        }

        return text;
    }

    public static DomainException Invalid(string field, string message) => new(ErrorCodes.ValidationFailed, $"{field}: {message}");
}
