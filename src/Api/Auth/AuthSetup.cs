using LesCopains.Api.Infrastructure;
using LesCopains.Grains;
using LesCopains.Grains.Users;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace LesCopains.Api.Auth;

/// <summary>JWT bearer authentication: HS256 only, session checked on every request.</summary>
public static class AuthSetup
{
    private const string FailureCodeItem = "lc.auth.failure";

    public static IServiceCollection AddLesCopainsAuth(this IServiceCollection services)
    {
        services.AddSingleton<TokenService>();
        services.AddSingleton<TwoFactor>();
        services.AddSingleton<PasswordHasher>();
        services.AddAuthorization();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<TokenService>((options, tokens) =>
        {
            options.MapInboundClaims = false;
            options.TokenValidationParameters = tokens.ValidationParameters;
            options.Events = new JwtBearerEvents
            {
                OnMessageReceived = context =>
                {
                    // Browsers cannot set headers on WebSocket upgrades: accept the query string there only.
                    if (context.HttpContext.WebSockets.IsWebSocketRequest
                        && context.Request.Path.StartsWithSegments("/hubs")
                        && context.Request.Query.TryGetValue("access_token", out var token))
                    {
                        context.Token = token;
                    }
                    else if ((HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
                        && context.Request.Path.StartsWithSegments(Apis.AttachmentsApi.DownloadPath)
                        && !context.Request.Headers.ContainsKey("Authorization")
                        && context.Request.Cookies.TryGetValue(Apis.AttachmentsApi.MediaCookie, out var cookie))
                    {
                        // <img> cannot send a header: downloads (and only they) accept the path-scoped media cookie.
                        context.Token = cookie;
                    }

                    return Task.CompletedTask;
                },
                OnTokenValidated = async context =>
                {
                    var principal = context.Principal!;
                    Guid sessionId;
                    try
                    {
                        sessionId = principal.SessionId();
                        _ = principal.UserId();
                    }
                    catch (Exception ex) when (ex is FormatException or InvalidOperationException)
                    {
                        context.HttpContext.Items[FailureCodeItem] = ErrorCodes.Unauthorized;
                        context.Fail("malformed claims");
                        return;
                    }

                    var cluster = context.HttpContext.RequestServices.GetRequiredService<IClusterClient>();
                    if (!await cluster.GetGrain<ISessionGrain>(sessionId).IsActive())
                    {
                        context.HttpContext.Items[FailureCodeItem] = ErrorCodes.SessionRevoked;
                        context.Fail("session revoked");
                    }
                },
                OnAuthenticationFailed = context =>
                {
                    if (context.Exception is Microsoft.IdentityModel.Tokens.SecurityTokenExpiredException)
                    {
                        context.HttpContext.Items[FailureCodeItem] = "token_expired";
                    }

                    return Task.CompletedTask;
                },
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    var code = context.HttpContext.Items[FailureCodeItem] as string ?? ErrorCodes.Unauthorized;
                    var message = code switch
                    {
                        ErrorCodes.SessionRevoked => "This session was signed out.",
                        "token_expired" => "The access token expired; refresh it.",
                        _ => "A valid access token is required.",
                    };
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await context.Response.WriteAsJsonAsync(new ApiError(new ApiError.Body(code, message)));
                },
            };
        });
        return services;
    }
}
