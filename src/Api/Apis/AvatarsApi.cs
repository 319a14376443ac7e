using LesCopains.Api.Auth;
using LesCopains.Api.Infrastructure;
using LesCopains.Api.Uploads;
using System.Text.Json;
using LesCopains.Grains;
using LesCopains.Grains.Guilds;
using LesCopains.Grains.Users;
using Microsoft.Net.Http.Headers;

namespace LesCopains.Api.Apis;

/// <summary>
/// Profile pictures: set or remove one's own (multipart, a PNG, JPEG, GIF or WebP image of at most
/// <see cref="MaxBytes"/>), look up several people's, and the pictures themselves, under the
/// attachments' path so that <c>&lt;img&gt;</c> authenticates with the media cookie. As on Discord,
/// any signed-in person may see anyone's picture.
/// </summary>
public static class AvatarsApi
{
    public const long MaxBytes = 1024 * 1024;
    public const int MaxIds = 100;
    public const string ImagePath = AttachmentsApi.DownloadPath + "/avatars";

    private static readonly string[] Types = ["image/png", "image/jpeg", "image/gif", "image/webp"];

    public static IEndpointRouteBuilder MapAvatarsApi(this IEndpointRouteBuilder routes)
    {
        var me = routes.MapGroup("/api/users/@me/avatar").WithTags("Avatars").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        me.MapPut("", SetAsync);
        me.MapDelete("", async (HttpContext http, AvatarRepository avatars, AttachmentRepository attachments, IBlobStore blobs, IClusterClient cluster, CancellationToken ct) =>
        {
            var userId = http.User.UserId();
            var removed = await avatars.SetAsync(userId, null, null, ct);
            await ForgetAsync(removed, attachments, blobs);
            if (removed is not null)
            {
                await AnnounceAsync(cluster, userId, null);
            }

            return TypedResults.NoContent();
        });
        routes.MapGet("/api/users/avatars", LookUpAsync).WithTags("Avatars").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();

        // Not rate limited per request: a page shows many faces, and answers are cached for good.
        routes.MapMethods(ImagePath + "/{sha256:regex(^[0-9a-f]{{64}}$)}", [HttpMethods.Get, HttpMethods.Head], ServeAsync)
            .WithTags("Avatars").RequireAuthorization();
        return routes;
    }

    private static async Task<IResult> SetAsync(
        HttpContext http, IBlobStore blobs, AvatarRepository avatars, AttachmentRepository attachments, IClusterClient cluster, CancellationToken cancellationToken)
    {
        var userId = http.User.UserId();
        var (blob, _) = await MultipartFile.ReadAsync(http, blobs, MaxBytes, TooLarge, cancellationToken);
        string? replaced;
        try
        {
            var sniffed = await MultipartFile.SniffAsync(blobs, blob.Sha256, cancellationToken);
            if (!Types.Contains(sniffed.ContentType))
            {
                throw new DomainException(ErrorCodes.ValidationFailed, "file: a picture is a PNG, JPEG, GIF or WebP image.");
            }

            replaced = await avatars.SetAsync(userId, blob.Sha256, sniffed.ContentType, cancellationToken);
        }
        catch when (blob.Created)
        {
            // Nothing half-written: bytes this request added and nobody refers to go again.
            await ForgetAsync(blob.Sha256, attachments, blobs);
            throw;
        }

        if (replaced != blob.Sha256)
        {
            await ForgetAsync(replaced, attachments, blobs);
            await AnnounceAsync(cluster, userId, blob.Sha256);
        }

        return TypedResults.Ok(new { avatar = blob.Sha256 });
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

    private static async Task<IResult> ServeAsync(string sha256, HttpContext http, IBlobStore blobs, AvatarRepository avatars, CancellationToken cancellationToken)
    {
        // Only bytes that are someone's picture now: this path serves no attachment by its hash.
        var type = await avatars.TypeOfAsync(sha256, cancellationToken) ?? throw NotFound();
        var content = blobs.OpenRead(sha256) ?? throw NotFound();
        var headers = http.Response.Headers;
        headers.ContentDisposition = "inline";
        headers.ContentSecurityPolicy = AttachmentsApi.DownloadPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        // The bytes behind a hash never change.
        headers.CacheControl = "private, max-age=31536000, immutable";
        return TypedResults.Stream(content, type, entityTag: new EntityTagHeaderValue($"\"{sha256}\""));
    }

    /// <summary>
    /// <c>user:update</c> <c>{guildId, user: {id, avatar}}</c> to the members of every guild the user is
    /// in (their own other tabs included), through each guild's fan-out.
    /// </summary>
    private static async Task AnnounceAsync(IClusterClient cluster, Guid userId, string? avatar)
    {
        foreach (var guildId in await cluster.GetGrain<IUserGrain>(userId).GetGuilds())
        {
            var payload = JsonSerializer.Serialize(new { guildId, user = new { id = userId, avatar } }, JsonSerializerOptions.Web);
            await cluster.GetGrain<IGuildGrain>(guildId).Relay(new GuildEvent(guildId, UpdateEvent, payload, null, null, 0));
        }
    }

    public const string UpdateEvent = "user:update";

    /// <summary>Deletes a picture's bytes when nothing (another account, an attachment) refers to them any more.</summary>
    private static async Task ForgetAsync(string? sha256, AttachmentRepository attachments, IBlobStore blobs)
    {
        if (sha256 is not null && !await attachments.IsReferencedAsync(sha256, CancellationToken.None))
        {
            blobs.Delete(sha256);
        }
    }

    private static ApiException TooLarge() =>
        new(ErrorCodes.FileTooLarge, $"file: A picture is at most {MaxBytes} bytes.", StatusCodes.Status413PayloadTooLarge);

    private static DomainException NotFound() => new(ErrorCodes.AttachmentNotFound, "No such picture.");
}
