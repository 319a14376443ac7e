using LesCopains.Api.Auth;
using LesCopains.Api.Infrastructure;
using LesCopains.Api.Uploads;
using LesCopains.Grains;
using LesCopains.Grains.Guilds;
using LesCopains.Grains.Users;

namespace LesCopains.Api.Apis;

/// <summary>
/// Profile pictures: set or remove one's own (multipart, a PNG, JPEG, GIF or WebP image of at most
/// <see cref="MaxBytes"/>), look up several people's, and the pictures themselves, under the
/// attachments' path so that <c>&lt;img&gt;</c> authenticates with the media cookie. As on Discord,
/// any signed-in person may see anyone's picture.
/// </summary>
public static class AvatarsApi
{
    public const long MaxBytes = Pictures.MaxBytes;
    public const int MaxIds = 100;
    public const string ImagePath = AttachmentsApi.DownloadPath + "/avatars";

    public static IEndpointRouteBuilder MapAvatarsApi(this IEndpointRouteBuilder routes)
    {
        var me = routes.MapGroup("/api/users/@me/avatar").WithTags("Avatars").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        me.MapPut("", SetAsync);
        me.MapDelete("", async (HttpContext http, AvatarRepository avatars, AttachmentRepository attachments, IBlobStore blobs, IClusterClient cluster, CancellationToken ct) =>
        {
            await RemoveAsync(http.User.UserId(), avatars, attachments, blobs, cluster, ct);
            return TypedResults.NoContent();
        });
        routes.MapGet("/api/users/avatars", LookUpAsync).WithTags("Avatars").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();

        // Only bytes that are someone's picture now: this path serves no attachment by its hash.
        routes.MapPictures<AvatarRepository>(ImagePath, (avatars, sha256, ct) => avatars.TypeOfAsync(sha256, ct)).WithTags("Avatars");
        return routes;
    }

    private static async Task<IResult> SetAsync(
        HttpContext http, IBlobStore blobs, AvatarRepository avatars, AttachmentRepository attachments, IClusterClient cluster, CancellationToken cancellationToken)
    {
        var userId = http.User.UserId();
        var (sha256, changed) = await Pictures.StoreAsync(
            http, blobs, attachments, "a picture", (sha, type) => avatars.SetAsync(userId, sha, type, cancellationToken), cancellationToken);
        if (changed)
        {
            await AnnounceAsync(cluster, userId, sha256);
        }

        return TypedResults.Ok(new { avatar = sha256 });
    }

    private static async Task<IResult> LookUpAsync(string? ids, AvatarRepository avatars, CancellationToken cancellationToken)
    {
        var parts = (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length is 0 or > MaxIds)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, $"ids: 1–{MaxIds} user ids, comma-separated.");
        }

        var list = new List<Guid>(parts.Length);
        foreach (var part in parts)
        {
            list.Add(Guid.TryParse(part, out var id) ? id : throw new DomainException(ErrorCodes.ValidationFailed, $"ids: '{part}' is not a user id."));
        }

        var found = await avatars.OfAsync(list.Distinct().ToList(), cancellationToken);
        return TypedResults.Ok(new { avatars = found.ToDictionary(p => p.Key.ToString(), p => p.Value) });
    }

    /// <summary>Removes a person's picture (its bytes freed once unused) and tells who sees them.</summary>
    public static async Task RemoveAsync(Guid userId, AvatarRepository avatars, AttachmentRepository attachments, IBlobStore blobs, IClusterClient cluster, CancellationToken ct)
    {
        var removed = await avatars.SetAsync(userId, null, null, ct);
        await Pictures.ForgetAsync(removed, attachments, blobs);
        if (removed is not null)
        {
            await AnnounceAsync(cluster, userId, null);
        }
    }

    private static Task AnnounceAsync(IClusterClient cluster, Guid userId, string? avatar) =>
        UsersApi.AnnounceAsync(cluster, userId, new { id = userId, avatar });

}
