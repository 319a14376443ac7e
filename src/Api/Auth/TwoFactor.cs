using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using LesCopains.Grains;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OtpNet;

namespace LesCopains.Api.Auth;

/// <summary>
/// Two-factor authentication with an authenticator app: TOTP codes (RFC 6238: SHA-1, 6 digits,
/// 30 s, one step of drift either way, each step accepted once), one-use backup codes, the
/// sealing of secrets at rest, and the short-lived ticket that carries a login from its password
/// to its code.
/// </summary>
public sealed class TwoFactor(ApiSettings settings, TimeProvider time)
{
    public const int BackupCodeCount = 10;
    public const int MinSecretBytes = 16;
    public const int MaxSecretBytes = 64;
    public static readonly TimeSpan TicketLifetime = TimeSpan.FromMinutes(5);

    private const string TicketAudience = "lescopains-mfa";
    private const byte SealVersion = 1;

    // Letters and digits without the look-alikes (0/o, 1/l/i): a backup code is read off paper.
    private const string BackupAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";

    private readonly byte[] sealKey = settings.MfaKey.Length == 32
        ? settings.MfaKey
        : HKDF.DeriveKey(HashAlgorithmName.SHA256, settings.Jwt.Secret, 32, info: Encoding.UTF8.GetBytes("lescopains totp seal v1 (JWT_SECRET)"));

    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SymmetricSecurityKey ticketKey = new(settings.Jwt.Secret) { KeyId = "lc1" };

    /// <summary>Decodes a base32 secret as an authenticator app shows it (spaces and case ignored); null if malformed.</summary>
    public static byte[]? ParseSecret(string? base32)
    {
        var clean = (base32 ?? "").Replace(" ", "", StringComparison.Ordinal).TrimEnd('=').ToUpperInvariant();
        if (clean.Length == 0 || clean.Length > 128 || clean.Any(c => c is not ((>= 'A' and <= 'Z') or (>= '2' and <= '7'))))
        {
            return null;
        }

        var bytes = Base32Encoding.ToBytes(clean);
        return bytes.Length is >= MinSecretBytes and <= MaxSecretBytes ? bytes : null;
    }

    /// <summary>The time step a 6-digit code matches now (within one step either way), or null.</summary>
    public long? MatchStep(byte[] secret, string? code)
    {
        var digits = NormalizeTotp(code);
        if (digits is null)
        {
            return null;
        }

        var totp = new Totp(secret, step: 30, mode: OtpHashMode.Sha1, totpSize: 6);
        return totp.VerifyTotp(time.GetUtcNow().UtcDateTime, digits, out var step, new VerificationWindow(previous: 1, future: 1)) ? step : null;
    }

    /// <summary>"123 456" → "123456"; null unless six digits.</summary>
    public static string? NormalizeTotp(string? code)
    {
        var digits = (code ?? "").Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        return digits.Length == 6 && digits.All(char.IsAsciiDigit) ? digits : null;
    }

    /// <summary>"ABCD-EFGH" → "abcdefgh"; null unless eight characters of the backup alphabet.</summary>
    public static string? NormalizeBackupCode(string? code)
    {
        var clean = (code ?? "").Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        return clean.Length == 8 && clean.All(c => BackupAlphabet.Contains(c, StringComparison.Ordinal)) ? clean : null;
    }

    public static byte[] HashBackupCode(string normalized) => SHA256.HashData(Encoding.UTF8.GetBytes(normalized));

    /// <summary>A fresh set of backup codes, shown as "abcd-efgh", and their hashes to store.</summary>
    public static (IReadOnlyList<string> Codes, IReadOnlyList<byte[]> Hashes) NewBackupCodes()
    {
        var codes = new List<string>(BackupCodeCount);
        var hashes = new List<byte[]>(BackupCodeCount);
        while (codes.Count < BackupCodeCount)
        {
            var raw = RandomNumberGenerator.GetString(BackupAlphabet, 8);
            var hash = HashBackupCode(raw);
            if (hashes.Any(h => h.AsSpan().SequenceEqual(hash)))
            {
                continue;
            }

            codes.Add($"{raw[..4]}-{raw[4..]}");
            hashes.Add(hash);
        }

        return (codes, hashes);
    }

    /// <summary>AES-256-GCM, bound to the account (its id is the associated data): version ‖ nonce ‖ tag ‖ ciphertext.</summary>
    public byte[] Seal(Guid userId, byte[] secret)
    {
        var sealedBytes = new byte[1 + 12 + 16 + secret.Length];
        sealedBytes[0] = SealVersion;
        var nonce = sealedBytes.AsSpan(1, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(sealKey, 16);
        aes.Encrypt(nonce, secret, sealedBytes.AsSpan(29), sealedBytes.AsSpan(13, 16), userId.ToByteArray());
        return sealedBytes;
    }

    /// <summary>The secret, or an error when the key that sealed it is not this one (MFA_SECRET_KEY changed).</summary>
    public byte[] Unseal(Guid userId, byte[] sealedBytes)
    {
        if (sealedBytes.Length < 29 + MinSecretBytes || sealedBytes[0] != SealVersion)
        {
            throw new InvalidOperationException("Unknown sealed TOTP secret format.");
        }

        var secret = new byte[sealedBytes.Length - 29];
        try
        {
            using var aes = new AesGcm(sealKey, 16);
            aes.Decrypt(sealedBytes.AsSpan(1, 12), sealedBytes.AsSpan(29), sealedBytes.AsSpan(13, 16), secret, userId.ToByteArray());
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new DomainException(ErrorCodes.InvalidMfaCode,
                "This server can no longer read your authenticator's secret (its key changed). Use a backup code.");
        }

        return secret;
    }

    /// <summary>A signed ticket (5 minutes) saying the password of <paramref name="userId"/> was right.</summary>
    public string CreateTicket(Guid userId)
    {
        var now = time.GetUtcNow();
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = JwtSettings.Issuer,
            Audience = TicketAudience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + TicketLifetime).UtcDateTime,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, userId.ToString())]),
            SigningCredentials = new SigningCredentials(ticketKey, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The user a valid, unexpired ticket names; <c>invalid_mfa_ticket</c> otherwise.</summary>
    public async Task<Guid> ReadTicketAsync(string? ticket)
    {
        if (string.IsNullOrEmpty(ticket) || ticket.Length > 2048)
        {
            throw Invalid();
        }

        var result = await handler.ValidateTokenAsync(ticket, new TokenValidationParameters
        {
            ValidIssuer = JwtSettings.Issuer,
            ValidAudience = TicketAudience,
            IssuerSigningKey = ticketKey,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.Zero,
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return expires is { } e && e > now && (notBefore is null || notBefore <= now.AddSeconds(5));
            },
        });
        if (!result.IsValid || !Guid.TryParse(result.ClaimsIdentity.FindFirst(JwtRegisteredClaimNames.Sub)?.Value, out var userId))
        {
            throw Invalid();
        }

        return userId;

        static DomainException Invalid() =>
            new(ErrorCodes.InvalidMfaTicket, "This sign-in attempt expired or is not valid: enter your password again.");
    }
}
