using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LesCopains.Api.Tests;

/// <summary>Crafts access tokens the way an attacker (or a buggy client) would, to probe validation.</summary>
public static class TestTokens
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public static SymmetricSecurityKey KeyOf(string secret) => new(Encoding.UTF8.GetBytes(secret));

    /// <summary>A token for <paramref name="tokens"/>' user and session, with everything overridable.</summary>
    public static string Create(
        ApiClient.Tokens tokens,
        SecurityKey? key,
        DateTimeOffset? expires = null,
        string issuer = "lescopains",
        string audience = "lescopains",
        string algorithm = SecurityAlgorithms.HmacSha256,
        Guid? sessionId = null,
        bool withSession = true,
        DateTimeOffset? notBefore = null)
    {
        var exp = expires ?? DateTimeOffset.UtcNow.AddMinutes(10);
        var nbf = notBefore ?? (exp < DateTimeOffset.UtcNow ? exp.AddMinutes(-15) : DateTimeOffset.UtcNow.AddMinutes(-1));
        var claims = new Dictionary<string, object>
        {
            ["sub"] = tokens.User.Id,
            ["name"] = tokens.User.Username,
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        if (withSession)
        {
            claims["sid"] = (sessionId ?? tokens.SessionId).ToString();
        }

        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = nbf.UtcDateTime,
            NotBefore = nbf.UtcDateTime,
            Expires = exp.UtcDateTime,
            SigningCredentials = key is null ? null : new SigningCredentials(key, algorithm),
        });
    }

    /// <summary>Rewrites the payload of a signed token and keeps the original signature.</summary>
    public static string Tamper(string token, Action<JsonObject> edit)
    {
        var parts = token.Split('.');
        var payload = JsonNode.Parse(Base64UrlEncoder.DecodeBytes(parts[1]))!.AsObject();
        edit(payload);
        parts[1] = Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(payload));
        return string.Join('.', parts);
    }

    public static JsonObject Header(string token) =>
        JsonNode.Parse(Base64UrlEncoder.DecodeBytes(token.Split('.')[0]))!.AsObject();
}
