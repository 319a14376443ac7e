using LesCopains.Api.Auth;

namespace LesCopains.Api.Infrastructure;

/// <summary>
/// Counts an authenticated REST call against the caller's budget: reads (GET/HEAD) against
/// <c>RATE_LIMIT_READ_MAX</c>, everything else against <c>RATE_LIMIT_MAX</c> (shared with hub calls).
/// </summary>
public sealed class UserRateLimitFilter(RateLimiter limiter, ApiSettings settings) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var user = context.HttpContext.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            var limits = settings.RateLimits;
            var userId = user.UserId().ToString("N");
            var method = context.HttpContext.Request.Method;
            await (HttpMethods.IsGet(method) || HttpMethods.IsHead(method)
                ? limiter.EnforceLeasedAsync(ReadBucket(userId), limits.ReadsPerUserPerMinute, limits.PerUserWindow)
                : limiter.EnforceLeasedAsync(WriteBucket(userId), limits.PerUserPerMinute, limits.PerUserWindow));
        }

        return await next(context);
    }

    /// <summary>The bucket of a user's writes and hub calls.</summary>
    public static string WriteBucket(string userId) => "user:" + userId;

    public static string ReadBucket(string userId) => "user-read:" + userId;
}
