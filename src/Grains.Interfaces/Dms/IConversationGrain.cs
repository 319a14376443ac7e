using Orleans.Concurrency;

namespace LesCopains.Grains.Dms;

/// <summary>
/// A direct conversation (1:1 or group): its members, and the relay of end-to-end-encrypted envelopes.
/// The grain checks each envelope set against the members' current device lists, stores every envelope
/// as opaque base64 in <c>dm_messages.content</c> (committed before the acknowledgement), and pushes
/// each one to its recipient device only.
/// </summary>
[Alias("lc.IConversationGrain")]
public interface IConversationGrain : IGrainWithGuidKey
{
    /// <summary>The id of the one 1:1 conversation of two users (the same whichever asks).</summary>
    static Guid DirectId(Guid a, Guid b)
    {
        var (low, high) = a.CompareTo(b) <= 0 ? (a, b) : (b, a);
        Span<byte> input = stackalloc byte[35];
        "dm:"u8.CopyTo(input);
        low.TryWriteBytes(input[3..], bigEndian: true, out _);
        high.TryWriteBytes(input[19..], bigEndian: true, out _);
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(input, hash);
        // An RFC 9562 version 8 (custom) UUID.
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    /// <summary>Opens (idempotently) the 1:1 conversation of <paramref name="actorId"/> and <paramref name="otherId"/>; the grain key must be <see cref="DirectId"/>.</summary>
    [Alias("OpenDirect")]
    Task<ConversationView> OpenDirect(Guid actorId, Guid otherId);

    [Alias("CreateGroup")]
    Task<ConversationView> CreateGroup(Guid actorId, IReadOnlyList<Guid> memberIds, string? name);

    /// <summary>The conversation; <c>conversation_not_found</c> for non-members.</summary>
    [Alias("Get")]
    Task<ConversationView> Get(Guid actorId);

    [Alias("AddMembers")]
    Task<ConversationView> AddMembers(Guid actorId, IReadOnlyList<Guid> userIds);

    [Alias("Rename")]
    Task<ConversationView> Rename(Guid actorId, string? name);

    [Alias("Leave")]
    Task Leave(Guid actorId);

    /// <summary>Stores and relays an envelope set, or reports the device-list mismatch and stores nothing.</summary>
    [Alias("Send")]
    Task<SendOutcome> Send(Guid actorId, SendEnvelopes command);

    /// <summary>Envelopes addressed to one of the caller's devices in this conversation, newest first.</summary>
    [Alias("GetHistory")]
    Task<IReadOnlyList<EnvelopeDto>> GetHistory(Guid actorId, int deviceId, Guid? before, int limit);

    /// <summary>Tells the other members that <paramref name="actorId"/> is typing (not stored).</summary>
    [Alias("Typing")]
    [AlwaysInterleave]
    Task Typing(Guid actorId);
}

public enum ConversationKind
{
    Direct = 1,
    Group = 2,
}

[GenerateSerializer, Immutable, Alias("lc.ConversationMember")]
public sealed record ConversationMember(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Username,
    [property: Id(2)] string DisplayName);

[GenerateSerializer, Immutable, Alias("lc.ConversationView")]
public sealed record ConversationView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] ConversationKind Kind,
    [property: Id(2)] string? Name,
    [property: Id(3)] Guid OwnerId,
    [property: Id(4)] IReadOnlyList<ConversationMember> Members,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset? LastMessageAt);

[GenerateSerializer, Immutable, Alias("lc.EnvelopeInput")]
public sealed record EnvelopeInput(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] int DeviceId,
    [property: Id(2)] int Type,
    [property: Id(3)] string Body,
    [property: Id(4)] int? RegistrationId);

[GenerateSerializer, Immutable, Alias("lc.SendEnvelopes")]
public sealed record SendEnvelopes(
    [property: Id(0)] int SenderDeviceId,
    [property: Id(1)] string ClientMessageId,
    [property: Id(2)] IReadOnlyList<EnvelopeInput> Envelopes);

[GenerateSerializer, Immutable, Alias("lc.DeviceAddress")]
public sealed record DeviceAddress(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] int DeviceId);

/// <summary>Why an envelope set was refused: devices without an envelope, envelopes for no device, or for a re-registered one.</summary>
[GenerateSerializer, Immutable, Alias("lc.DeviceMismatch")]
public sealed record DeviceMismatch(
    [property: Id(0)] IReadOnlyList<DeviceAddress> Missing,
    [property: Id(1)] IReadOnlyList<DeviceAddress> Extra,
    [property: Id(2)] IReadOnlyList<DeviceAddress> Stale);

/// <summary>Either the stored message (<see cref="MessageId"/>) or the mismatch that stored nothing.</summary>
[GenerateSerializer, Immutable, Alias("lc.SendOutcome")]
public sealed record SendOutcome(
    [property: Id(0)] Guid? MessageId,
    [property: Id(1)] DateTimeOffset? CreatedAt,
    [property: Id(2)] DeviceMismatch? Mismatch);

/// <summary>One stored envelope as its recipient device receives it.</summary>
[GenerateSerializer, Immutable, Alias("lc.EnvelopeDto")]
public sealed record EnvelopeDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid MessageId,
    [property: Id(2)] Guid ConversationId,
    [property: Id(3)] Guid SenderId,
    [property: Id(4)] int SenderDeviceId,
    [property: Id(5)] int DeviceId,
    [property: Id(6)] int Type,
    [property: Id(7)] string Body,
    [property: Id(8)] DateTimeOffset CreatedAt);
