using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LesCopains.Api.Auth;

/// <summary>Issues and validates the short-lived access JWTs (HS256 only).</summary>
public sealed class TokenService(ApiSettings settings, TimeProvider time)
{
    public const string SessionClaim = "sid";
    public const string UserNameClaim = "name";

    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };

    public SymmetricSecurityKey Key { get; } = new(settings.Jwt.Secret) { KeyId = "lc1" };

    public TokenValidationParameters ValidationParameters => new()
    {
        ValidIssuer = JwtSettings.Issuer,
        ValidAudience = JwtSettings.Audience,
        IssuerSigningKey = Key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = TimeSpan.FromSeconds(5),
        NameClaimType = UserNameClaim,
        LifetimeValidator = (notBefore, expires, _, _) =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            if (expires is { } e && e <= now.AddSeconds(-5))
            {
                // Returning false would surface as a generic lifetime failure; clients need token_expired to know to refresh.
                throw new SecurityTokenExpiredException("The access token expired.") { Expires = e };
            }

            return expires is not null && (notBefore is null || notBefore <= now.AddSeconds(5));
        },
    };

    public (string Token, DateTimeOffset ExpiresAt) CreateAccessToken(Guid userId, Guid sessionId, string username)
    {
        var now = time.GetUtcNow();
        var expires = now + settings.Jwt.AccessLifetime;
        var token = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = JwtSettings.Issuer,
            Audience = JwtSettings.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Subject = new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, userId.ToString()),
                new Claim(SessionClaim, sessionId.ToString()),
                new Claim(UserNameClaim, username),
                new Claim(JwtRegisteredClaimNames.Jti, Guid.CreateVersion7().ToString("N")),
            ]),
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        });
        return (token, expires);
    }

    public async Task<TokenValidationResult> ValidateAsync(string token) =>
        await handler.ValidateTokenAsync(token, ValidationParameters);
}

/// <summary>Reads the caller's ids from the validated principal.</summary>
public static class PrincipalExtensions
{
    public static Guid UserId(this ClaimsPrincipal principal) =>
        Guid.Parse(principal.FindFirstValue(JwtRegisteredClaimNames.Sub) ?? principal.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? throw new InvalidOperationException("No subject claim."));

    public static Guid SessionId(this ClaimsPrincipal principal) =>
        Guid.Parse(principal.FindFirstValue(TokenService.SessionClaim) ?? throw new InvalidOperationException("No session claim."));
}
