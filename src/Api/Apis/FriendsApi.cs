using LesCopains.Api.Auth;
using LesCopains.Api.Infrastructure;
using LesCopains.Grains;
using LesCopains.Grains.Users;

namespace LesCopains.Api.Apis;

/// <summary>Friends and friend requests (docs/API.md "Friends"); the logic is in <see cref="IFriendsGrain"/>.</summary>
public static class FriendsApi
{
    public sealed record AddFriendRequest(string? Username);

    public sealed record FriendRequestsSetting(bool? Everyone, bool? FriendsOfFriends, bool? GuildMembers);

    public sealed record PrivacySettings(FriendRequestsSetting? FriendRequests);

    private static PrivacySettings View(FriendRequestPolicy p) => new(new FriendRequestsSetting(p.Everyone, p.FriendsOfFriends, p.GuildMembers));

    public static IEndpointRouteBuilder MapFriendsApi(this IEndpointRouteBuilder routes)
    {
        // Who may send me friend requests (Settings → Privacy & Safety).
        var privacy = routes.MapGroup("/api/users/@me/privacy").WithTags("Friends").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        privacy.MapGet("", async (HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(View(await cluster.GetGrain<IUserGrain>(http.User.UserId()).GetFriendRequestPolicy())));
        privacy.MapPatch("", async (PrivacySettings body, HttpContext http, IClusterClient cluster) =>
        {
            var user = cluster.GetGrain<IUserGrain>(http.User.UserId());
            var current = await user.GetFriendRequestPolicy();
            var patch = body.FriendRequests ?? throw new DomainException(ErrorCodes.ValidationFailed, "friendRequests: is required.");
            var next = new FriendRequestPolicy(
                patch.Everyone ?? current.Everyone, patch.FriendsOfFriends ?? current.FriendsOfFriends, patch.GuildMembers ?? current.GuildMembers);
            return TypedResults.Ok(View(await user.SetFriendRequestPolicy(next)));
        });

        var group = routes.MapGroup("/api/users/@me/relationships").WithTags("Friends").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        group.MapGet("", async (HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(new { relationships = await Friends(cluster, http).List() }));

        // "Add Friend" by username, as Discord's: sends a request, or accepts the one they sent.
        group.MapPost("", async (AddFriendRequest body, HttpContext http, IClusterClient cluster) =>
        {
            if (string.IsNullOrWhiteSpace(body.Username))
            {
                throw new DomainException(ErrorCodes.ValidationFailed, "username: is required.");
            }

            var owner = await cluster.GetGrain<IUsernameGrain>(IUsernameGrain.KeyFor(AccountRules.NormalizeUsername(body.Username.Trim().TrimStart('@'))))
                .GetOwner() ?? throw new DomainException(ErrorCodes.UserNotFound, "No such user.");
            return TypedResults.Ok(await Friends(cluster, http).Request(owner));
        });

        // The same by id (a member card's "Add Friend", a request's "Accept").
        group.MapPut("/{userId:guid}", async (Guid userId, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await Friends(cluster, http).Request(userId)));

        // Remove a friend, cancel a request sent, ignore one received; nothing there is not an error.
        group.MapDelete("/{userId:guid}", async (Guid userId, HttpContext http, IClusterClient cluster) =>
        {
            await Friends(cluster, http).Remove(userId);
            return TypedResults.NoContent();
        });
        return routes;
    }

    private static IFriendsGrain Friends(IClusterClient cluster, HttpContext http) => cluster.GetGrain<IFriendsGrain>(http.User.UserId());
}
