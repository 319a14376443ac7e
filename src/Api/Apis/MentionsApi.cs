using LesCopains.Api.Auth;
using LesCopains.Api.Infrastructure;
using LesCopains.Grains;
using LesCopains.Grains.Users;

namespace LesCopains.Api.Apis;

/// <summary>The caller's recent mentions across their guilds (the web client's Inbox), and taking one, or all up to one, out of them.</summary>
public static class MentionsApi
{
    public static IEndpointRouteBuilder MapMentionsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/users/@me/mentions", async (
                string? guildId, string? before, string? limit, string? everyone, string? roles, HttpContext http, IClusterClient cluster) =>
            {
                var query = new MentionQuery(
                    QueryValues.Id("guildId", guildId),
                    QueryValues.Id("before", before),
                    QueryValues.Int("limit", limit) ?? MentionRules.DefaultLimit,
                    QueryValues.Bool("everyone", everyone) ?? true,
                    QueryValues.Bool("roles", roles) ?? true);
                return TypedResults.Ok(await cluster.GetGrain<IRecentMentionsGrain>(0).GetMentions(http.User.UserId(), query));
            })
            .WithTags("Mentions").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        routes.MapDelete("/api/users/@me/mentions", async (string? upTo, HttpContext http, IClusterClient cluster) =>
            {
                var messageId = QueryValues.Id("upTo", upTo) ?? throw new DomainException(ErrorCodes.ValidationFailed, "upTo: the newest mention to dismiss, with all before it, is required.");
                await cluster.GetGrain<IRecentMentionsGrain>(0).DismissUpTo(http.User.UserId(), messageId);
                return TypedResults.NoContent();
            })
            .WithTags("Mentions").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        routes.MapDelete("/api/users/@me/mentions/{messageId:guid}", async (Guid messageId, HttpContext http, IClusterClient cluster) =>
            {
                await cluster.GetGrain<IRecentMentionsGrain>(0).Dismiss(http.User.UserId(), messageId);
                return TypedResults.NoContent();
            })
            .WithTags("Mentions").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        return routes;
    }
}
