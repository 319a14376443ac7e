using LesCopains.Api.Auth;

namespace LesCopains.Api.Infrastructure;

/// <summary>Counts an authenticated REST call against the caller's <c>RATE_LIMIT_MAX</c> budget.</summary>
public sealed class UserRateLimitFilter(RateLimiter limiter, ApiSettings settings) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var user = context.HttpContext.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            await limiter.EnforceAsync("user:" + user.UserId().ToString("N"), settings.RateLimits.PerUserPerMinute, settings.RateLimits.PerUserWindow);
        }

        return await next(context);
    }
}
