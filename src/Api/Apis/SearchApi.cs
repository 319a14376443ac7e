using LesCopains.Api.Auth;
using LesCopains.Api.Infrastructure;
using LesCopains.Grains.Channels;

namespace LesCopains.Api.Apis;

/// <summary>Message search in a guild. Query values are parsed here so a malformed one is a <c>validation_failed</c> naming the field.</summary>
public static class SearchApi
{
    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/guilds/{guildId:guid}/messages/search", async (
                Guid guildId, string? q, string? author, string? channel, string? before, string? after, string? has, string? limit, string? offset,
                HttpContext http, IClusterClient cluster) =>
            {
                var query = new SearchQuery(
                    q,
                    QueryValues.Id("author", author),
                    QueryValues.Id("channel", channel),
                    QueryValues.Time("before", before),
                    QueryValues.Time("after", after),
                    has switch
                    {
                        null or "" => false,
                        "attachment" => true,
                        _ => throw SearchRules.Invalid("has", "the only supported value is attachment."),
                    },
                    QueryValues.Int("limit", limit) ?? SearchRules.DefaultLimit,
                    QueryValues.Int("offset", offset) ?? 0);
                return TypedResults.Ok(await cluster.GetGrain<IMessageSearchGrain>(0).Search(http.User.UserId(), guildId, query));
            })
            .WithTags("Search").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        return routes;
    }
}
