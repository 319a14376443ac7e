using LesCopains.Grains.Channels;

namespace LesCopains.Grains.Presence;

/// <summary>
/// A line a person sets beside their name ("🏖️ back on Monday"), as on Discord: a text, an emoji or
/// both, until <see cref="ExpiresAt"/> or for good. Shown only where their presence is, and only while
/// they appear online (never while invisible or offline).
/// </summary>
[GenerateSerializer, Immutable, Alias("lc.CustomStatus")]
public sealed record CustomStatus(
    [property: Id(0)] string? Text,
    [property: Id(1)] string? Emoji,
    [property: Id(2)] DateTimeOffset? ExpiresAt)
{
    public const int MaxTextLength = 128;

    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(365);

    public bool ActiveAt(DateTimeOffset now) => ExpiresAt is not { } end || end > now;

    /// <summary>The status as asked for, checked whole: <c>validation_failed</c> names the first bad field.</summary>
    public static CustomStatus Create(string? text, string? emoji, DateTimeOffset? expiresAt, DateTimeOffset now)
    {
        text = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        emoji = string.IsNullOrEmpty(emoji) ? null : emoji;
        if (text is { Length: > MaxTextLength })
        {
            throw Invalid("text", $"at most {MaxTextLength} characters.");
        }

        if (text is not null && text.Any(char.IsControl))
        {
            throw Invalid("text", "one line, without control characters.");
        }

        if (emoji is not null && !EmojiRules.IsEmoji(emoji))
        {
            throw Invalid("emoji", "one Unicode emoji is expected.");
        }

        if (text is null && emoji is null)
        {
            throw Invalid("text", "a custom status has a text, an emoji or both.");
        }

        if (expiresAt is { } end && (end <= now || end > now + MaxLifetime))
        {
            throw Invalid("expiresAt", "in the future, at most a year ahead (or null: until cleared).");
        }

        return new CustomStatus(text, emoji, expiresAt?.ToUniversalTime());
    }

    private static DomainException Invalid(string field, string message) => new(ErrorCodes.ValidationFailed, $"{field}: {message}");
}
