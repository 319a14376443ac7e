using LesCopains.Api.Auth;
using LesCopains.Api.Hubs;
using LesCopains.Api.Infrastructure;
using LesCopains.Grains;
using LesCopains.Grains.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LesCopains.Api.Apis;

/// <summary>Registration, login, refresh-token rotation, logout and the session list.</summary>
public static class AuthApi
{
    public sealed record RegisterRequest(string? Username, string? Password, string? DisplayName);

    public sealed record LoginRequest(string? Username, string? Password);

    public sealed record RefreshRequest(string? RefreshToken);

    public sealed record MfaLoginRequest(string? Ticket, string? Code);

    /// <summary>The password was right and the account has two-factor authentication: send a code with this ticket.</summary>
    public sealed record MfaRequiredResponse(bool Mfa, string Ticket);

    public sealed record LogoutRequest(string? RefreshToken);

    public sealed record RegisterResponse(UserDto User);

    public sealed record TokenResponse(string AccessToken, string RefreshToken, int ExpiresIn, Guid SessionId, DateTimeOffset RefreshExpiresAt, UserDto User);

    public sealed record SessionDto(Guid Id, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, DateTimeOffset ExpiresAt, string? UserAgent, string? Ip, bool Current);

    public sealed record SessionsResponse(IReadOnlyList<SessionDto> Sessions);

    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/auth").WithTags("Auth");
        group.MapPost("/register", Register);
        group.MapPost("/login", Login);
        group.MapPost("/refresh", Refresh);
        group.MapPost("/mfa/totp", LoginWithCode);

