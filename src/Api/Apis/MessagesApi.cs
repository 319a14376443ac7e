using LesCopains.Api.Auth;
using LesCopains.Api.Infrastructure;
using LesCopains.Grains;
using LesCopains.Grains.Channels;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LesCopains.Api.Apis;

/// <summary>Channel messages: history, send, edit, delete. The channel grain checks permissions.</summary>
public static class MessagesApi
{
    public sealed record SendRequest(string? Content, string? Nonce, Guid? ReplyTo, IReadOnlyList<Guid>? Attachments = null, bool? MentionReplied = null);

    public sealed record SeedSendRequest(Guid? ChannelId, string? Content, string? Nonce);

    public sealed record EditRequest(string? Content);

    public static IEndpointRouteBuilder MapMessagesApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/channels/{channelId:guid}/messages").WithTags("Messages").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        group.MapGet("", async (Guid channelId, Guid? before, Guid? after, Guid? around, int? limit, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(new { messages = await Channel(cluster, channelId).GetHistory(http.User.UserId(), new HistoryQuery(before, after, around, limit ?? 50)) }));
        group.MapPost("", async (Guid channelId, SendRequest body, HttpContext http, IClusterClient cluster) =>
            Created(await Channel(cluster, channelId).SendMessageWithAttachments(
                http.User.UserId(), body.Content ?? "", body.Nonce, body.ReplyTo, body.Attachments ?? [], body.MentionReplied ?? true)));
        group.MapPatch("/{messageId:guid}", async (Guid channelId, Guid messageId, EditRequest body, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await Channel(cluster, channelId).EditMessage(http.User.UserId(), messageId, body.Content ?? "")));
        group.MapDelete("/{messageId:guid}", async (Guid channelId, Guid messageId, HttpContext http, IClusterClient cluster) =>
        {
            await Channel(cluster, channelId).DeleteMessage(http.User.UserId(), messageId);
            return TypedResults.NoContent();
        });

        // The seed's load scenario: POST /api/messages {channelId, content}.
        routes.MapPost("/api/messages", async (SeedSendRequest body, HttpContext http, IClusterClient cluster) =>
            Created(await Channel(cluster, body.ChannelId ?? throw new DomainException(ErrorCodes.ValidationFailed, "channelId: is required."))
                .SendMessage(http.User.UserId(), body.Content ?? "", body.Nonce, null)))
            .WithTags("Messages").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        return routes;
    }

    private static Created<MessageDto> Created(MessageDto message) =>
        TypedResults.Created($"/api/channels/{message.ChannelId}/messages/{message.Id}", message);

    private static IChannelGrain Channel(IClusterClient cluster, Guid channelId) => cluster.GetGrain<IChannelGrain>(channelId);
}
