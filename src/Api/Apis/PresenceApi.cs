using LesCopains.Api.Auth;
using LesCopains.Api.Hubs;
using LesCopains.Api.Infrastructure;
using LesCopains.Grains;
using LesCopains.Grains.Guilds;
using LesCopains.Grains.Presence;

namespace LesCopains.Api.Apis;

/// <summary>Presence: a guild's non-offline members, and the caller's own status.</summary>
public static class PresenceApi
{
    public sealed record SetPresenceRequest(string? Status);

    public sealed record SetCustomStatusRequest(string? Text, string? Emoji, DateTimeOffset? ExpiresAt);

    public static IEndpointRouteBuilder MapPresenceApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api").WithTags("Presence").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();

        // Bounded by the guild's online members: offline ones are simply absent.
        group.MapGet("/guilds/{guildId:guid}/presences", async (Guid guildId, HttpContext http, IClusterClient cluster, TimeProvider time) =>
        {
            if (await cluster.GetGrain<IGuildGrain>(guildId).GetMember(http.User.UserId()) is null)
            {
                throw new DomainException(ErrorCodes.GuildNotFound, "No such guild.");
            }

            // {online: [ids], idle: [...], dnd: [...], customStatus?: {id: {…}}}, the shape of
            // presence:update without its guildId.
            var presences = await cluster.GetGrain<IGuildPresenceGrain>(guildId).GetPresences();
            var snapshot = PresenceRules.Grouped(presences);
            if (PresenceRules.CustomStatuses(presences, time.GetUtcNow()) is { } customs)
            {
                snapshot["customStatus"] = customs;
            }

            return snapshot;
        });
        group.MapGet("/users/@me/presence", async (HttpContext http, IClusterClient cluster) =>
            PresenceTracker.SelfEvent(await cluster.GetGrain<IPresenceGrain>(http.User.UserId()).Get()));
        group.MapPut("/users/@me/presence", async (SetPresenceRequest body, HttpContext http, PresenceTracker presence) =>
        {
            var chosen = PresenceRules.ParseChosen(body.Status)
                ?? throw new DomainException(ErrorCodes.ValidationFailed, "status: must be online, idle, dnd or invisible.");
            return PresenceTracker.SelfEvent(await presence.SetStatusAsync(http.User.UserId(), chosen));
        });
        group.MapPut("/users/@me/custom-status", async (SetCustomStatusRequest body, HttpContext http, PresenceTracker presence) =>
            PresenceTracker.SelfEvent(await presence.SetCustomStatusAsync(http.User.UserId(), new CustomStatus(body.Text, body.Emoji, body.ExpiresAt))));
        group.MapDelete("/users/@me/custom-status", async (HttpContext http, PresenceTracker presence) =>
        {
            await presence.SetCustomStatusAsync(http.User.UserId(), null);
            return TypedResults.NoContent();
        });
        return routes;
    }
}
