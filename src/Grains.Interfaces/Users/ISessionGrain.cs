namespace LesCopains.Grains.Users;

/// <summary>
/// One login session and its chain of refresh tokens. Single-threaded, so rotation is atomic:
/// a refresh token works once; a retired token presented again revokes the whole session.
/// </summary>
[Alias("lc.ISessionGrain")]
public interface ISessionGrain : IGrainWithGuidKey
{
    [Alias("Start")]
    Task<IssuedRefreshToken> Start(Guid userId, ClientInfo client, TimeSpan lifetime);

    /// <summary>Exchanges a valid refresh token for the next one, valid for <paramref name="lifetime"/> (sliding).</summary>
    [Alias("Rotate")]
    Task<IssuedRefreshToken> Rotate(string refreshToken, ClientInfo client, TimeSpan lifetime);

    [Alias("Revoke")]
    Task Revoke(string reason);

    [Alias("IsActive")]
    Task<bool> IsActive();

    [Alias("GetInfo")]
    Task<SessionInfo?> GetInfo();
}
