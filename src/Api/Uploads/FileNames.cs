using System.Text;

namespace LesCopains.Api.Uploads;

/// <summary>Turns a client-supplied file name into one that is safe in a URL path segment, a header and a file system.</summary>
public static class FileNames
{
    public const int MaxLength = 128;

    public static string Sanitize(string? raw)
    {
        var name = (raw ?? "").Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..].Normalize(NormalizationForm.FormC);
        var builder = new StringBuilder(name.Length);
        foreach (var rune in name.EnumerateRunes())
        {
            if (Rune.IsControl(rune) || rune.Value is '<' or '>' or ':' or '"' or '|' or '?' or '*' or '%' or ';'
                || Rune.GetUnicodeCategory(rune) is System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator)
            {
                builder.Append('_');
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        name = builder.ToString().Trim().Trim('.').Trim();
        if (name.Length > MaxLength)
        {
            var dot = name.LastIndexOf('.');
            var extension = dot > 0 && name.Length - dot <= 16 ? name[dot..] : "";
            name = TrimToRunes(name[..(dot > 0 && extension.Length > 0 ? dot : name.Length)], MaxLength - extension.Length) + extension;
        }

        return name.Length == 0 ? "file" : name;
    }

    private static string TrimToRunes(string value, int maxChars)
    {
        var builder = new StringBuilder();
        foreach (var rune in value.EnumerateRunes())
        {
            if (builder.Length + rune.Utf16SequenceLength > maxChars)
            {
                break;
            }

            builder.Append(rune.ToString());
        }

        return builder.ToString();
    }
}
