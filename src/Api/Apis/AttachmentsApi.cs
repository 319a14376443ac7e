using System.Security.Claims;
using LesCopains.Api.Auth;
using LesCopains.Api.Infrastructure;
using LesCopains.Api.Uploads;
using LesCopains.Grains;
using LesCopains.Grains.Channels;
using LesCopains.Grains.Guilds;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace LesCopains.Api.Apis;

/// <summary>
/// Attachments: upload into a channel (multipart, streamed to the blob store under the size limit),
/// then send a message naming the upload ids; download for whoever can read the channel now.
/// </summary>
public static class AttachmentsApi
{
    /// <summary>The cookie an <c>&lt;img&gt;</c> sends instead of the bearer token (path-scoped to the downloads).</summary>
    public const string MediaCookie = "lc_media";

    public const string DownloadPath = "/api/attachments";

    /// <summary>Downloads are sandboxed: nothing in a served file may run, load or navigate.</summary>
    public const string DownloadPolicy = "default-src 'none'; sandbox";

    public static IEndpointRouteBuilder MapAttachmentsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/channels/{channelId:guid}/attachments", UploadAsync)
            .WithTags("Attachments").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();

        // Not rate limited per request: a page of history loads many images, and answers are cached.
        routes.MapMethods(DownloadPath + "/{id:guid}/{filename}", [HttpMethods.Get, HttpMethods.Head], DownloadAsync)
            .WithTags("Attachments").RequireAuthorization();

        routes.MapPost(DownloadPath + "/cookie", SetCookie).WithTags("Attachments").RequireAuthorization();
        routes.MapDelete(DownloadPath + "/cookie", (HttpContext http) =>
        {
            http.Response.Cookies.Delete(MediaCookie, CookieOptions(http, null));
            return TypedResults.NoContent();
        }).WithTags("Attachments");
        return routes;
    }

    private static async Task<IResult> UploadAsync(
        Guid channelId,
        HttpContext http,
        IClusterClient cluster,
        IBlobStore blobs,
        AttachmentRepository attachments,
        ApiSettings settings,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var userId = http.User.UserId();

        // Refuse before reading a byte of the body.
        var guildId = await cluster.GetGrain<IChannelGrain>(channelId).GetGuildId();
        var access = await cluster.GetGrain<IGuildGrain>(guildId).GetChannelAccess(userId, channelId);
        if (access.Type != ChannelType.Text)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "channelId: files go to text channels.");
        }

        Require(access, Permissions.SendMessages, "SEND_MESSAGES");
        Require(access, Permissions.AttachFiles, "ATTACH_FILES");

        var (blob, filename) = await MultipartFile.ReadAsync(http, blobs, settings.MaxFileSize, () => TooLarge(settings), cancellationToken);
        try
        {
            var sniffed = await MultipartFile.SniffAsync(blobs, blob.Sha256, cancellationToken);
            var row = new AttachmentRepository.NewAttachment(
                Guid.CreateVersion7(), channelId, guildId, userId, blob.Sha256, filename, sniffed.ContentType, blob.Size, sniffed.Width, sniffed.Height, time.GetUtcNow());
            await attachments.InsertAsync(row, cancellationToken);
            var dto = new AttachmentDto(row.Id, row.Filename, row.ContentType, row.Size, row.Width, row.Height);
            return TypedResults.Created(dto.Url, dto);
        }
        catch when (blob.Created)
        {
            // Nothing half-written: bytes this request added and nobody refers to go again.
            if (!await attachments.IsReferencedAsync(blob.Sha256, CancellationToken.None))
            {
                blobs.Delete(blob.Sha256);
            }

            throw;
        }
    }

    private static async Task<IResult> DownloadAsync(
        Guid id,
        HttpContext http,
        IClusterClient cluster,
        IBlobStore blobs,
        AttachmentRepository attachments,
        CancellationToken cancellationToken)
    {
        var userId = http.User.UserId();
        var attachment = await attachments.FindAsync(id, cancellationToken);
        if (attachment is null || !attachment.Visible || (attachment.MessageId is null && attachment.UploaderId != userId))
        {
            throw NotFound();
        }

        ChannelAccess access;
        try
        {
            access = await cluster.GetGrain<IGuildGrain>(attachment.GuildId).GetChannelAccess(userId, attachment.ChannelId);
        }
        catch (DomainException ex) when (ex.Code is ErrorCodes.ChannelNotFound or ErrorCodes.GuildNotFound)
        {
            throw NotFound(); // cannot see the channel: the attachment does not exist for them
        }

        Require(access, Permissions.ReadMessageHistory, "READ_MESSAGE_HISTORY");
        var content = blobs.OpenRead(attachment.Sha256) ?? throw NotFound();

        var isImage = attachment.ContentType.StartsWith("image/", StringComparison.Ordinal);
        var disposition = new ContentDispositionHeaderValue(isImage ? "inline" : "attachment");
        disposition.SetHttpFileName(attachment.Filename);
        var headers = http.Response.Headers;
        headers.ContentDisposition = disposition.ToString();
        headers.ContentSecurityPolicy = DownloadPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        // The bytes behind an id never change; the browser keeps them for itself only.
        headers.CacheControl = "private, max-age=604800, immutable";
        return TypedResults.Stream(content, attachment.ContentType, lastModified: attachment.CreatedAt,
            entityTag: new EntityTagHeaderValue($"\"{attachment.Sha256}\""), enableRangeProcessing: true);
    }

    /// <summary>
    /// Copies the caller's bearer token into an HttpOnly, SameSite=Strict cookie sent only to
    /// <c>/api/attachments</c>, so that <c>&lt;img src&gt;</c> and download links authenticate; it
    /// expires with the token, and is honoured only on downloads.
    /// </summary>
    private static IResult SetCookie(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(ErrorCodes.Unauthorized, "Send the access token in the Authorization header.", StatusCodes.Status401Unauthorized);
        }

        var expires = long.TryParse(http.User.FindFirstValue("exp"), out var exp) ? DateTimeOffset.FromUnixTimeSeconds(exp) : DateTimeOffset.UtcNow.AddMinutes(5);
        http.Response.Cookies.Append(MediaCookie, header["Bearer ".Length..].Trim(), CookieOptions(http, expires));
        return TypedResults.NoContent();
    }

    private static CookieOptions CookieOptions(HttpContext http, DateTimeOffset? expires) => new()
    {
        Path = DownloadPath,
        HttpOnly = true,
        SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict,
        Secure = http.Request.IsHttps,
        Expires = expires,
        IsEssential = true,
    };

    private static void Require(ChannelAccess access, Permissions permission, string name)
    {
        if (!access.Permissions.HasFlag(Permissions.Administrator) && !access.Permissions.HasFlag(permission))
        {
            throw new DomainException(ErrorCodes.MissingPermission, $"Missing permission: {name}.");
        }
    }

    private static ApiException TooLarge(ApiSettings settings) =>
        new(ErrorCodes.FileTooLarge, $"file: Files are at most {settings.MaxFileSize} bytes.", StatusCodes.Status413PayloadTooLarge);

    private static DomainException NotFound() => new(ErrorCodes.AttachmentNotFound, "No such attachment.");
}
