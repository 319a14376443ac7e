using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace LesCopains.Hosting;

/// <summary>
/// Guards admin-only endpoints (Orleans Dashboard, /metrics) with HTTP Basic auth as user
/// <c>admin</c> and <c>ADMIN_PASSWORD</c>. Without a password configured, only loopback callers pass.
/// </summary>
public sealed class AdminAccess(string? password)
{
    public const string UserName = "admin";

    public bool IsAllowed(HttpContext context)
    {
        if (password is null)
        {
            var remote = context.Connection.RemoteIpAddress;
            return remote is null || IPAddress.IsLoopback(remote);
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }

        var expected = Encoding.UTF8.GetBytes($"{UserName}:{password}");
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(decoded)), SHA256.HashData(expected));
    }

    /// <summary>Endpoint filter for a route group.</summary>
    public ValueTask<object?> Filter(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        if (IsAllowed(invocation.HttpContext))
        {
            return next(invocation);
        }

        return ValueTask.FromResult<object?>(new ChallengeResult());
    }

    /// <summary>Middleware for paths that are not endpoints (the dashboard serves its own assets).</summary>
    public async Task Middleware(HttpContext context, Func<Task> next, PathString prefix)
    {
        if (context.Request.Path.StartsWithSegments(prefix) && !IsAllowed(context))
        {
            await ChallengeResult.WriteAsync(context);
            return;
        }

        await next();
    }

    /// <summary>401 with a Basic challenge and the usual error body.</summary>
    private sealed class ChallengeResult : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext);

        public static Task WriteAsync(HttpContext context)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"LesCopains admin\", charset=\"UTF-8\"";
            return context.Response.WriteAsJsonAsync(new { error = new { code = "admin_auth_required", message = "Admin credentials are required." } });
        }
    }
}
