using LesCopains.Api.Auth;
using LesCopains.Api.Hubs;
using LesCopains.Api.Infrastructure;
using System.Text.Json;
using LesCopains.Grains.Dms;
using LesCopains.Grains.Guilds;
using LesCopains.Grains.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LesCopains.Api.Apis;

/// <summary>The caller's own profile, and anyone's public one (the member card's "About me").</summary>
public static class UsersApi
{
    public sealed record UpdateMeRequest(string? DisplayName, string? Bio);

    public static RouteGroupBuilder MapUsersApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/users").WithTags("Users").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        group.MapGet("/@me", GetMe);
        group.MapPatch("/@me", UpdateMe);
        group.MapGet("/{userId:guid}/profile", GetProfile);
        return group;
    }

    /// <summary>A profile as someone else sees it, with what they have in common (Discord's "Mutual Servers" and "Mutual Friends").</summary>
    public sealed record ProfileDto(
        string Id, string Username, string DisplayName, DateTimeOffset CreatedAt, string? Bio, bool? Deleted,
        IReadOnlyList<Guid> MutualGuildIds, IReadOnlyList<ConversationMember> MutualFriends);

    private static async Task<Ok<ProfileDto>> GetProfile(Guid userId, HttpContext http, IClusterClient cluster)
    {
        var me = http.User.UserId();
        var profile = UserDto.From(await cluster.GetGrain<IUserGrain>(userId).GetProfile());
        IReadOnlyList<Guid> guilds = [];
        IReadOnlyList<ConversationMember> friends = [];
        if (userId != me)
        {
            var theirs = (await cluster.GetGrain<IUserGrain>(userId).GetGuilds()).ToHashSet();
            guilds = [.. (await cluster.GetGrain<IUserGrain>(me).GetGuilds()).Where(theirs.Contains)];
            friends = await cluster.GetGrain<IFriendsGrain>(me).MutualFriends(userId);
        }

        return TypedResults.Ok(new ProfileDto(profile.Id, profile.Username, profile.DisplayName, profile.CreatedAt, profile.Bio, profile.Deleted, guilds, friends));
    }

    private static async Task<Ok<UserDto>> GetMe(HttpContext http, IClusterClient cluster) =>
        TypedResults.Ok(UserDto.From(await cluster.GetGrain<IUserGrain>(http.User.UserId()).GetProfile()));

    private static async Task<Ok<UserDto>> UpdateMe(UpdateMeRequest body, HttpContext http, IClusterClient cluster)
    {
        var user = cluster.GetGrain<IUserGrain>(http.User.UserId());
        if (body.DisplayName is null && body.Bio is null)
        {
            throw AccountRules.Invalid("displayName", "displayName or bio is required.");
        }

        // Both checked before either is written: a bad one changes nothing.
        var displayName = body.DisplayName is null ? null : AccountRules.NormalizeDisplayName(body.DisplayName, "");
        var bio = body.Bio is null ? null : AccountRules.NormalizeBio(body.Bio);
        var profile = await user.GetProfile();
        if (displayName is not null && displayName != profile.DisplayName)
        {
            profile = await user.UpdateDisplayName(displayName);
            await AnnounceAsync(cluster, profile.Id, new { id = profile.Id, displayName = profile.DisplayName });
        }

        if (body.Bio is not null)
        {
            profile = await user.UpdateBio(bio);
        }

        return TypedResults.Ok(UserDto.From(profile));
    }

    public const string UpdateEvent = "user:update";

    /// <summary>
    /// <c>user:update</c> <c>{guildId, user: {id, …what changed}}</c> to the members of every guild the
    /// user is in (their own other tabs included), through each guild's fan-out; and <c>{user}</c>,
    /// without a guild, to the people they share a direct conversation with and to their friends and
    /// requests, through their feeds.
    /// </summary>
    public static async Task AnnounceAsync(IClusterClient cluster, Guid userId, object user)
    {
        foreach (var guildId in await cluster.GetGrain<IUserGrain>(userId).GetGuilds())
        {
            var payload = JsonSerializer.Serialize(new { guildId, user }, JsonSerializerOptions.Web);
            await cluster.GetGrain<IGuildGrain>(guildId).Relay(new GuildEvent(guildId, UpdateEvent, payload, null, null, 0));
        }

        var partners = (await cluster.GetGrain<IDmUserGrain>(userId).ListConversations())
            .SelectMany(c => c.Members).Select(m => m.Id)
            .Concat(await cluster.GetGrain<IFriendsGrain>(userId).RelatedIds())
            .Where(id => id != userId).Distinct().ToList();
        if (partners.Count > 0)
        {
            UserEvent[] events = [new(UpdateEvent, JsonSerializer.Serialize(new { user }, JsonSerializerOptions.Web), null)];
            foreach (var partner in partners)
            {
                await cluster.GetGrain<IUserFeedGrain>(partner).Publish(events);
            }
        }
    }
}
