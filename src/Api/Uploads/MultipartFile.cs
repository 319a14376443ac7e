using LesCopains.Grains;
using LesCopains.Api.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace LesCopains.Api.Uploads;

/// <summary>
/// The one <c>file</c> part of a <c>multipart/form-data</c> upload, streamed into the blob store
/// under a size limit (channel attachments, avatars): nothing larger is kept.
/// </summary>
public static class MultipartFile
{
    /// <summary>Room for the multipart boundary and part headers around the file.</summary>
    private const long Overhead = 64 * 1024;

    /// <summary>
    /// The stored blob and its sanitized file name. <c>unsupported_media_type</c> (415) for another
    /// body, <paramref name="tooLarge"/> past <paramref name="maxBytes"/>, <c>validation_failed</c>
    /// without a <c>file</c> part.
    /// </summary>
    public static async Task<(StoredBlob Blob, string Filename)> ReadAsync(
        HttpContext http, IBlobStore blobs, long maxBytes, Func<Exception> tooLarge, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
        {
            throw new ApiException("unsupported_media_type", "Upload as multipart/form-data with one 'file' part.", StatusCodes.Status415UnsupportedMediaType);
        }

        if (http.Request.ContentLength > maxBytes + Overhead)
        {
            throw tooLarge();
        }

        var reader = new MultipartReader(boundary, http.Request.Body) { BodyLengthLimit = null };
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.IsFileDisposition()
                || !string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, "file", StringComparison.Ordinal))
            {
                continue; // other fields are ignored (and drained)
            }

            var filename = FileNames.Sanitize(HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value);
            try
            {
                return (await blobs.PutAsync(section.Body, maxBytes, cancellationToken), filename);
            }
            catch (BlobTooLargeException)
            {
                throw tooLarge();
            }
        }

        throw new DomainException(ErrorCodes.ValidationFailed, "file: a multipart part named 'file' with a filename is required.");
    }

    /// <summary>What the start of a stored blob says it is.</summary>
    public static async Task<SniffedType> SniffAsync(IBlobStore blobs, string sha256, CancellationToken cancellationToken)
    {
        await using var stream = blobs.OpenRead(sha256) ?? throw new DomainException(ErrorCodes.Internal, "The upload vanished; retry.");
        var head = new byte[(int)Math.Min(ContentSniffer.HeadLength, stream.Length)];
        await stream.ReadExactlyAsync(head, cancellationToken);
        return ContentSniffer.Sniff(head);
    }
}
