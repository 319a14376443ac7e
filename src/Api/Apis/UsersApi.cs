using LesCopains.Api.Auth;
using LesCopains.Api.Hubs;
using LesCopains.Api.Infrastructure;
using System.Text.Json;
using LesCopains.Grains.Guilds;
using LesCopains.Grains.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LesCopains.Api.Apis;

/// <summary>The caller's own profile.</summary>
public static class UsersApi
{
    public sealed record UpdateMeRequest(string? DisplayName);

    public static RouteGroupBuilder MapUsersApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/users").WithTags("Users").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        group.MapGet("/@me", GetMe);
        group.MapPatch("/@me", UpdateMe);
        return group;
    }

    private static async Task<Ok<UserDto>> GetMe(HttpContext http, IClusterClient cluster) =>
        TypedResults.Ok(UserDto.From(await cluster.GetGrain<IUserGrain>(http.User.UserId()).GetProfile()));

    private static async Task<Ok<UserDto>> UpdateMe(UpdateMeRequest body, HttpContext http, IClusterClient cluster)
    {
        var user = cluster.GetGrain<IUserGrain>(http.User.UserId());
        if (body.DisplayName is null)
        {
            throw AccountRules.Invalid("displayName", "is required.");
        }

        var displayName = AccountRules.NormalizeDisplayName(body.DisplayName, "");
        var before = (await user.GetProfile()).DisplayName;
        var profile = await user.UpdateDisplayName(displayName);
        if (before != profile.DisplayName)
        {
            await AnnounceAsync(cluster, profile.Id, new { id = profile.Id, displayName = profile.DisplayName });
        }

        return TypedResults.Ok(UserDto.From(profile));
    }

    public const string UpdateEvent = "user:update";

    /// <summary>
    /// <c>user:update</c> <c>{guildId, user: {id, …what changed}}</c> to the members of every guild the
    /// user is in (their own other tabs included), through each guild's fan-out. People who share only
    /// a conversation see the change on their next load.
    /// </summary>
    public static async Task AnnounceAsync(IClusterClient cluster, Guid userId, object user)
    {
        foreach (var guildId in await cluster.GetGrain<IUserGrain>(userId).GetGuilds())
        {
            var payload = JsonSerializer.Serialize(new { guildId, user }, JsonSerializerOptions.Web);
            await cluster.GetGrain<IGuildGrain>(guildId).Relay(new GuildEvent(guildId, UpdateEvent, payload, null, null, 0));
        }
    }
}
