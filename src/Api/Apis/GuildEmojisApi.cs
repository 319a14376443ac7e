using LesCopains.Api.Auth;
using LesCopains.Api.Infrastructure;
using LesCopains.Api.Uploads;
using LesCopains.Grains.Guilds;

namespace LesCopains.Api.Apis;

/// <summary>
/// A guild's own emoji: add (<c>MANAGE_GUILD_EXPRESSIONS</c>; multipart, a PNG, JPEG, GIF or WebP image
/// of at most <see cref="MaxBytes"/>, its name in the query), rename, remove, and the pictures under the
/// attachments' path, so that <c>&lt;img&gt;</c> authenticates with the media cookie.
/// </summary>
public static class GuildEmojisApi
{
    public const long MaxBytes = 256 * 1024;
    public const string ImagePath = AttachmentsApi.DownloadPath + "/emojis";

    public sealed record RenameEmojiRequest(string? Name);

    public static IEndpointRouteBuilder MapGuildEmojisApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/guilds/{guildId:guid}/emojis").WithTags("Guilds").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();
        group.MapPost("", async (Guid guildId, string? name, HttpContext http, IBlobStore blobs, AttachmentRepository attachments, IClusterClient cluster, CancellationToken ct) =>
        {
            var guild = cluster.GetGrain<IGuildGrain>(guildId);
            var userId = http.User.UserId();
            // The name is checked before the upload is read: a bad one costs no bytes.
            GuildRules.EmojiName(name);
            EmojiDto? created = null;
            await Pictures.StoreAsync(http, blobs, attachments, "an emoji", async (sha, type) =>
            {
                created = await guild.CreateEmoji(userId, name!, sha, type);
                return null;
            }, ct, MaxBytes);
            return TypedResults.Created($"/api/guilds/{guildId}/emojis/{created!.Id}", created);
        });
        group.MapPatch("/{emojiId:guid}", (Guid guildId, Guid emojiId, RenameEmojiRequest body, HttpContext http, IClusterClient cluster) =>
            cluster.GetGrain<IGuildGrain>(guildId).RenameEmoji(http.User.UserId(), emojiId, body.Name ?? throw GuildRules.Invalid("name", "is required.")));
        group.MapDelete("/{emojiId:guid}", async (Guid guildId, Guid emojiId, HttpContext http, IBlobStore blobs, AttachmentRepository attachments, IClusterClient cluster) =>
        {
            var image = await cluster.GetGrain<IGuildGrain>(guildId).DeleteEmoji(http.User.UserId(), emojiId);
            await Pictures.ForgetAsync(image, attachments, blobs);
            return TypedResults.NoContent();
        });

        routes.MapPictures<GuildIconRepository>(ImagePath, (pictures, sha256, ct) => pictures.EmojiTypeOfAsync(sha256, ct)).WithTags("Guilds");
        return routes;
    }
}
