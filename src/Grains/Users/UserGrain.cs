namespace LesCopains.Grains.Users;

/// <summary>An account. The profile lives in grain state; credentials and sessions in their tables.</summary>
public sealed class UserGrain(
    [PersistentState("user", StorageNames.Postgres)] IPersistentState<UserState> state,
    AccountStore accounts,
    SessionStore sessions,
    TimeProvider time) : Grain, IUserGrain
{
    public const int MaxGuilds = 100;

    private string? passwordHash;

    private Guid UserId => this.GetPrimaryKey();

    public async Task<UserProfile> Register(string username, string displayName, string passwordHash)
    {
        if (state.State.Registered)
        {
            throw new DomainException(ErrorCodes.UsernameTaken, "This account already exists.");
        }

        var owner = await GrainFactory.GetGrain<IUsernameGrain>(IUsernameGrain.KeyFor(username)).GetOwner();
        if (owner != UserId)
        {
            throw new DomainException(ErrorCodes.UsernameTaken, "This username is already taken.");
        }

        var now = time.GetUtcNow();
        if (!await accounts.TryInsertAsync(UserId, username, displayName, passwordHash, now))
        {
            throw new DomainException(ErrorCodes.UsernameTaken, "This username is already taken.");
        }

        state.State.Registered = true;
        state.State.Username = username;
        state.State.DisplayName = displayName;
        state.State.CreatedAt = now;
        await state.WriteStateAsync();
        this.passwordHash = passwordHash;
        return Profile();
    }

    public Task<UserProfile> GetProfile()
    {
        EnsureRegistered();
        return Task.FromResult(Profile());
    }

    public async Task<string?> GetPasswordHash()
    {
        if (!state.State.Registered)
        {
            return null;
        }

        return passwordHash ??= await accounts.GetPasswordHashAsync(UserId);
    }

    public async Task<UserProfile> UpdateDisplayName(string displayName)
    {
        EnsureRegistered();
        if (state.State.DisplayName != displayName)
        {
            await accounts.UpdateDisplayNameAsync(UserId, displayName);
            state.State.DisplayName = displayName;
            await state.WriteStateAsync();
        }

        return Profile();
    }

    public async Task<UserProfile> UpdateBio(string? bio)
    {
        EnsureRegistered();
        if (state.State.Bio != bio)
        {
            state.State.Bio = bio;
            await state.WriteStateAsync();
        }

        return Profile();
    }

    public Task<IssuedRefreshToken> StartSession(ClientInfo client, TimeSpan lifetime)
    {
        EnsureRegistered();
        if (state.State.Deleted)
        {
            throw new DomainException(ErrorCodes.UserNotFound, "This account was deleted.");
        }

        return GrainFactory.GetGrain<ISessionGrain>(Guid.CreateVersion7()).Start(UserId, client, lifetime);
    }

    public Task<IReadOnlyList<SessionInfo>> ListSessions()
    {
        EnsureRegistered();
        return sessions.ListActiveAsync(UserId, time.GetUtcNow());
    }

    public async Task RevokeSession(Guid sessionId)
    {
        EnsureRegistered();
        var session = GrainFactory.GetGrain<ISessionGrain>(sessionId);
        var info = await session.GetInfo();
        if (info is null || info.UserId != UserId || !info.Active)
        {
            throw new DomainException(ErrorCodes.SessionNotFound, "No such active session.");
        }

        await session.Revoke("revoked_by_user");
    }

    public async Task<UserProfile> ChangeUsername(string username)
    {
        EnsureRegistered();
        if (state.State.Deleted)
        {
            throw new DomainException(ErrorCodes.UserNotFound, "This account was deleted.");
        }

        var old = state.State.Username;
        if (old == username)
        {
            return Profile();
        }

        var claim = GrainFactory.GetGrain<IUsernameGrain>(IUsernameGrain.KeyFor(username));
        await claim.Claim(UserId);
        try
        {
            if (!await accounts.TryUpdateUsernameAsync(UserId, username))
            {
                throw new DomainException(ErrorCodes.UsernameTaken, "This username is already taken.");
            }
        }
        catch
        {
            await claim.Release(UserId);
            throw;
        }

        state.State.Username = username;
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IUsernameGrain>(IUsernameGrain.KeyFor(old)).Release(UserId);
        return Profile();
    }

    public async Task ChangePasswordHash(string passwordHash)
    {
        EnsureRegistered();
        await accounts.UpdatePasswordHashAsync(UserId, passwordHash);
        this.passwordHash = passwordHash;
    }

    public async Task<IReadOnlyList<Guid>> RevokeOtherSessions(Guid keep, string reason)
    {
        EnsureRegistered();
        var revoked = new List<Guid>();
        while (true)
        {
            // At most 200 a page; each revoked one drops out of the next page.
            var others = (await sessions.ListActiveAsync(UserId, time.GetUtcNow())).Where(s => s.Id != keep).ToList();
            if (others.Count == 0)
            {
                return revoked;
            }

            foreach (var session in others)
            {
                await GrainFactory.GetGrain<ISessionGrain>(session.Id).Revoke(reason);
                revoked.Add(session.Id);
            }
        }
    }

    public async Task<MfaStatus> GetMfaStatus()
    {
        EnsureRegistered();
        var (secret, _) = await accounts.GetTotpAsync(UserId);
        return secret is null ? new MfaStatus(false, 0) : new MfaStatus(true, await accounts.CountUnusedBackupCodesAsync(UserId));
    }

    public async Task<byte[]?> GetSealedTotpSecret()
    {
        EnsureRegistered();
        return (await accounts.GetTotpAsync(UserId)).SealedSecret;
    }

    public async Task EnableTotp(byte[] sealedSecret, long step, IReadOnlyList<byte[]> backupCodeHashes)
    {
        EnsureRegistered();
        if ((await accounts.GetTotpAsync(UserId)).SealedSecret is not null)
        {
            throw new DomainException(ErrorCodes.MfaAlreadyEnabled, "Two-factor authentication is already on.");
        }

        await accounts.EnableTotpAsync(UserId, sealedSecret, step, backupCodeHashes);
    }

    public async Task DisableTotp()
    {
        EnsureRegistered();
        await EnsureMfaEnabledAsync();
        await accounts.DisableTotpAsync(UserId);
    }

    public Task<bool> TryConsumeTotpStep(long step)
    {
        EnsureRegistered();
        return accounts.TryAdvanceTotpStepAsync(UserId, step);
    }

    public Task<bool> TryUseBackupCode(byte[] codeHash)
    {
        EnsureRegistered();
        return accounts.TryUseBackupCodeAsync(UserId, codeHash);
    }

    public async Task ReplaceBackupCodes(IReadOnlyList<byte[]> codeHashes)
    {
        EnsureRegistered();
        await EnsureMfaEnabledAsync();
        await accounts.ReplaceBackupCodesAsync(UserId, codeHashes);
    }

    private async Task EnsureMfaEnabledAsync()
    {
        if ((await accounts.GetTotpAsync(UserId)).SealedSecret is null)
        {
            throw new DomainException(ErrorCodes.MfaNotEnabled, "Two-factor authentication is off.");
        }
    }

    public Task<FriendRequestPolicy> GetFriendRequestPolicy() =>
        Task.FromResult(state.State.FriendRequests ?? FriendRequestPolicy.Open);

    public async Task<FriendRequestPolicy> SetFriendRequestPolicy(FriendRequestPolicy policy)
    {
        EnsureRegistered();
        state.State.FriendRequests = policy == FriendRequestPolicy.Open ? null : policy;
        await state.WriteStateAsync();
        return policy;
    }

    public async Task<IReadOnlyList<Guid>> Delete()
    {
        EnsureRegistered();
        var oldName = state.State.Username;
        if (!state.State.Deleted)
        {
            var placeholder = "deleted_" + UserId.ToString("N")[..12];
            await accounts.MarkDeletedAsync(UserId, placeholder, UserProfile.DeletedDisplayName);
            state.State.Deleted = true;
            state.State.Username = placeholder;
            state.State.DisplayName = UserProfile.DeletedDisplayName;
            state.State.Bio = null;
            state.State.GuildIds.Clear();
            await state.WriteStateAsync();
            passwordHash = "!";
            await GrainFactory.GetGrain<IUsernameGrain>(IUsernameGrain.KeyFor(oldName)).Release(UserId);
        }

        return await RevokeOtherSessions(Guid.Empty, "account_deleted");
    }

    public async Task AddGuild(Guid guildId)
    {
        EnsureRegistered();
        if (state.State.Deleted)
        {
            throw new DomainException(ErrorCodes.UserNotFound, "This account was deleted.");
        }

        if (state.State.GuildIds.Contains(guildId))
        {
            return;
        }

        if (state.State.GuildIds.Count >= MaxGuilds)
        {
            throw new DomainException(ErrorCodes.LimitReached, $"You can be in at most {MaxGuilds} guilds.");
        }

        state.State.GuildIds.Add(guildId);
        await state.WriteStateAsync();
    }

    public async Task RemoveGuild(Guid guildId)
    {
        if (state.State.GuildIds.Remove(guildId))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<Guid>> GetGuilds() => Task.FromResult<IReadOnlyList<Guid>>(state.State.GuildIds.ToList());

    private void EnsureRegistered()
    {
        if (!state.State.Registered)
        {
            throw new DomainException(ErrorCodes.UserNotFound, "No such user.");
        }
    }

    private UserProfile Profile() => new(UserId, state.State.Username, state.State.DisplayName, state.State.CreatedAt, state.State.Bio, state.State.Deleted);
}

[GenerateSerializer, Alias("lc.UserState")]
public sealed class UserState
{
    [Id(0)]
    public bool Registered { get; set; }

    [Id(1)]
    public string Username { get; set; } = "";

    [Id(2)]
    public string DisplayName { get; set; } = "";

    [Id(3)]
    public DateTimeOffset CreatedAt { get; set; }

    [Id(4)]
    public List<Guid> GuildIds { get; set; } = [];

    /// <summary>"About me" (PATCH /api/users/@me), shown on the member card.</summary>
    [Id(5)]
    public string? Bio { get; set; }

    /// <summary>The account was deleted (DELETE /api/users/@me): its row and id stay, for its messages' sake.</summary>
    [Id(6)]
    public bool Deleted { get; set; }

    /// <summary>Who may send friend requests; null is everyone (the default).</summary>
    [Id(7)]
    public FriendRequestPolicy? FriendRequests { get; set; }
}
