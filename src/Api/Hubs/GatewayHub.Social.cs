using LesCopains.Api.Apis;
using LesCopains.Api.Auth;
using LesCopains.Grains.Channels;
using LesCopains.Grains.Users;

namespace LesCopains.Api.Hubs;

/// <summary>Reactions, typing and read acks over the gateway (same rules as the REST routes).</summary>
public sealed partial class GatewayHub
{
    public Task<ReactionDto> AddReaction(ReactionRequest request) =>
        cluster.GetGrain<IChannelSocialGrain>(request.ChannelId).AddReaction(Context.User!.UserId(), request.MessageId, request.Emoji ?? "");

    public Task<ReactionDto> RemoveReaction(ReactionRequest request) =>
        cluster.GetGrain<IChannelSocialGrain>(request.ChannelId).RemoveReaction(Context.User!.UserId(), request.MessageId, request.Emoji ?? "");

    /// <summary>Announces typing; the channel sends at most one event per user every few seconds, extra calls are ignored.</summary>
    public Task StartTyping(Guid channelId) =>
        cluster.GetGrain<IChannelSocialGrain>(channelId).StartTyping(Context.User!.UserId());

    public Task<ReadStateDto> AckMessage(AckMessageRequest request) =>
        SocialApi.AckAsync(cluster, Clients, Context.User!.UserId(), request.ChannelId, request.MessageId);
}
