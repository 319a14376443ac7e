namespace LesCopains.Grains.Users;

/// <summary>An account: profile, credentials (hash only) and the list of its sessions.</summary>
[Alias("lc.IUserGrain")]
public interface IUserGrain : IGrainWithGuidKey
{
    /// <summary>Creates the account; the username must already be claimed for this id.</summary>
    [Alias("Register")]
    Task<UserProfile> Register(string username, string displayName, string passwordHash);

    /// <summary>The profile, or <c>user_not_found</c>.</summary>
    [Alias("GetProfile")]
    Task<UserProfile> GetProfile();

    [Alias("GetPasswordHash")]
    Task<string?> GetPasswordHash();

    [Alias("UpdateDisplayName")]
    Task<UserProfile> UpdateDisplayName(string displayName);

    /// <summary>Sets "About me" (already checked; null clears it).</summary>
    [Alias("UpdateBio")]
    Task<UserProfile> UpdateBio(string? bio);

    /// <summary>Starts a new session and returns its first refresh token.</summary>
    [Alias("StartSession")]
    Task<IssuedRefreshToken> StartSession(ClientInfo client, TimeSpan lifetime);

    [Alias("ListSessions")]
    Task<IReadOnlyList<SessionInfo>> ListSessions();

    /// <summary>Revokes one of this user's sessions; <c>session_not_found</c> if it is not theirs.</summary>
    [Alias("RevokeSession")]
    Task RevokeSession(Guid sessionId);

    /// <summary>Records membership of a guild; <c>limit_reached</c> beyond 100 guilds.</summary>
    [Alias("AddGuild")]
    Task AddGuild(Guid guildId);

    [Alias("RemoveGuild")]
    Task RemoveGuild(Guid guildId);

    [Alias("GetGuilds")]
    Task<IReadOnlyList<Guid>> GetGuilds();
}
