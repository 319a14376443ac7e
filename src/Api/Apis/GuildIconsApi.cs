using LesCopains.Api.Auth;
using LesCopains.Api.Infrastructure;
using LesCopains.Api.Uploads;
using LesCopains.Grains.Guilds;

namespace LesCopains.Api.Apis;

/// <summary>
/// Guild icons: set or remove (<c>MANAGE_GUILD</c>; multipart, a PNG, JPEG, GIF or WebP image of at
/// most <see cref="Pictures.MaxBytes"/>), and the icons themselves under the attachments' path, so
/// that <c>&lt;img&gt;</c> authenticates with the media cookie. As on Discord, an icon is shown to
/// anyone signed in who holds its address (an invite preview names it).
/// </summary>
public static class GuildIconsApi
{
    public const string ImagePath = AttachmentsApi.DownloadPath + "/icons";

    public static IEndpointRouteBuilder MapGuildIconsApi(this IEndpointRouteBuilder routes)
    {
        var icon = routes.MapGroup("/api/guilds/{guildId:guid}/icon").WithTags("Guilds").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        icon.MapPut("", async (Guid guildId, HttpContext http, IBlobStore blobs, AttachmentRepository attachments, IClusterClient cluster, CancellationToken ct) =>
        {
            var guild = cluster.GetGrain<IGuildGrain>(guildId);
            var userId = http.User.UserId();
            var (sha256, _) = await Pictures.StoreAsync(http, blobs, attachments, "an icon", (sha, type) => guild.SetIcon(userId, sha, type), ct);
            return TypedResults.Ok(new { icon = sha256 });
        });
        icon.MapDelete("", async (Guid guildId, HttpContext http, IBlobStore blobs, AttachmentRepository attachments, IClusterClient cluster) =>
        {
            var removed = await cluster.GetGrain<IGuildGrain>(guildId).SetIcon(http.User.UserId(), null, null);
            await Pictures.ForgetAsync(removed, attachments, blobs);
            return TypedResults.NoContent();
        });

        routes.MapPictures<GuildIconRepository>(ImagePath, (icons, sha256, ct) => icons.TypeOfAsync(sha256, ct)).WithTags("Guilds");
        return routes;
    }
}
