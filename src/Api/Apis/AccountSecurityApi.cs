using LesCopains.Api.Auth;
using LesCopains.Api.Hubs;
using LesCopains.Api.Infrastructure;
using LesCopains.Api.Uploads;
using LesCopains.Grains;
using LesCopains.Grains.Dms;
using LesCopains.Grains.Guilds;
using LesCopains.Grains.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LesCopains.Api.Apis;

/// <summary>
/// The caller's password and two-factor authentication (docs/API.md, "Password and two-factor
/// authentication"). Every check of a password or a code here spends the same per-username failure
/// budget as logging in, so none of these routes is a way around it.
/// </summary>
public static class AccountSecurityApi
{
    public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

    public sealed record EnableTotpRequest(string? Password, string? Secret, string? Code);

    public sealed record CodeRequest(string? Code);

    public sealed record PasswordRequest(string? Password);

    public sealed record DeleteAccountRequest(string? Password, string? Code);

    public sealed record ChangeUsernameRequest(string? Username, string? Password);

    /// <summary>Username changes per account per hour, as Discord allows.</summary>
    public const int UsernameChangesPerHour = 2;

    public sealed record BackupCodesResponse(IReadOnlyList<string> BackupCodes);

    public sealed record MfaStatusResponse(bool Enabled, int BackupCodesLeft);

