using LesCopains.Api.Auth;
using LesCopains.Api.Infrastructure;
using Microsoft.AspNetCore.SignalR;

namespace LesCopains.Api.Hubs;

/// <summary>
/// Counts every hub call against the caller's per-user write budget (shared with REST writes),
/// except the voice calls that the voice room throttles itself: screen-share annotations (a stroke
/// in flight is a call every ~40 ms) and speaking-only state updates (one per start/stop of speech).
/// </summary>
public sealed class HubRateLimitFilter(RateLimiter limiter, ApiSettings settings) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var user = invocationContext.Context.User;
        if (user?.Identity?.IsAuthenticated == true && !ThrottledByVoiceRoom(invocationContext))
        {
            var decision = await limiter.HitLeasedAsync(UserRateLimitFilter.WriteBucket(user.UserId().ToString("N")), settings.RateLimits.PerUserPerMinute, settings.RateLimits.PerUserWindow);
            if (!decision.Allowed)
            {
                throw new HubException($"rate_limited: Too many requests; retry in {Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds))} s.");
            }
        }

        try
        {
            return await next(invocationContext);
        }
        catch (LesCopains.Grains.DomainException ex)
        {
            // Hub errors carry the same stable codes as REST: "code: message".
            throw new HubException($"{ex.Code}: {ex.Message}");
        }
    }

    private static bool ThrottledByVoiceRoom(HubInvocationContext context) =>
        context.HubMethodName == nameof(GatewayHub.VoiceAnnotate)
        || (context.HubMethodName == nameof(GatewayHub.VoiceUpdateState)
            && context.HubMethodArguments is [VoiceStateRequest { SelfMute: null, SelfDeaf: null, Speaking: not null }]);
}
