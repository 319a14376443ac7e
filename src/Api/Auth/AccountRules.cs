using System.Reflection;
using LesCopains.Grains;

namespace LesCopains.Api.Auth;

/// <summary>Input rules for usernames, display names and passwords, with stable error codes.</summary>
public static class AccountRules
{
    public const int UsernameMin = 3;
    public const int UsernameMax = 32;
    public const int PasswordMin = 8;
    public const int PasswordMax = 128;
    public const int DisplayNameMax = 32;

    /// <summary>What a deleted account's username starts with (docs/API.md, "Deleting an account").</summary>
    public const string DeletedPrefix = "deleted_";

    private static readonly Lazy<HashSet<string>> CommonPasswords = new(LoadCommonPasswords);

    /// <summary>Lower-cases and checks 3–32 characters of <c>[a-z0-9_.]</c>.</summary>
    public static string NormalizeUsername(string? raw)
    {
        var username = (raw ?? "").Trim().ToLowerInvariant();
        if (username.Length is < UsernameMin or > UsernameMax || !username.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.'))
        {
            throw Invalid("username", $"Usernames are {UsernameMin}–{UsernameMax} characters of a–z, 0–9, '_' and '.'.");
        }

        if (username.StartsWith(DeletedPrefix, StringComparison.Ordinal))
        {
            throw Invalid("username", $"Usernames starting with '{DeletedPrefix}' are kept for deleted accounts.");
        }

        return username;
    }

    public static void CheckPassword(string? password, string username, string field = "password")
    {
        if (password is null || password.Length is < PasswordMin or > PasswordMax)
        {
            throw Invalid(field, $"Passwords are {PasswordMin}–{PasswordMax} characters.");
        }

        var lower = password.ToLowerInvariant();
        if (CommonPasswords.Value.Contains(lower) || lower == username || lower.Distinct().Count() <= 2)
        {
            throw new DomainException(ErrorCodes.PasswordTooCommon, "This password is too common or too easy to guess; choose another.");
        }
    }

    public static string NormalizeDisplayName(string? raw, string fallback)
    {
        if (raw is null)
        {
            return fallback;
        }

        var name = raw.Trim();
        if (name.Length is < 1 or > DisplayNameMax || name.Any(char.IsControl))
        {
            throw Invalid("displayName", $"Display names are 1–{DisplayNameMax} characters, without control characters.");
        }

        return name;
    }

    public const int BioMax = 190;

    /// <summary>"About me", as Discord has it: up to 190 characters, line breaks allowed; blank clears it.</summary>
    public static string? NormalizeBio(string raw)
    {
        var bio = raw.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
        if (bio.Length > BioMax || bio.Any(c => char.IsControl(c) && c != '\n'))
        {
            throw Invalid("bio", $"About me is at most {BioMax} characters, without control characters other than line breaks.");
        }

        return bio.Length == 0 ? null : bio;
    }

    public static DomainException Invalid(string field, string message) =>
        new(ErrorCodes.ValidationFailed, $"{field}: {message}");

    private static HashSet<string> LoadCommonPasswords()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("LesCopains.Api.Auth.common-passwords.txt")!;
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            line = line.Trim();
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                set.Add(line.ToLowerInvariant());
            }
        }

        return set;
    }
}
