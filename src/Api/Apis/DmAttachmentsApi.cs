using LesCopains.Api.Auth;
using LesCopains.Api.Infrastructure;
using LesCopains.Api.Uploads;
using LesCopains.Grains;
using LesCopains.Grains.Dms;
using Microsoft.Net.Http.Headers;

namespace LesCopains.Api.Apis;

/// <summary>
/// Encrypted direct-message attachments (docs/API.md, "Direct messages", and docs/e2ee.md): the
/// request body is the ciphertext, streamed into the blob store under the size limit; only the
/// conversation's current members may download it. The bytes are opaque to the server, so nothing
/// is sniffed: they are served as <c>application/octet-stream</c>, as a download.
/// </summary>
public static class DmAttachmentsApi
{
    public const string DownloadPath = "/api/dm/attachments";

    public sealed record DmAttachmentDto(Guid Id, Guid ConversationId, long Size, DateTimeOffset CreatedAt)
    {
        public string Url => $"{DownloadPath}/{Id}";
    }

    public static IEndpointRouteBuilder MapDmAttachmentsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/dm/conversations/{conversationId:guid}/attachments", UploadAsync)
            .WithTags("Direct messages").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        routes.MapGet(DownloadPath + "/{id:guid}", DownloadAsync)
            .WithTags("Direct messages").RequireAuthorization();
        routes.MapDelete(DownloadPath + "/{id:guid}", DeleteAsync)
            .WithTags("Direct messages").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        return routes;
    }

    private static async Task<IResult> UploadAsync(
        Guid conversationId,
        HttpContext http,
        IClusterClient cluster,
        IBlobStore blobs,
        DmAttachmentRepository attachments,
        ApiSettings settings,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var userId = http.User.UserId();

        // Refuse before reading a byte of the body: members only, and no announced oversize body.
        await cluster.GetGrain<IConversationGrain>(conversationId).Get(userId);
        if (http.Request.ContentLength > settings.MaxFileSize)
        {
            throw TooLarge(settings);
        }

        StoredBlob blob;
        try
        {
            blob = await blobs.PutAsync(http.Request.Body, settings.MaxFileSize, cancellationToken);
        }
        catch (BlobTooLargeException)
        {
            throw TooLarge(settings);
        }

        if (blob.Size == 0)
        {
            if (blob.Created)
            {
                blobs.Delete(blob.Sha256);
            }

            throw new DomainException(ErrorCodes.ValidationFailed, "body: the encrypted file is empty.");
        }

        try
        {
            var row = new DmAttachmentRepository.DmAttachment(Guid.CreateVersion7(), conversationId, userId, blob.Sha256, blob.Size, time.GetUtcNow());
            await attachments.InsertAsync(row, cancellationToken);
            var dto = new DmAttachmentDto(row.Id, row.ConversationId, row.Size, row.CreatedAt);
            return TypedResults.Created(dto.Url, dto);
        }
        catch when (blob.Created)
        {
            // Nothing half-written: bytes this request added and nobody refers to go again.
            if (!await http.RequestServices.GetRequiredService<AttachmentRepository>().IsReferencedAsync(blob.Sha256, CancellationToken.None))
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
        DmAttachmentRepository attachments,
        CancellationToken cancellationToken)
    {
        var attachment = await FindForMemberAsync(id, http, cluster, attachments, cancellationToken);
        var content = blobs.OpenRead(attachment.Sha256) ?? throw NotFound();

        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName($"{attachment.Id:N}.bin");
        var headers = http.Response.Headers;
        headers.ContentDisposition = disposition.ToString();
        headers.ContentSecurityPolicy = AttachmentsApi.DownloadPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers.CacheControl = "private, max-age=604800, immutable";
        return TypedResults.Stream(content, "application/octet-stream", lastModified: attachment.CreatedAt,
            entityTag: new EntityTagHeaderValue($"\"{attachment.Sha256}\""));
    }

    /// <summary>The uploader removes their file (for example with the message that carried it).</summary>
    private static async Task<IResult> DeleteAsync(
        Guid id,
        HttpContext http,
        IClusterClient cluster,
        IBlobStore blobs,
        DmAttachmentRepository attachments,
        AttachmentRepository channelAttachments,
        CancellationToken cancellationToken)
    {
        var attachment = await FindForMemberAsync(id, http, cluster, attachments, cancellationToken);
        if (attachment.UploaderId != http.User.UserId())
        {
            throw new DomainException(ErrorCodes.MissingPermission, "Only the uploader can delete this file.");
        }

        if (await attachments.DeleteAsync(id, cancellationToken) && !await channelAttachments.IsReferencedAsync(attachment.Sha256, CancellationToken.None))
        {
            blobs.Delete(attachment.Sha256);
        }

        return TypedResults.NoContent();
    }

    /// <summary>The attachment, if the caller is a member of its conversation now; else "not found".</summary>
    private static async Task<DmAttachmentRepository.DmAttachment> FindForMemberAsync(
        Guid id, HttpContext http, IClusterClient cluster, DmAttachmentRepository attachments, CancellationToken cancellationToken)
    {
        var attachment = await attachments.FindAsync(id, cancellationToken) ?? throw NotFound();
        try
        {
            await cluster.GetGrain<IConversationGrain>(attachment.ConversationId).Get(http.User.UserId());
        }
        catch (DomainException ex) when (ex.Code == ErrorCodes.ConversationNotFound)
        {
            throw NotFound();
        }

        return attachment;
    }

    private static ApiException TooLarge(ApiSettings settings) =>
        new(ErrorCodes.FileTooLarge, $"body: Files are at most {settings.MaxFileSize} bytes (encrypted).", StatusCodes.Status413PayloadTooLarge);

    private static DomainException NotFound() => new(ErrorCodes.AttachmentNotFound, "No such attachment.");
}
