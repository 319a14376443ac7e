using LesCopains.Api.Auth;
using LesCopains.Api.Infrastructure;
using LesCopains.Grains.Channels;

namespace LesCopains.Api.Apis;

/// <summary>Polls (docs/API.md "Polls"); the channel grain checks permissions and the rules.</summary>
public static class PollsApi
{
    public sealed record CreatePollRequest(string? Question, IReadOnlyList<PollAnswerInput>? Answers, int? DurationHours, bool? AllowMultiselect, string? Nonce);

    public sealed record VoteRequest(IReadOnlyList<int>? AnswerIds);

    public static IEndpointRouteBuilder MapPollsApi(this IEndpointRouteBuilder routes)
    {
        var channel = routes.MapGroup("/api/channels/{channelId:guid}").WithTags("Polls").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        channel.MapPost("/polls", async (Guid channelId, CreatePollRequest body, HttpContext http, IClusterClient cluster) =>
        {
            var message = await Polls(cluster, channelId).SendPoll(
                http.User.UserId(), new PollSpec(body.Question, body.Answers, body.DurationHours ?? 24, body.AllowMultiselect ?? false), body.Nonce);
            return TypedResults.Created($"/api/channels/{channelId}/messages/{message.Id}", message);
        });
        channel.MapPut("/messages/{messageId:guid}/poll/votes/@me", async (Guid channelId, Guid messageId, VoteRequest body, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await Polls(cluster, channelId).Vote(http.User.UserId(), messageId, body.AnswerIds ?? [])));
        channel.MapPost("/messages/{messageId:guid}/poll/end", async (Guid channelId, Guid messageId, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await Polls(cluster, channelId).EndPoll(http.User.UserId(), messageId)));
        return routes;
    }

    private static IChannelPollGrain Polls(IClusterClient cluster, Guid channelId) => cluster.GetGrain<IChannelPollGrain>(channelId);
}
