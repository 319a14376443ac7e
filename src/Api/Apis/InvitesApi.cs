using LesCopains.Api.Auth;
using LesCopains.Api.Hubs;
using LesCopains.Api.Infrastructure;
using LesCopains.Grains;
using LesCopains.Grains.Guilds;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LesCopains.Api.Apis;

/// <summary>Invite preview, join and revoke by code.</summary>
public static class InvitesApi
{
    public static RouteGroupBuilder MapInvitesApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/invites").WithTags("Invites").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        group.MapGet("/{code}", async (string code, IClusterClient cluster) =>
            await (await GuildOf(cluster, code)).PreviewInvite(code));
        group.MapPost("/{code}", async (string code, HttpContext http, IClusterClient cluster, GuildGateway gateway) =>
        {
            var userId = http.User.UserId();
            var view = await (await GuildOf(cluster, code)).JoinWithInvite(userId, code);
            await gateway.AnnounceJoinAsync(userId, view.Id);
            return TypedResults.Ok(view);
        });
        group.MapDelete("/{code}", async (string code, HttpContext http, IClusterClient cluster) =>
        {
            await (await GuildOf(cluster, code)).RevokeInvite(http.User.UserId(), code);
            return TypedResults.NoContent();
        });
        return group;
    }

    private static async Task<IGuildGrain> GuildOf(IClusterClient cluster, string code)
    {
        if (code.Length is 0 or > 32 || !code.All(char.IsAsciiLetterOrDigit))
        {
            throw new DomainException(ErrorCodes.InviteNotFound, "This invite is invalid or has expired.");
        }

        var guildId = await cluster.GetGrain<IInviteCodeGrain>(IInviteCodeGrain.KeyFor(code)).Resolve()
            ?? throw new DomainException(ErrorCodes.InviteNotFound, "This invite is invalid or has expired.");
        return cluster.GetGrain<IGuildGrain>(guildId);
    }
}