        var authenticated = group.MapGroup("").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        authenticated.MapPost("/logout", Logout);
        authenticated.MapGet("/sessions", ListSessions);
        authenticated.MapDelete("/sessions/{id:guid}", RevokeSession);
        return group;
    }

    private static async Task<Created<RegisterResponse>> Register(
        RegisterRequest body, HttpContext http, IClusterClient cluster, PasswordHasher hasher, RateLimiter limiter, ApiSettings settings)
    {
        await limiter.EnforceAsync("register-ip:" + ClientIp(http), settings.RateLimits.RegisterPerIpPerHour, TimeSpan.FromHours(1));
        var username = AccountRules.NormalizeUsername(body.Username);
        AccountRules.CheckPassword(body.Password, username);
        var displayName = AccountRules.NormalizeDisplayName(body.DisplayName, username);

        var nameGrain = cluster.GetGrain<IUsernameGrain>(IUsernameGrain.KeyFor(username));
        if (await nameGrain.GetOwner() is not null)
        {
            throw new DomainException(ErrorCodes.UsernameTaken, "This username is already taken.");
        }

        var hash = await hasher.HashAsync(body.Password!);
        var userId = Guid.CreateVersion7();
        await nameGrain.Claim(userId);
        try
        {
            var profile = await cluster.GetGrain<IUserGrain>(userId).Register(username, displayName, hash);
            return TypedResults.Created("/api/users/@me", new RegisterResponse(UserDto.From(profile)));
        }
        catch
        {
            await nameGrain.Release(userId);
            throw;
        }
    }

    private static async Task<Results<Ok<TokenResponse>, Ok<MfaRequiredResponse>>> Login(
        LoginRequest body, HttpContext http, IClusterClient cluster, PasswordHasher hasher, RateLimiter limiter, ApiSettings settings, TokenService tokens, TwoFactor twoFactor)
    {
        await limiter.EnforceAsync("login-ip:" + ClientIp(http), settings.RateLimits.LoginPerIpPerMinute, TimeSpan.FromMinutes(1));
        var username = (body.Username ?? "").Trim().ToLowerInvariant();
        if (username.Length is 0 or > AccountRules.UsernameMax || string.IsNullOrEmpty(body.Password) || body.Password.Length > AccountRules.PasswordMax)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "username and password are required.");
        }

        var failures = "login-fail:" + username;
        var budget = await limiter.PeekAsync(failures, settings.RateLimits.LoginFailuresPerUser);
        if (!budget.Allowed)
        {
            throw RateLimiter.Limited(budget.RetryAfter);
        }

        var userId = await cluster.GetGrain<IUsernameGrain>(IUsernameGrain.KeyFor(username)).GetOwner();
        var user = userId is { } id ? cluster.GetGrain<IUserGrain>(id) : null;
        var hash = user is null ? null : await user.GetPasswordHash();
        if (!await hasher.VerifyAsync(body.Password, hash) || user is null)
        {
            await limiter.HitAsync(failures, settings.RateLimits.LoginFailuresPerUser, TimeSpan.FromMinutes(15));
            throw new DomainException(ErrorCodes.InvalidCredentials, "Wrong username or password.");
        }

        if (await user.GetSealedTotpSecret() is not null)
        {
            // The failure budget is not reset yet: guesses at the code spend it too, whatever the password.
            return TypedResults.Ok(new MfaRequiredResponse(true, twoFactor.CreateTicket(userId!.Value)));
        }

        await limiter.ResetAsync(failures);
        var refresh = await user.StartSession(Client(http), settings.Jwt.RefreshLifetime);
        return TypedResults.Ok(await IssueAsync(refresh, user, tokens, settings));
    }

    /// <summary>The second step of a login with two-factor authentication: the ticket and a code.</summary>
    private static async Task<Ok<TokenResponse>> LoginWithCode(
        MfaLoginRequest body, HttpContext http, IClusterClient cluster, RateLimiter limiter, ApiSettings settings, TokenService tokens, TwoFactor twoFactor)
    {
        await limiter.EnforceAsync("login-ip:" + ClientIp(http), settings.RateLimits.LoginPerIpPerMinute, TimeSpan.FromMinutes(1));
        var userId = await twoFactor.ReadTicketAsync(body.Ticket);
        var user = cluster.GetGrain<IUserGrain>(userId);
        var profile = await user.GetProfile();
        if (await user.GetSealedTotpSecret() is not null)
        {
            await AccountSecurityApi.VerifySecondFactorAsync(userId, user, profile.Username, body.Code, limiter, settings, twoFactor);
        }

        await limiter.ResetAsync("login-fail:" + profile.Username);
        var refresh = await user.StartSession(Client(http), settings.Jwt.RefreshLifetime);
        return TypedResults.Ok(await IssueAsync(refresh, user, tokens, settings));
    }

    private static async Task<Ok<TokenResponse>> Refresh(
        RefreshRequest body, HttpContext http, IClusterClient cluster, RateLimiter limiter, ApiSettings settings, TokenService tokens)
    {
        await limiter.EnforceAsync("refresh-ip:" + ClientIp(http), settings.RateLimits.LoginPerIpPerMinute * 5, TimeSpan.FromMinutes(1));
        var token = body.RefreshToken ?? "";
        var dot = token.IndexOf('.');
        if (token.Length > 200 || dot != 32 || !Guid.TryParseExact(token[..dot], "N", out var sessionId))
        {
            throw new DomainException(ErrorCodes.InvalidRefreshToken, "The refresh token is invalid or expired.");
        }

        IssuedRefreshToken next;
        try
        {
            next = await cluster.GetGrain<ISessionGrain>(sessionId).Rotate(token, Client(http), settings.Jwt.RefreshLifetime);
        }
        catch (DomainException ex) when (ex.Code == ErrorCodes.RefreshTokenReused)
        {
            await http.RequestServices.GetRequiredService<SessionRevocations>().PublishAsync(sessionId);
            throw;
        }

        return TypedResults.Ok(await IssueAsync(next, cluster.GetGrain<IUserGrain>(next.UserId), tokens, settings));
    }

    private static async Task<NoContent> Logout(HttpContext http, IClusterClient cluster, SessionRevocations revocations)
    {
        var sessionId = http.User.SessionId();
        await cluster.GetGrain<ISessionGrain>(sessionId).Revoke("logout");
        await revocations.PublishAsync(sessionId);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<SessionsResponse>> ListSessions(HttpContext http, IClusterClient cluster)
    {
        var current = http.User.SessionId();
        var sessions = await cluster.GetGrain<IUserGrain>(http.User.UserId()).ListSessions();
        return TypedResults.Ok(new SessionsResponse(sessions
            .Select(s => new SessionDto(s.Id, s.CreatedAt, s.LastUsedAt, s.ExpiresAt, s.UserAgent, s.IpAddress, s.Id == current))
            .ToList()));
    }

    private static async Task<NoContent> RevokeSession(Guid id, HttpContext http, IClusterClient cluster, SessionRevocations revocations)
    {
        await cluster.GetGrain<IUserGrain>(http.User.UserId()).RevokeSession(id);
        await revocations.PublishAsync(id);
        return TypedResults.NoContent();
    }

    private static async Task<TokenResponse> IssueAsync(IssuedRefreshToken refresh, IUserGrain user, TokenService tokens, ApiSettings settings)
    {
        var profile = await user.GetProfile();
        var (access, _) = tokens.CreateAccessToken(profile.Id, refresh.SessionId, profile.Username);
        return new TokenResponse(access, refresh.Token, (int)settings.Jwt.AccessLifetime.TotalSeconds, refresh.SessionId, refresh.ExpiresAt, UserDto.From(profile));
    }

    public static string ClientIp(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static ClientInfo Client(HttpContext http) =>
        new(http.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? ua : null, ClientIp(http));
}
