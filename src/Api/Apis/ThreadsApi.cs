using LesCopains.Api.Auth;
using LesCopains.Api.Infrastructure;
using LesCopains.Grains.Channels;
using LesCopains.Grains.Users;

namespace LesCopains.Api.Apis;

/// <summary>
/// Threads: start one in a text channel, list a channel's threads, read and update one, join and leave
/// one, list the ones the caller follows. The channel grains check permissions.
/// </summary>
public static class ThreadsApi
{
    /// <param name="AutoArchiveDuration">Minutes without activity before the thread archives itself (60, 1440, 4320, 10080).</param>
    public sealed record CreateRequest(string? Name, Guid? MessageId, int? AutoArchiveDuration);

    public sealed record UpdateRequest(string? Name, bool? Archived, int? AutoArchiveDuration);

    public static IEndpointRouteBuilder MapThreadsApi(this IEndpointRouteBuilder routes)
    {
        var channel = routes.MapGroup("/api/channels/{channelId:guid}/threads").WithTags("Threads").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        channel.MapPost("", async (Guid channelId, CreateRequest body, HttpContext http, IClusterClient cluster) =>
        {
            var thread = await cluster.GetGrain<IChannelGrain>(channelId).CreateThread(http.User.UserId(), body.Name ?? "", body.MessageId, body.AutoArchiveDuration);
            return TypedResults.Created($"/api/threads/{thread.Id}", thread);
        });
        channel.MapGet("", async (Guid channelId, bool? archived, Guid? before, int? limit, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(new { threads = await cluster.GetGrain<IChannelGrain>(channelId).ListThreads(http.User.UserId(), new ThreadListQuery(archived ?? false, before, limit ?? 25)) }));

        var thread = routes.MapGroup("/api/threads/{threadId:guid}").WithTags("Threads").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        thread.MapGet("", async (Guid threadId, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await cluster.GetGrain<IChannelGrain>(threadId).GetThread(http.User.UserId())));
        thread.MapPatch("", async (Guid threadId, UpdateRequest body, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await cluster.GetGrain<IChannelGrain>(threadId).UpdateThread(http.User.UserId(), body.Name, body.Archived, body.AutoArchiveDuration)));

        // Following a thread (docs/API.md "Thread members"): idempotent both ways.
        thread.MapPut("/members/@me", async (Guid threadId, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await cluster.GetGrain<IChannelGrain>(threadId).JoinThread(http.User.UserId())));
        thread.MapDelete("/members/@me", async (Guid threadId, HttpContext http, IClusterClient cluster) =>
        {
            await cluster.GetGrain<IChannelGrain>(threadId).LeaveThread(http.User.UserId());
            return TypedResults.NoContent();
        });

        routes.MapGet("/api/users/@me/threads", async (HttpContext http, IClusterClient cluster) =>
                TypedResults.Ok(new { threads = await cluster.GetGrain<IReadStateGrain>(http.User.UserId()).GetJoinedThreads() }))
            .WithTags("Threads").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        return routes;
    }
}
