using LesCopains.Api.Auth;
using LesCopains.Api.Infrastructure;
using LesCopains.Grains;
using LesCopains.Grains.Dms;
using LesCopains.Grains.Users;

namespace LesCopains.Api.Apis;

/// <summary>
/// End-to-end-encrypted direct messages (docs/API.md, "Direct messages"): devices and their public
/// keys, prekey bundles, conversations, opaque envelopes, blocks. The server never sees plaintext.
/// </summary>
public static class DmApi
{
    public sealed record RegisterDeviceRequest(
        int RegistrationId,
        string? IdentityKey,
        SignedPreKeyDto? SignedPreKey,
        KyberPreKeyDto? KyberLastResortPreKey,
        string? Name,
        IReadOnlyList<PreKeyDto>? PreKeys,
        IReadOnlyList<KyberPreKeyDto>? KyberPreKeys);

    public sealed record UploadPreKeysRequest(IReadOnlyList<PreKeyDto>? PreKeys, IReadOnlyList<KyberPreKeyDto>? KyberPreKeys);

    public sealed record RotateRequest(SignedPreKeyDto? SignedPreKey, KyberPreKeyDto? KyberLastResortPreKey);

    public sealed record AckRequest(IReadOnlyList<Guid>? Ids);

    public sealed record CreateConversationRequest(Guid? UserId, string? Username, IReadOnlyList<Guid>? UserIds, string? Name);

    public sealed record RenameRequest(string? Name);

    public sealed record AddMembersRequest(IReadOnlyList<Guid>? UserIds);

    public sealed record EnvelopeRequest(Guid UserId, int DeviceId, int Type, string? Body, int? RegistrationId);

    public sealed record SendRequest(int SenderDeviceId, string? ClientMessageId, IReadOnlyList<EnvelopeRequest>? Envelopes);

    public sealed record DeviceMismatchError(string Code, string Message, IReadOnlyList<DeviceAddress> Missing, IReadOnlyList<DeviceAddress> Extra, IReadOnlyList<DeviceAddress> Stale);

