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

    /// <summary>
    /// Changes the username (already normalised): the new name is claimed first, the old one
    /// released last. <c>username_taken</c> when someone has it.
    /// </summary>
    [Alias("ChangeUsername")]
    Task<UserProfile> ChangeUsername(string username);

    /// <summary>Replaces the password hash (the new password already checked and hashed).</summary>
    [Alias("ChangePasswordHash")]
    Task ChangePasswordHash(string passwordHash);

    /// <summary>Revokes every active session but <paramref name="keep"/>; returns the ids revoked.</summary>
    [Alias("RevokeOtherSessions")]
    Task<IReadOnlyList<Guid>> RevokeOtherSessions(Guid keep, string reason);

    /// <summary>Whether two-factor authentication is on, and how many backup codes are left.</summary>
    [Alias("GetMfaStatus")]
    Task<MfaStatus> GetMfaStatus();

    /// <summary>The sealed TOTP secret, or null when two-factor authentication is off.</summary>
    [Alias("GetSealedTotpSecret")]
    Task<byte[]?> GetSealedTotpSecret();

    /// <summary>
    /// Turns two-factor authentication on with its first backup codes (hashes); <paramref name="step"/>
    /// is the step of the code that confirmed the secret, so that code cannot be used again.
    /// <c>mfa_already_enabled</c> when it is on.
    /// </summary>
    [Alias("EnableTotp")]
    Task EnableTotp(byte[] sealedSecret, long step, IReadOnlyList<byte[]> backupCodeHashes);

    /// <summary>Turns two-factor authentication off; <c>mfa_not_enabled</c> when it is off.</summary>
    [Alias("DisableTotp")]
    Task DisableTotp();

    /// <summary>Accepts a code's time step once: false if that step or a later one was already used.</summary>
    [Alias("TryConsumeTotpStep")]
    Task<bool> TryConsumeTotpStep(long step);

    /// <summary>Uses up a backup code (its hash); false when there is no such unused code.</summary>
    [Alias("TryUseBackupCode")]
    Task<bool> TryUseBackupCode(byte[] codeHash);

    /// <summary>Replaces every backup code; <c>mfa_not_enabled</c> when two-factor authentication is off.</summary>
    [Alias("ReplaceBackupCodes")]
    Task ReplaceBackupCodes(IReadOnlyList<byte[]> codeHashes);

    /// <summary>
    /// Deletes the account (its guilds, friends and devices already left by the caller): the
    /// username is released and replaced by <c>deleted_…</c>, the display name becomes
    /// "Deleted User", "About me", the password and two-factor authentication go, and every session
    /// is revoked. Returns the revoked session ids. Idempotent.
    /// </summary>
    [Alias("Delete")]
    Task<IReadOnlyList<Guid>> Delete();

    [Alias("GetFriendRequestPolicy")]
    Task<FriendRequestPolicy> GetFriendRequestPolicy();

    [Alias("SetFriendRequestPolicy")]
    Task<FriendRequestPolicy> SetFriendRequestPolicy(FriendRequestPolicy policy);

    /// <summary>Records membership of a guild; <c>limit_reached</c> beyond 100 guilds.</summary>
    [Alias("AddGuild")]
    Task AddGuild(Guid guildId);

    [Alias("RemoveGuild")]
    Task RemoveGuild(Guid guildId);

    [Alias("GetGuilds")]
    Task<IReadOnlyList<Guid>> GetGuilds();
}
