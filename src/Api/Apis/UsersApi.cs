using LesCopains.Api.Auth;
using LesCopains.Api.Hubs;
using LesCopains.Api.Infrastructure;
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
        return TypedResults.Ok(UserDto.From(await user.UpdateDisplayName(displayName)));
    }
}
