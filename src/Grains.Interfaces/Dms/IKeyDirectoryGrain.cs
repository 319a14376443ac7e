using Orleans.Concurrency;

namespace LesCopains.Grains.Dms;

/// <summary>
/// One user's Signal devices and their public key material (architecture §4, "Direct messages"):
/// identity key, signed prekey, optional Kyber last-resort prekey, and the pools of one-time prekeys.
/// Holds public keys only. One-time prekeys live in <c>dm_prekeys</c> and are claimed there, atomically.
/// </summary>
[Alias("lc.IKeyDirectoryGrain")]
public interface IKeyDirectoryGrain : IGrainWithGuidKey
{
    /// <summary>Adds a device with a new id (never reused); <c>limit_reached</c> beyond <see cref="DmRules.MaxDevices"/>.</summary>
    [Alias("RegisterDevice")]
    Task<DeviceInfo> RegisterDevice(DeviceRegistration registration);

    /// <summary>Removes a device and its unclaimed prekeys; <c>device_not_found</c> if it is not one of the user's.</summary>
    [Alias("RemoveDevice")]
    Task RemoveDevice(int deviceId);

    [Alias("GetDevices")]
    [AlwaysInterleave]
    Task<IReadOnlyList<DeviceInfo>> GetDevices();

    /// <summary>The device list as <paramref name="requesterId"/> may see it: <c>user_not_found</c> unless the owner or a contact.</summary>
    [Alias("GetDevicesFor")]
    [AlwaysInterleave]
    Task<IReadOnlyList<DeviceInfo>> GetDevicesFor(Guid requesterId);

    /// <summary>Adds one-time prekeys (EC and/or Kyber), at most <see cref="DmRules.MaxPreKeysPerUpload"/> of each per call.</summary>
    [Alias("UploadPreKeys")]
    Task<PreKeyCounts> UploadPreKeys(int deviceId, IReadOnlyList<PreKeyDto> preKeys, IReadOnlyList<KyberPreKeyDto> kyberPreKeys);

    [Alias("GetPreKeyCounts")]
    [AlwaysInterleave]
    Task<PreKeyCounts> GetPreKeyCounts(int deviceId);

    /// <summary>Replaces the signed prekey (and, when given, the Kyber last-resort prekey) of a device.</summary>
    [Alias("RotateSignedPreKey")]
    Task<DeviceInfo> RotateSignedPreKey(int deviceId, SignedPreKeyDto signedPreKey, KyberPreKeyDto? kyberLastResortPreKey);

    /// <summary>
    /// One bundle per device (or only <paramref name="deviceId"/>), each with at most one one-time prekey that
    /// nobody else will ever receive. <c>user_not_found</c> unless the requester is the owner or a contact.
    /// </summary>
    [Alias("ClaimBundles")]
    [AlwaysInterleave]
    Task<UserBundles> ClaimBundles(Guid requesterId, int? deviceId);
}

[GenerateSerializer, Immutable, Alias("lc.SignedPreKeyDto")]
public sealed record SignedPreKeyDto(
    [property: Id(0)] int KeyId,
    [property: Id(1)] string PublicKey,
    [property: Id(2)] string Signature);

[GenerateSerializer, Immutable, Alias("lc.PreKeyDto")]
public sealed record PreKeyDto(
    [property: Id(0)] int KeyId,
    [property: Id(1)] string PublicKey);

/// <summary>A Kyber (ML-KEM) prekey for PQXDH: opaque public material signed by the identity key.</summary>
[GenerateSerializer, Immutable, Alias("lc.KyberPreKeyDto")]
public sealed record KyberPreKeyDto(
    [property: Id(0)] int KeyId,
    [property: Id(1)] string PublicKey,
    [property: Id(2)] string Signature);

[GenerateSerializer, Immutable, Alias("lc.DeviceRegistration")]
public sealed record DeviceRegistration(
    [property: Id(0)] int RegistrationId,
    [property: Id(1)] string IdentityKey,
    [property: Id(2)] SignedPreKeyDto SignedPreKey,
    [property: Id(3)] KyberPreKeyDto? KyberLastResortPreKey,
    [property: Id(4)] string? Name);

[GenerateSerializer, Immutable, Alias("lc.DeviceInfo")]
public sealed record DeviceInfo(
    [property: Id(0)] int DeviceId,
    [property: Id(1)] int RegistrationId,
    [property: Id(2)] string IdentityKey,
    [property: Id(3)] string? Name,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset SignedPreKeyUpdatedAt);

[GenerateSerializer, Immutable, Alias("lc.PreKeyBundle")]
public sealed record PreKeyBundle(
    [property: Id(0)] int DeviceId,
    [property: Id(1)] int RegistrationId,
    [property: Id(2)] string IdentityKey,
    [property: Id(3)] SignedPreKeyDto SignedPreKey,
    [property: Id(4)] PreKeyDto? PreKey,
    [property: Id(5)] KyberPreKeyDto? KyberPreKey);

[GenerateSerializer, Immutable, Alias("lc.UserBundles")]
public sealed record UserBundles(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] IReadOnlyList<PreKeyBundle> Devices);

/// <summary>Unclaimed one-time prekeys of a device; <see cref="Refill"/> below <see cref="DmRules.RefillBelow"/>.</summary>
[GenerateSerializer, Immutable, Alias("lc.PreKeyCounts")]
public sealed record PreKeyCounts(
    [property: Id(0)] int DeviceId,
    [property: Id(1)] int PreKeys,
    [property: Id(2)] int KyberPreKeys,
    [property: Id(3)] bool Refill);