    public static RouteGroupBuilder MapAccountSecurityApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/users/@me").WithTags("Users").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        group.MapPut("/password", ChangePassword);
        group.MapPut("/username", ChangeUsername);
        group.MapGet("/mfa", async (HttpContext http, IClusterClient cluster) =>
        {
            var status = await cluster.GetGrain<IUserGrain>(http.User.UserId()).GetMfaStatus();
            return TypedResults.Ok(new MfaStatusResponse(status.Enabled, status.BackupCodesLeft));
        });
        group.MapPost("/mfa/totp/enable", EnableTotp);
        group.MapPost("/mfa/totp/disable", DisableTotp);
        group.MapPost("/mfa/backup-codes", RegenerateBackupCodes);
        group.MapDelete("", DeleteAccount);
        return group;
    }

    private static async Task<NoContent> ChangePassword(
        ChangePasswordRequest body, HttpContext http, IClusterClient cluster, PasswordHasher hasher, RateLimiter limiter, ApiSettings settings, SessionRevocations revocations)
    {
        var user = cluster.GetGrain<IUserGrain>(http.User.UserId());
        var profile = await user.GetProfile();
        // The new one is checked first: a rejected new password spends no attempt at the current one.
        AccountRules.CheckPassword(body.NewPassword, profile.Username, "newPassword");
        await VerifyPasswordAsync(user, profile.Username, body.CurrentPassword, hasher, limiter, settings);

        await user.ChangePasswordHash(await hasher.HashAsync(body.NewPassword!));
        foreach (var sessionId in await user.RevokeOtherSessions(http.User.SessionId(), "password_changed"))
        {
            await revocations.PublishAsync(sessionId);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Ok<UserDto>> ChangeUsername(
        ChangeUsernameRequest body, HttpContext http, IClusterClient cluster, PasswordHasher hasher, RateLimiter limiter, ApiSettings settings)
    {
        var userId = http.User.UserId();
        var user = cluster.GetGrain<IUserGrain>(userId);
        var username = AccountRules.NormalizeUsername(body.Username);
        var profile = await user.GetProfile();
        await VerifyPasswordAsync(user, profile.Username, body.Password, hasher, limiter, settings);
        if (username == profile.Username)
        {
            return TypedResults.Ok(UserDto.From(profile));
        }

        if (await cluster.GetGrain<IUsernameGrain>(IUsernameGrain.KeyFor(username)).GetOwner() is not null)
        {
            throw new DomainException(ErrorCodes.UsernameTaken, "This username is already taken.");
        }

        await limiter.EnforceAsync("username-change:" + userId.ToString("N"), UsernameChangesPerHour, TimeSpan.FromHours(1));
        profile = await user.ChangeUsername(username);
        await UsersApi.AnnounceAsync(cluster, userId, new { id = userId, username });
        return TypedResults.Ok(UserDto.From(profile));
    }

    private static async Task<Ok<BackupCodesResponse>> EnableTotp(
        EnableTotpRequest body, HttpContext http, IClusterClient cluster, PasswordHasher hasher, RateLimiter limiter, ApiSettings settings, TwoFactor twoFactor)
    {
        var userId = http.User.UserId();
        var user = cluster.GetGrain<IUserGrain>(userId);
        var profile = await user.GetProfile();
        var secret = TwoFactor.ParseSecret(body.Secret)
            ?? throw AccountRules.Invalid("secret", $"secret must be base32 of {TwoFactor.MinSecretBytes}–{TwoFactor.MaxSecretBytes} bytes.");
        await VerifyPasswordAsync(user, profile.Username, body.Password, hasher, limiter, settings);
        if ((await user.GetMfaStatus()).Enabled)
        {
            throw new DomainException(ErrorCodes.MfaAlreadyEnabled, "Two-factor authentication is already on.");
        }

        var step = twoFactor.MatchStep(secret, body.Code)
            ?? throw new DomainException(ErrorCodes.InvalidMfaCode, "That code is not the one your authenticator app shows now.");
        var (codes, hashes) = TwoFactor.NewBackupCodes();
        await user.EnableTotp(twoFactor.Seal(userId, secret), step, hashes);
        return TypedResults.Ok(new BackupCodesResponse(codes));
    }

    private static async Task<NoContent> DisableTotp(
        CodeRequest body, HttpContext http, IClusterClient cluster, RateLimiter limiter, ApiSettings settings, TwoFactor twoFactor)
    {
        var userId = http.User.UserId();
        var user = cluster.GetGrain<IUserGrain>(userId);
        var profile = await user.GetProfile();
        if (!(await user.GetMfaStatus()).Enabled)
        {
            throw new DomainException(ErrorCodes.MfaNotEnabled, "Two-factor authentication is off.");
        }

        await VerifySecondFactorAsync(userId, user, profile.Username, body.Code, limiter, settings, twoFactor);
        await user.DisableTotp();
        return TypedResults.NoContent();
    }

    private static async Task<Ok<BackupCodesResponse>> RegenerateBackupCodes(
        PasswordRequest body, HttpContext http, IClusterClient cluster, PasswordHasher hasher, RateLimiter limiter, ApiSettings settings)
    {
        var user = cluster.GetGrain<IUserGrain>(http.User.UserId());
        var profile = await user.GetProfile();
        await VerifyPasswordAsync(user, profile.Username, body.Password, hasher, limiter, settings);
        var (codes, hashes) = TwoFactor.NewBackupCodes();
        await user.ReplaceBackupCodes(hashes);
        return TypedResults.Ok(new BackupCodesResponse(codes));
    }

    /// <summary>
    /// Deletes the caller's account (docs/API.md, "Deleting an account"). Everything is checked
    /// before anything changes; each step after that can be run again, so a request that fails
    /// halfway is finished by repeating it.
    /// </summary>
    private static async Task<NoContent> DeleteAccount(
        [Microsoft.AspNetCore.Mvc.FromBody] DeleteAccountRequest body, HttpContext http, IClusterClient cluster, PasswordHasher hasher, RateLimiter limiter, ApiSettings settings,
        TwoFactor twoFactor, SessionRevocations revocations, PresenceTracker presence, AvatarRepository avatars, AttachmentRepository attachments,
        IBlobStore blobs, CancellationToken ct)
    {
        var userId = http.User.UserId();
        var user = cluster.GetGrain<IUserGrain>(userId);
        var profile = await user.GetProfile();
        await VerifyPasswordAsync(user, profile.Username, body.Password, hasher, limiter, settings);
        if ((await user.GetMfaStatus()).Enabled)
        {
            await VerifySecondFactorAsync(userId, user, profile.Username, body.Code, limiter, settings, twoFactor);
        }

        var guilds = await user.GetGuilds();
        var owned = new List<string>();
        foreach (var guildId in guilds)
        {
            var view = await cluster.GetGrain<IGuildGrain>(guildId).GetView(userId);
            if (view.OwnerId == userId)
            {
                owned.Add(view.Name);
            }
        }

        if (owned.Count > 0)
        {
            throw new DomainException(ErrorCodes.OwnsGuilds,
                $"Transfer or delete the guilds you own first: {string.Join(", ", owned.Order(StringComparer.CurrentCulture))}.");
        }

        foreach (var guildId in guilds)
        {
            try
            {
                await cluster.GetGrain<IGuildGrain>(guildId).Leave(userId);
            }
            catch (DomainException ex) when (ex.Code is ErrorCodes.MemberNotFound or ErrorCodes.GuildNotFound)
            {
                // Left or gone meanwhile (or by an earlier attempt of this request).
            }
        }

        var dm = cluster.GetGrain<IDmUserGrain>(userId);
        var partners = new HashSet<Guid>();
        foreach (var conversation in await dm.ListConversations())
        {
            if (conversation.Kind == ConversationKind.Group)
            {
                try
                {
                    await cluster.GetGrain<IConversationGrain>(conversation.Id).Leave(userId);
                }
                catch (DomainException ex) when (ex.Code == ErrorCodes.ConversationNotFound)
                {
                    // Left meanwhile.
                }
            }
            else
            {
                partners.UnionWith(conversation.Members.Select(m => m.Id));
            }
        }

        var friends = cluster.GetGrain<IFriendsGrain>(userId);
        foreach (var other in await friends.RelatedIds())
        {
            await friends.Remove(other);
        }

        // Nobody can encrypt to a deleted account's devices any more.
        var keys = cluster.GetGrain<IKeyDirectoryGrain>(userId);
        foreach (var device in await keys.GetDevices())
        {
            await keys.RemoveDevice(device.DeviceId);
        }

        await AvatarsApi.RemoveAsync(userId, avatars, attachments, blobs, cluster, ct);
        await presence.SetCustomStatusAsync(userId, null);

        foreach (var sessionId in await user.Delete())
        {
            await revocations.PublishAsync(sessionId);
        }

        // The one-to-one conversations stay for the other person, under the new name.
        partners.Remove(userId);
        if (partners.Count > 0)
        {
            await UsersApi.AnnounceAsync(cluster, userId, new { id = userId, displayName = UserProfile.DeletedDisplayName, deleted = true });
        }

        return TypedResults.NoContent();
    }

    private static string FailureKey(string username) => "login-fail:" + username;

    /// <summary>Checks the account's password; a wrong one spends the login failure budget (<c>password_incorrect</c>, then 429).</summary>
    public static async Task VerifyPasswordAsync(IUserGrain user, string username, string? password, PasswordHasher hasher, RateLimiter limiter, ApiSettings settings)
    {
        if (string.IsNullOrEmpty(password) || password.Length > AccountRules.PasswordMax)
        {
            throw AccountRules.Invalid("password", "password is required.");
        }

        await EnsureAttemptsLeftAsync(username, limiter, settings);
        if (!await hasher.VerifyAsync(password, await user.GetPasswordHash()))
        {
            await limiter.HitAsync(FailureKey(username), settings.RateLimits.LoginFailuresPerUser, TimeSpan.FromMinutes(15));
            throw new DomainException(ErrorCodes.PasswordIncorrect, "That password is not right.");
        }
    }

    /// <summary>
    /// Accepts a current authenticator code (each 30 s step once) or an unused backup code, which it
    /// uses up; anything else spends the login failure budget (<c>invalid_mfa_code</c>, then 429).
    /// </summary>
    public static async Task VerifySecondFactorAsync(Guid userId, IUserGrain user, string username, string? code, RateLimiter limiter, ApiSettings settings, TwoFactor twoFactor)
    {
        if (string.IsNullOrWhiteSpace(code) || code.Length > 32)
        {
            throw AccountRules.Invalid("code", "code is required: six digits from the authenticator app, or a backup code.");
        }

        await EnsureAttemptsLeftAsync(username, limiter, settings);
        if (TwoFactor.NormalizeTotp(code) is not null)
        {
            var sealedSecret = await user.GetSealedTotpSecret();
            if (sealedSecret is not null
                && twoFactor.MatchStep(twoFactor.Unseal(userId, sealedSecret), code) is { } step
                && await user.TryConsumeTotpStep(step))
            {
                return;
            }
        }
        else if (TwoFactor.NormalizeBackupCode(code) is { } backup && await user.TryUseBackupCode(TwoFactor.HashBackupCode(backup)))
        {
            return;
        }

        await limiter.HitAsync(FailureKey(username), settings.RateLimits.LoginFailuresPerUser, TimeSpan.FromMinutes(15));
        throw new DomainException(ErrorCodes.InvalidMfaCode, "That code is not valid: use the one your authenticator app shows now, or an unused backup code.");
    }

    /// <summary>
    /// For the actions Discord also guards (deleting a guild, giving it away): with two-factor
    /// authentication on, a code must come with the request (<c>mfa_required</c>, 403, when it does
    /// not). Without it, nothing more is asked.
    /// </summary>
    public static async Task RequireSecondFactorAsync(IClusterClient cluster, Guid userId, string? code, RateLimiter limiter, ApiSettings settings, TwoFactor twoFactor)
    {
        var user = cluster.GetGrain<IUserGrain>(userId);
        if (await user.GetSealedTotpSecret() is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(code))
        {
            throw new DomainException(ErrorCodes.MfaRequired, "This needs a code from your authenticator app (or a backup code) in `code`.");
        }

        await VerifySecondFactorAsync(userId, user, (await user.GetProfile()).Username, code, limiter, settings, twoFactor);
    }

    private static async Task EnsureAttemptsLeftAsync(string username, RateLimiter limiter, ApiSettings settings)
    {
        var budget = await limiter.PeekAsync(FailureKey(username), settings.RateLimits.LoginFailuresPerUser);
        if (!budget.Allowed)
        {
            throw RateLimiter.Limited(budget.RetryAfter);
        }
    }
}
