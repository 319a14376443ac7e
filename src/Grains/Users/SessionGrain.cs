using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace LesCopains.Grains.Users;

/// <summary>
/// One login session. Its rows live in <c>sessions</c>/<c>refresh_tokens</c>; the activation
/// caches the row so that checking an access token's session costs no query.
/// </summary>
public sealed partial class SessionGrain(SessionStore store, TimeProvider time, ILogger<SessionGrain> logger) : Grain, ISessionGrain
{
    private SessionInfo? session;
    private bool revoked;

    private Guid SessionId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        session = await store.GetAsync(SessionId, time.GetUtcNow());
        revoked = session is { Active: false };
    }

    public async Task<IssuedRefreshToken> Start(Guid userId, ClientInfo client, TimeSpan lifetime)
    {
        if (session is not null)
        {
            throw new DomainException(ErrorCodes.Internal, "Session already started.");
        }

        var now = time.GetUtcNow();
        var (token, hash) = NewToken();
        var info = new SessionInfo(SessionId, userId, now, now, now + lifetime, Truncate(client.UserAgent, 256), Truncate(client.IpAddress, 64), true);
        await store.CreateAsync(info, hash);
        session = info;
        return new IssuedRefreshToken(SessionId, userId, token, info.ExpiresAt);
    }

    public async Task<IssuedRefreshToken> Rotate(string refreshToken, ClientInfo client, TimeSpan lifetime)
    {
        var now = time.GetUtcNow();
        if (session is null || revoked || session.ExpiresAt <= now)
        {
            throw Invalid();
        }

        var presented = Hash(refreshToken);
        var row = await store.FindTokenAsync(presented);
        if (row is null || row.SessionId != SessionId)
        {
            throw Invalid();
        }

        if (row.UsedAt is not null)
        {
            // A retired token came back: someone holds a copy. Kill the whole family.
            await Revoke("refresh_token_reused");
            LogReuse(SessionId, session.UserId);
            throw new DomainException(ErrorCodes.RefreshTokenReused, "This refresh token was already used; the session has been signed out.");
        }

        if (row.ExpiresAt <= now)
        {
            throw Invalid();
        }

        var expiresAt = now + lifetime;
        var (token, hash) = NewToken();
        if (!await store.RotateAsync(SessionId, presented, hash, row.Generation + 1, now, expiresAt, Truncate(client.UserAgent, 256), Truncate(client.IpAddress, 64)))
        {
            throw Invalid();
        }

        session = session with
        {
            LastUsedAt = now,
            ExpiresAt = expiresAt,
            UserAgent = Truncate(client.UserAgent, 256) ?? session.UserAgent,
            IpAddress = Truncate(client.IpAddress, 64) ?? session.IpAddress,
        };
        return new IssuedRefreshToken(SessionId, session.UserId, token, expiresAt);
    }

    public async Task Revoke(string reason)
    {
        if (session is null || revoked)
        {
            return;
        }

        await store.RevokeAsync(SessionId, reason, time.GetUtcNow());
        revoked = true;
        session = session with { Active = false };
    }

    public Task<bool> IsActive() =>
        Task.FromResult(session is not null && !revoked && session.ExpiresAt > time.GetUtcNow());

    public Task<SessionInfo?> GetInfo() =>
        Task.FromResult(session is null ? null : session with { Active = !revoked && session.ExpiresAt > time.GetUtcNow() });

    private (string Token, byte[] Hash) NewToken()
    {
        var token = SessionId.ToString("N") + "." + Base64Url(RandomNumberGenerator.GetBytes(32));
        return (token, Hash(token));
    }

    /// <summary>Tokens are stored as SHA-256: they are 256-bit random, so no slow hash is needed.</summary>
    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? Truncate(string? value, int max) =>
        value is null ? null : value.Length <= max ? value : value[..max];

    private static DomainException Invalid() =>
        new(ErrorCodes.InvalidRefreshToken, "The refresh token is invalid or expired.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refresh token reuse detected; session {SessionId} of user {UserId} revoked")]
    private partial void LogReuse(Guid sessionId, Guid userId);
}
