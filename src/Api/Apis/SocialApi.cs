using LesCopains.Api.Auth;
using LesCopains.Api.Hubs;
using LesCopains.Api.Infrastructure;
using LesCopains.Grains;
using LesCopains.Grains.Channels;
using LesCopains.Grains.Users;
using Microsoft.AspNetCore.SignalR;

namespace LesCopains.Api.Apis;

/// <summary>Reactions, pins, typing and read states. The channel and read-state grains check permissions.</summary>
public static class SocialApi
{
    public sealed record AckRequest(Guid? MessageId);

    public static IEndpointRouteBuilder MapSocialApi(this IEndpointRouteBuilder routes)
    {
        var channel = routes.MapGroup("/api/channels/{channelId:guid}").WithTags("Social").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        channel.MapPut("/messages/{messageId:guid}/reactions/{emoji}/@me", async (Guid channelId, Guid messageId, string emoji, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await Social(cluster, channelId).AddReaction(http.User.UserId(), messageId, emoji)));
        channel.MapDelete("/messages/{messageId:guid}/reactions/{emoji}/@me", async (Guid channelId, Guid messageId, string emoji, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await Social(cluster, channelId).RemoveReaction(http.User.UserId(), messageId, emoji)));
        channel.MapGet("/pins", async (Guid channelId, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(new { pins = await Social(cluster, channelId).GetPins(http.User.UserId()) }));
        channel.MapPut("/pins/{messageId:guid}", async (Guid channelId, Guid messageId, HttpContext http, IClusterClient cluster) =>
        {
            await Social(cluster, channelId).Pin(http.User.UserId(), messageId);
            return TypedResults.NoContent();
        });
        channel.MapDelete("/pins/{messageId:guid}", async (Guid channelId, Guid messageId, HttpContext http, IClusterClient cluster) =>
        {
            await Social(cluster, channelId).Unpin(http.User.UserId(), messageId);
            return TypedResults.NoContent();
        });
        channel.MapPost("/typing", async (Guid channelId, HttpContext http, IClusterClient cluster) =>
        {
            await Social(cluster, channelId).StartTyping(http.User.UserId());
            return TypedResults.NoContent();
        });
        channel.MapPost("/ack", async (Guid channelId, AckRequest body, HttpContext http, IClusterClient cluster, IHubContext<GatewayHub> hub) =>
            TypedResults.Ok(await AckAsync(cluster, hub.Clients, http.User.UserId(), channelId, body.MessageId)));
        channel.MapPost("/messages/{messageId:guid}/unread", async (Guid channelId, Guid messageId, HttpContext http, IClusterClient cluster, IHubContext<GatewayHub> hub) =>
        {
            var userId = http.User.UserId();
            var state = await cluster.GetGrain<IReadStateGrain>(userId).MarkUnread(channelId, messageId);
            await hub.Clients.Group(GatewayHub.UserGroup(userId)).SendAsync(GatewayEvents.ReadStateUpdate, state);
            return TypedResults.Ok(state);
        });

        routes.MapPost("/api/guilds/{guildId:guid}/ack", async (Guid guildId, HttpContext http, IClusterClient cluster, IHubContext<GatewayHub> hub) =>
            {
                var userId = http.User.UserId();
                var states = await cluster.GetGrain<IReadStateGrain>(userId).AckGuild(guildId);
                foreach (var state in states)
                {
                    await hub.Clients.Group(GatewayHub.UserGroup(userId)).SendAsync(GatewayEvents.ReadStateUpdate, state);
                }

                return TypedResults.Ok(new { readStates = states });
            })
            .WithTags("Social").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();

        routes.MapGet("/api/users/@me/read-states", async (HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(new { readStates = await cluster.GetGrain<IReadStateGrain>(http.User.UserId()).GetReadStates() }))
            .WithTags("Social").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        return routes;
    }

    /// <summary>Moves the read position and tells the user's other connections (their other tabs clear the badge too).</summary>
    public static async Task<ReadStateDto> AckAsync(IClusterClient cluster, IHubClients<IClientProxy> clients, Guid userId, Guid channelId, Guid? messageId)
    {
        var state = await cluster.GetGrain<IReadStateGrain>(userId)
            .Ack(channelId, messageId ?? throw new DomainException(ErrorCodes.ValidationFailed, "messageId: is required."));
        await clients.Group(GatewayHub.UserGroup(userId)).SendAsync(GatewayEvents.ReadStateUpdate, state);
        return state;
    }

    private static IChannelSocialGrain Social(IClusterClient cluster, Guid channelId) => cluster.GetGrain<IChannelSocialGrain>(channelId);
}
