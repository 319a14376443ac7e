using System.Globalization;
using LesCopains.Api.Auth;
using LesCopains.Api.Infrastructure;
using LesCopains.Grains;
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
                    Id("author", author),
                    Id("channel", channel),
                    Time("before", before),
                    Time("after", after),
                    has switch
                    {
                        null or "" => false,
                        "attachment" => true,
                        _ => throw SearchRules.Invalid("has", "the only supported value is attachment."),
                    },
                    Int("limit", limit) ?? SearchRules.DefaultLimit,
                    Int("offset", offset) ?? 0);
                return TypedResults.Ok(await cluster.GetGrain<IMessageSearchGrain>(0).Search(http.User.UserId(), guildId, query));
            })
            .WithTags("Search").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        return routes;
    }

    private static Guid? Id(string field, string? raw) =>
        string.IsNullOrEmpty(raw) ? null
        : Guid.TryParse(raw, out var id) ? id
        : throw SearchRules.Invalid(field, "must be an id.");

    private static DateTimeOffset? Time(string field, string? raw) =>
        string.IsNullOrEmpty(raw) ? null
        : DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time
        : throw SearchRules.Invalid(field, "must be an ISO 8601 date or date-time.");

    private static int? Int(string field, string? raw) =>
        string.IsNullOrEmpty(raw) ? null
        : int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
        : throw SearchRules.Invalid(field, "must be a whole number.");
}
