using System.Globalization;
using System.Text;

namespace LesCopains.Grains.Channels;

/// <summary>
/// Unicode emoji: one grapheme cluster made of emoji code points (reactions, custom statuses); a reaction
/// may also be one of the guild's own emoji.
/// </summary>
public static class EmojiRules
{
    public const int MaxLength = 32;

    /// <summary>
    /// A reaction: one Unicode emoji, or one of the guild's own emoji written <c>&lt;:id&gt;</c> (its id
    /// alone, so that renaming it keeps its reactions together). Returns the reaction's key and, for a
    /// guild emoji, its id.
    /// </summary>
    public static (string Key, Guid? Custom) Reaction(string? raw)
    {
        if (raw is { Length: 39 } && raw.StartsWith("<:", StringComparison.Ordinal) && raw.EndsWith('>')
            && Guid.TryParseExact(raw.AsSpan(2, 36), "D", out var id))
        {
            return (CustomReaction(id), id);
        }

        return IsEmoji(raw)
            ? (raw!, null)
            : throw new DomainException(ErrorCodes.ValidationFailed, "emoji: one Unicode emoji, or one of the guild's emoji as <:id>, is expected.");
    }

    /// <summary>The reaction key of a guild emoji.</summary>
    public static string CustomReaction(Guid emojiId) => $"<:{emojiId:D}>";

    public static bool IsEmoji(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength || StringInfo.GetNextTextElementLength(text) != text.Length)
        {
            return false;
        }

        var pictographs = 0;
        var runes = text.EnumerateRunes().ToList();
        for (var i = 0; i < runes.Count; i++)
        {
            var rune = runes[i];
            var value = rune.Value;
            if (value is 0x200D or 0xFE0F or 0xFE0E or 0x20E3 or (>= 0xE0020 and <= 0xE007F) or (>= 0x1F3FB and <= 0x1F3FF))
            {
                continue; // joiners, variation selectors, keycap, tags, skin tones
            }

            if (value is (>= '0' and <= '9') or '#' or '*')
            {
                // Only as a keycap base: 1️⃣
                if (i != 0 || !runes.Skip(1).Any(r => r.Value == 0x20E3))
                {
                    return false;
                }

                continue;
            }

            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.OtherSymbol || IsPictographic(value))
            {
                pictographs++;
                continue;
            }

            return false;
        }

        return pictographs > 0 || runes.Any(r => r.Value == 0x20E3);
    }

    /// <summary>
    /// Emoji whose code point is not an "other symbol" to .NET: the planes' emoji blocks whole
    /// (Unicode reserves what is unassigned there for emoji, so emoji newer than the runtime's
    /// Unicode tables are taken too), and the few emoji that are punctuation, letters or maths
    /// symbols (‼️ ⁉️ ℹ️ ↔️ ↩️ ⤴️ ◻️ 〰️ 〽️ and their kin).
    /// </summary>
    private static bool IsPictographic(int value) => value is
        (>= 0x1F000 and <= 0x1FAFF) or (>= 0x1FC00 and <= 0x1FFFD)
        or 0x203C or 0x2049 or 0x2139 or (>= 0x2194 and <= 0x2199) or 0x21A9 or 0x21AA
        or 0x2934 or 0x2935 or (>= 0x25FB and <= 0x25FE) or 0x3030 or 0x303D;
}