    public static IEndpointRouteBuilder MapDmApi(this IEndpointRouteBuilder routes)
    {
        var dm = routes.MapGroup("/api/dm").WithTags("Direct messages").RequireAuthorization().AddEndpointFilter<UserRateLimitFilter>();

        // This user's devices and their keys.
        dm.MapGet("/devices", async (HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(new { devices = await Keys(cluster, http).GetDevices() }));
        dm.MapPost("/devices", RegisterDevice);
        dm.MapDelete("/devices/{deviceId:int}", async (int deviceId, HttpContext http, IClusterClient cluster) =>
        {
            await Keys(cluster, http).RemoveDevice(deviceId);
            return TypedResults.NoContent();
        });
        dm.MapPut("/devices/{deviceId:int}/signed-prekey", async (int deviceId, RotateRequest body, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await Keys(cluster, http).RotateSignedPreKey(deviceId, body.SignedPreKey!, body.KyberLastResortPreKey)));
        dm.MapPost("/devices/{deviceId:int}/prekeys", async (int deviceId, UploadPreKeysRequest body, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await Keys(cluster, http).UploadPreKeys(deviceId, body.PreKeys ?? [], body.KyberPreKeys ?? [])));
        dm.MapGet("/devices/{deviceId:int}/prekeys", async (int deviceId, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await Keys(cluster, http).GetPreKeyCounts(deviceId)));
        dm.MapGet("/devices/{deviceId:int}/envelopes", async (int deviceId, Guid? after, int? limit, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(new { envelopes = await cluster.GetGrain<IDmUserGrain>(http.User.UserId()).GetPending(deviceId, after, limit ?? 100) }));
        dm.MapPost("/devices/{deviceId:int}/envelopes/ack", async (int deviceId, AckRequest body, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(new { acknowledged = await cluster.GetGrain<IDmUserGrain>(http.User.UserId()).Acknowledge(deviceId, body.Ids ?? []) }));

        // Other users' public key material (contacts only).
        dm.MapGet("/users/{userId:guid}/devices", async (Guid userId, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(new { userId, devices = await cluster.GetGrain<IKeyDirectoryGrain>(userId).GetDevicesFor(http.User.UserId()) }));
        dm.MapGet("/users/{userId:guid}/bundles", async (Guid userId, int? deviceId, HttpContext http, IClusterClient cluster, RateLimiter limiter, DmSettings settings) =>
        {
            var requester = http.User.UserId();
            await limiter.EnforceAsync("prekeys:" + requester.ToString("N"), settings.BundleFetches, settings.BundleWindow);
            return TypedResults.Ok(await cluster.GetGrain<IKeyDirectoryGrain>(userId).ClaimBundles(requester, deviceId));
        });

        // Conversations.
        dm.MapGet("/conversations", async (HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(new { conversations = await cluster.GetGrain<IDmUserGrain>(http.User.UserId()).ListConversations() }));
        dm.MapPost("/conversations", CreateConversation);
        dm.MapGet("/conversations/{conversationId:guid}", async (Guid conversationId, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await Conversation(cluster, conversationId).Get(http.User.UserId())));
        dm.MapPatch("/conversations/{conversationId:guid}", async (Guid conversationId, RenameRequest body, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await Conversation(cluster, conversationId).Rename(http.User.UserId(), body.Name)));
        dm.MapPost("/conversations/{conversationId:guid}/members", async (Guid conversationId, AddMembersRequest body, HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(await Conversation(cluster, conversationId).AddMembers(http.User.UserId(), body.UserIds ?? [])));
        dm.MapDelete("/conversations/{conversationId:guid}/members/@me", async (Guid conversationId, HttpContext http, IClusterClient cluster) =>
        {
            await Conversation(cluster, conversationId).Leave(http.User.UserId());
            return TypedResults.NoContent();
        });
        dm.MapPost("/conversations/{conversationId:guid}/messages", Send);
        dm.MapGet("/conversations/{conversationId:guid}/messages", async (Guid conversationId, int? deviceId, Guid? before, int? limit, HttpContext http, IClusterClient cluster) =>
        {
            var device = deviceId ?? throw new DomainException(ErrorCodes.ValidationFailed, "deviceId: is required.");
            return TypedResults.Ok(new { envelopes = await Conversation(cluster, conversationId).GetHistory(http.User.UserId(), device, before, limit ?? 50) });
        });

        // Blocks.
        dm.MapGet("/blocks", async (HttpContext http, IClusterClient cluster) =>
            TypedResults.Ok(new { users = await cluster.GetGrain<IDmUserGrain>(http.User.UserId()).ListBlocks() }));
        dm.MapPut("/blocks/{userId:guid}", async (Guid userId, HttpContext http, IClusterClient cluster) =>
        {
            await cluster.GetGrain<IDmUserGrain>(http.User.UserId()).Block(userId);
            return TypedResults.NoContent();
        });
        dm.MapDelete("/blocks/{userId:guid}", async (Guid userId, HttpContext http, IClusterClient cluster) =>
        {
            await cluster.GetGrain<IDmUserGrain>(http.User.UserId()).Unblock(userId);
            return TypedResults.NoContent();
        });
        return routes;
    }

    private static async Task<IResult> RegisterDevice(RegisterDeviceRequest body, HttpContext http, IClusterClient cluster)
    {
        var keys = Keys(cluster, http);
        var device = await keys.RegisterDevice(new DeviceRegistration(
            body.RegistrationId, body.IdentityKey ?? "", body.SignedPreKey!, body.KyberLastResortPreKey, body.Name));
        PreKeyCounts counts;
        try
        {
            counts = await keys.UploadPreKeys(device.DeviceId, body.PreKeys ?? [], body.KyberPreKeys ?? []);
        }
        catch (DomainException)
        {
            // Bad prekeys leave no half-registered device behind.
            await keys.RemoveDevice(device.DeviceId);
            throw;
        }

        return TypedResults.Created($"/api/dm/devices/{device.DeviceId}", new { device, preKeys = counts });
    }

    private static async Task<IResult> CreateConversation(CreateConversationRequest body, HttpContext http, IClusterClient cluster)
    {
        var me = http.User.UserId();
        if (body.UserIds is { } userIds)
        {
            var id = Guid.CreateVersion7();
            var group = await Conversation(cluster, id).CreateGroup(me, userIds, body.Name);
            return TypedResults.Created($"/api/dm/conversations/{id}", group);
        }

        var other = body.UserId
            ?? (body.Username is { } username
                ? await cluster.GetGrain<IUsernameGrain>(IUsernameGrain.KeyFor(AccountRules.NormalizeUsername(username))).GetOwner()
                    ?? throw new DomainException(ErrorCodes.UserNotFound, "No such user.")
                : throw new DomainException(ErrorCodes.ValidationFailed, "userId: give userId or username for a direct conversation, or userIds for a group."));
        return TypedResults.Ok(await Conversation(cluster, IConversationGrain.DirectId(me, other)).OpenDirect(me, other));
    }

    private static async Task<IResult> Send(Guid conversationId, SendRequest body, HttpContext http, IClusterClient cluster)
    {
        var envelopes = (body.Envelopes ?? []).Select(e => new EnvelopeInput(e.UserId, e.DeviceId, e.Type, e.Body ?? "", e.RegistrationId)).ToList();
        var outcome = await Conversation(cluster, conversationId).Send(http.User.UserId(), new SendEnvelopes(body.SenderDeviceId, body.ClientMessageId ?? "", envelopes));
        if (outcome.Mismatch is { } mismatch)
        {
            return TypedResults.Json(
                new { error = new DeviceMismatchError(ErrorCodes.DevicesChanged, "The recipients' devices changed: encrypt for the current list and send again.", mismatch.Missing, mismatch.Extra, mismatch.Stale) },
                statusCode: StatusCodes.Status409Conflict);
        }

        return TypedResults.Created($"/api/dm/conversations/{conversationId}/messages/{outcome.MessageId}", new { messageId = outcome.MessageId, createdAt = outcome.CreatedAt });
    }

    private static IKeyDirectoryGrain Keys(IClusterClient cluster, HttpContext http) => cluster.GetGrain<IKeyDirectoryGrain>(http.User.UserId());

    private static IConversationGrain Conversation(IClusterClient cluster, Guid id) => cluster.GetGrain<IConversationGrain>(id);
}
