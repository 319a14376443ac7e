using System.Buffers.Text;
using System.Text;

namespace LesCopains.Grains.Guilds;

/// <summary>
/// Where a page of the member list ends: the last member's shown name and user id, as one opaque
/// URL-safe string (<see cref="MemberPage.Next"/>). It holds the name the page was sorted by, so the
/// next page starts at the right place even if that member has left or been renamed since.
/// </summary>
public static class MemberCursor
{
    /// <summary>Longer cursors are refused unread (a shown name is at most a few hundred bytes).</summary>
    private const int MaxLength = 1024;

    public static string Of(string name, Guid userId) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(userId.ToString("N") + name));

    /// <summary>The name and user id in <paramref name="cursor"/>, or <c>null</c> if it is not one <see cref="Of"/> made.</summary>
    public static (string Name, Guid UserId)? Parse(string cursor)
    {
        if (cursor.Length > MaxLength || !Base64Url.IsValid(cursor))
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (ArgumentException)
        {
            return null;
        }

        return text.Length > 32 && Guid.TryParseExact(text.AsSpan(0, 32), "N", out var userId)
            ? (text[32..], userId)
            : null;
    }
}
