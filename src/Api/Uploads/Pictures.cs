using LesCopains.Api.Infrastructure;
using LesCopains.Grains;
using LesCopains.Api.Apis;
using Microsoft.Net.Http.Headers;

namespace LesCopains.Api.Uploads;

/// <summary>
/// Pictures that name something (profile pictures, guild icons, guild emoji): a PNG, JPEG, GIF or
/// WebP image of at most <see cref="MaxBytes"/> (or less), sniffed, kept in the attachments' blob store under its SHA-256,
/// and served only while something still uses it.
/// </summary>
public static class Pictures
{
    public const long MaxBytes = 1024 * 1024;

    private static readonly string[] Types = ["image/png", "image/jpeg", "image/gif", "image/webp"];

    /// <summary>
    /// Reads the upload's <c>file</c> part into the blob store and hands its hash and type to
    /// <paramref name="record"/>, which makes it the picture and returns the one it replaced. The
    /// replaced bytes are forgotten when nothing uses them; when <paramref name="record"/> fails, so
    /// are the new ones (nothing half-written). Returns the new hash and whether it changed anything.
    /// </summary>
    public static async Task<(string Sha256, bool Changed)> StoreAsync(
        HttpContext http, IBlobStore blobs, AttachmentRepository attachments, string what,
        Func<string, string, Task<string?>> record, CancellationToken cancellationToken, long maxBytes = MaxBytes)
    {
        var (blob, _) = await MultipartFile.ReadAsync(http, blobs, maxBytes, () => TooLarge(what, maxBytes), cancellationToken);
        string? replaced;
        try
        {
            var sniffed = await MultipartFile.SniffAsync(blobs, blob.Sha256, cancellationToken);
            if (!Types.Contains(sniffed.ContentType))
            {
                throw new DomainException(ErrorCodes.ValidationFailed, $"file: {what} is a PNG, JPEG, GIF or WebP image.");
            }

            replaced = await record(blob.Sha256, sniffed.ContentType);
        }
        catch when (blob.Created)
        {
            await ForgetAsync(blob.Sha256, attachments, blobs);
            throw;
        }

        if (replaced == blob.Sha256)
        {
            return (blob.Sha256, false);
        }

        await ForgetAsync(replaced, attachments, blobs);
        return (blob.Sha256, true);
    }

    /// <summary>Deletes a picture's bytes when nothing (an account, a guild, an attachment) refers to them any more.</summary>
    public static async Task ForgetAsync(string? sha256, AttachmentRepository attachments, IBlobStore blobs)
    {
        if (sha256 is not null && !await attachments.IsReferencedAsync(sha256, CancellationToken.None))
        {
            blobs.Delete(sha256);
        }
    }

    /// <summary>
    /// The picture's bytes with <paramref name="contentType"/> (what the caller found uses them now;
    /// null: nothing does, <c>attachment_not_found</c>), cached for good: the address changes with
    /// the picture.
    /// </summary>
    private static IResult Serve(string sha256, string? contentType, HttpContext http, IBlobStore blobs)
    {
        if (contentType is null || blobs.OpenRead(sha256) is not { } content)
        {
            throw new DomainException(ErrorCodes.AttachmentNotFound, "No such picture.");
        }

        var headers = http.Response.Headers;
        headers.ContentDisposition = "inline";
        headers.ContentSecurityPolicy = AttachmentsApi.DownloadPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers.CacheControl = "private, max-age=31536000, immutable";
        return TypedResults.Stream(content, contentType, entityTag: new EntityTagHeaderValue($"\"{sha256}\""));
    }

    /// <summary>
    /// <c>GET</c>/<c>HEAD</c> <paramref name="path"/><c>/{sha256}</c> for signed-in people (header or the
    /// media cookie): the picture when <paramref name="typeOf"/> finds something that uses it now. Not
    /// rate limited per request: a page shows many, and answers are cached for good.
    /// </summary>
    public static RouteHandlerBuilder MapPictures<TRepository>(
        this IEndpointRouteBuilder routes, string path, Func<TRepository, string, CancellationToken, Task<string?>> typeOf)
        where TRepository : notnull =>
        routes.MapMethods(path + "/{sha256:regex(^[0-9a-f]{{64}}$)}", [HttpMethods.Get, HttpMethods.Head],
                async (string sha256, HttpContext http, IBlobStore blobs, CancellationToken ct) =>
                    Serve(sha256, await typeOf(http.RequestServices.GetRequiredService<TRepository>(), sha256, ct), http, blobs))
            .RequireAuthorization();

    private static ApiException TooLarge(string what, long maxBytes) =>
        new(ErrorCodes.FileTooLarge, $"file: {Capitalized(what)} is at most {maxBytes} bytes.", StatusCodes.Status413PayloadTooLarge);

    private static string Capitalized(string what) => string.Concat(what[..1].ToUpperInvariant(), what[1..]);
}
