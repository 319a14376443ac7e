using LesCopains.Api.Auth;
using LesCopains.Api.Hubs;
using LesCopains.Api.Infrastructure;
using LesCopains.Grains;
using LesCopains.Grains.Users;
using Microsoft.AspNetCore.SignalR;

namespace LesCopains.Api.Apis;

/// <summary>
/// The caller's notification settings per guild (docs/API.md "Notification settings"). The
/// read-state grain keeps them, since two of them decide which mentions it counts.
/// </summary>
public static class NotificationSettingsApi
{
    public sealed record ChannelChange(Guid? ChannelId, string? Level, bool? Muted, DateTimeOffset? MuteUntil);

    public sealed record UpdateRequest(string? Level, bool? SuppressEveryone, bool? SuppressRoles, bool? Muted, DateTimeOffset? MuteUntil, List<ChannelChange?>? Channels);

    public static IEndpointRouteBuilder MapNotificationSettingsApi(this IEndpointRouteBuilder routes)
    {
        var me = routes.MapGroup("/api/users/@me").WithTags("Notification settings").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        me.MapGet("/notification-settings", async (HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(new { guilds = await cluster.GetGrain<IReadStateGrain>(http.User.UserId()).GetNotificationSettings() }));
        me.MapPatch("/guilds/{guildId:guid}/notification-settings", async (Guid guildId, UpdateRequest body, HttpContext http, IClusterClient cluster, IHubContext<GatewayHub> hub) =>
        {
            var userId = http.User.UserId();
            var settings = await cluster.GetGrain<IReadStateGrain>(userId).UpdateNotificationSettings(guildId, ToPatch(body));
            // The user's other tabs and devices follow (this one too: the event is idempotent).
            await hub.Clients.Group(GatewayHub.UserGroup(userId)).SendAsync(GatewayEvents.NotificationSettingsUpdate, settings);
            return TypedResults.Ok(settings);
        });
        return routes;
    }

    private static NotifySettingsPatch ToPatch(UpdateRequest body)
    {
        var channels = body.Channels?.Select((c, i) => c is null
                ? throw new DomainException(ErrorCodes.ValidationFailed, $"channels[{i}]: must be an object.")
                : new ChannelNotifyPatch(
                    c.ChannelId ?? throw new DomainException(ErrorCodes.ValidationFailed, $"channels[{i}].channelId: is required."),
                    c.Level,
                    c.Muted,
                    c.MuteUntil))
            .ToList();
        return new NotifySettingsPatch(body.Level, body.SuppressEveryone, body.SuppressRoles, body.Muted, body.MuteUntil, channels);
    }
}
