namespace LesCopains.Grains.Dms;

/// <summary>
/// A user's devices and public keys. Devices (bounded) live in grain state; one-time prekeys in
/// <c>dm_prekeys</c>. Claims interleave: PostgreSQL, not the grain's turn, decides which claim gets
/// which key (<see cref="PreKeyStore.ClaimAsync"/>), so a key is handed out once even if two
/// activations of this grain briefly coexist after a silo failure.
/// </summary>
public sealed class KeyDirectoryGrain(
    [PersistentState("keys", StorageNames.Postgres)] IPersistentState<KeyDirectoryState> state,
    PreKeyStore preKeyStore,
    DmEnvelopeStore envelopes,
    ConversationStore conversations,
    TimeProvider time) : Grain, IKeyDirectoryGrain
{
    private Guid UserId => this.GetPrimaryKey();

    public async Task<DeviceInfo> RegisterDevice(DeviceRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var registrationId = DmRules.RegistrationId(registration.RegistrationId);
        var identityKey = DmRules.CurveKey(registration.IdentityKey, "identityKey");
        var signed = DmRules.SignedPreKey(registration.SignedPreKey, "signedPreKey");
        var kyber = registration.KyberLastResortPreKey is { } k ? DmRules.KyberPreKey(k, "kyberLastResortPreKey") : null;
        var name = DmRules.Name(registration.Name, "name");
        await GrainFactory.GetGrain<Users.IUserGrain>(UserId).GetProfile();
        if (state.State.Devices.Count >= DmRules.MaxDevices)
        {
            throw new DomainException(ErrorCodes.LimitReached, $"At most {DmRules.MaxDevices} devices; remove one first.");
        }

        var now = time.GetUtcNow();
        var device = new DeviceState
        {
            DeviceId = ++state.State.LastDeviceId,
            RegistrationId = registrationId,
            IdentityKey = identityKey,
            Name = name,
            SignedPreKey = signed,
            KyberLastResortPreKey = kyber,
            CreatedAt = now,
            SignedPreKeyUpdatedAt = now,
        };
        state.State.Devices.Add(device);
        await state.WriteStateAsync();
        await AnnounceAsync();
        return device.Info();
    }

    public async Task RemoveDevice(int deviceId)
    {
        var device = Find(deviceId);
        state.State.Devices.Remove(device);
        await state.WriteStateAsync();
        await preKeyStore.DeleteDeviceAsync(UserId, deviceId);
        await envelopes.DeleteDeviceAsync(UserId, deviceId);
        await AnnounceAsync();
    }

    public Task<IReadOnlyList<DeviceInfo>> GetDevices() =>
        Task.FromResult<IReadOnlyList<DeviceInfo>>(state.State.Devices.Select(d => d.Info()).ToList());

    public async Task<IReadOnlyList<DeviceInfo>> GetDevicesFor(Guid requesterId)
    {
        await RequireContactAsync(requesterId);
        return await GetDevices();
    }

    public async Task<PreKeyCounts> UploadPreKeys(int deviceId, IReadOnlyList<PreKeyDto> preKeys, IReadOnlyList<KyberPreKeyDto> kyberPreKeys)
    {
        Find(deviceId);
        preKeys ??= [];
        kyberPreKeys ??= [];
        if (preKeys.Count > DmRules.MaxPreKeysPerUpload || kyberPreKeys.Count > DmRules.MaxPreKeysPerUpload)
        {
            throw DmRules.Invalid("preKeys", $"at most {DmRules.MaxPreKeysPerUpload} keys of each kind per upload.");
        }

        var curve = preKeys.Select((k, i) => (DmRules.KeyId(k.KeyId, $"preKeys[{i}].keyId"), DmRules.CurveKey(k.PublicKey, $"preKeys[{i}].publicKey"), (string?)null)).ToList();
        var kyber = kyberPreKeys.Select((k, i) => DmRules.KyberPreKey(k, $"kyberPreKeys[{i}]")).Select(k => (k.KeyId, k.PublicKey, (string?)k.Signature)).ToList();
        if (curve.DistinctBy(k => k.Item1).Count() != curve.Count || kyber.DistinctBy(k => k.KeyId).Count() != kyber.Count)
        {
            throw DmRules.Invalid("preKeys", "key ids must be distinct.");
        }

        if (await preKeyStore.AddAsync(UserId, deviceId, PreKeyStore.Curve, curve, DmRules.MaxPreKeysPerDevice) is null
            || await preKeyStore.AddAsync(UserId, deviceId, PreKeyStore.Kyber, kyber, DmRules.MaxPreKeysPerDevice) is null)
        {
            throw new DomainException(ErrorCodes.LimitReached, $"preKeys: a device holds at most {DmRules.MaxPreKeysPerDevice} unclaimed keys of each kind.");
        }

        return await GetPreKeyCounts(deviceId);
    }

    public async Task<PreKeyCounts> GetPreKeyCounts(int deviceId)
    {
        Find(deviceId);
        var (curve, kyber) = await preKeyStore.CountAsync(UserId, deviceId);
        return new PreKeyCounts(deviceId, curve, kyber, curve < DmRules.RefillBelow);
    }

    public async Task<DeviceInfo> RotateSignedPreKey(int deviceId, SignedPreKeyDto signedPreKey, KyberPreKeyDto? kyberLastResortPreKey)
    {
        var device = Find(deviceId);
        // Both keys are checked before either replaces anything: a bad request changes nothing.
        var signed = DmRules.SignedPreKey(signedPreKey, "signedPreKey");
        var kyber = kyberLastResortPreKey is null ? null : DmRules.KyberPreKey(kyberLastResortPreKey, "kyberLastResortPreKey");
        device.SignedPreKey = signed;
        device.KyberLastResortPreKey = kyber ?? device.KyberLastResortPreKey;
        device.SignedPreKeyUpdatedAt = time.GetUtcNow();
        await state.WriteStateAsync();
        return device.Info();
    }

    public async Task<UserBundles> ClaimBundles(Guid requesterId, int? deviceId)
    {
        await RequireContactAsync(requesterId);
        var devices = deviceId is { } id ? [Find(id)] : state.State.Devices.ToList();
        var bundles = new List<PreKeyBundle>(devices.Count);
        foreach (var device in devices)
        {
            var curve = await preKeyStore.ClaimAsync(UserId, device.DeviceId, PreKeyStore.Curve);
            var kyber = await preKeyStore.ClaimAsync(UserId, device.DeviceId, PreKeyStore.Kyber);
            bundles.Add(new PreKeyBundle(
                device.DeviceId,
                device.RegistrationId,
                device.IdentityKey,
                device.SignedPreKey,
                curve is null ? null : new PreKeyDto(curve.KeyId, curve.PublicKey),
                kyber is null ? device.KyberLastResortPreKey : new KyberPreKeyDto(kyber.KeyId, kyber.PublicKey, kyber.Signature!)));
        }

        return new UserBundles(UserId, bundles);
    }

    /// <summary>Key material is public to the owner and to contacts (a shared conversation or guild).</summary>
    private async Task RequireContactAsync(Guid requesterId)
    {
        if (requesterId != UserId && !await conversations.AreContactsAsync(requesterId, UserId))
        {
            throw new DomainException(ErrorCodes.UserNotFound, "No such user among your contacts.");
        }
    }

    private DeviceState Find(int deviceId) =>
        state.State.Devices.FirstOrDefault(d => d.DeviceId == deviceId)
        ?? throw new DomainException(ErrorCodes.DeviceNotFound, "No such device.");

    /// <summary>Tells the user and everyone sharing a conversation with them, so their clients re-key.</summary>
    private async Task AnnounceAsync()
    {
        var peers = await conversations.PeersAsync(UserId);
        UserFeeds.Publish(GrainFactory, peers, "dm:devices", new { userId = UserId, devices = state.State.Devices.Select(d => d.Info()) });
    }
}

[GenerateSerializer, Alias("lc.KeyDirectoryState")]
public sealed class KeyDirectoryState
{
    [Id(0)]
    public int LastDeviceId { get; set; }

    [Id(1)]
    public List<DeviceState> Devices { get; set; } = [];
}

[GenerateSerializer, Alias("lc.DeviceState")]
public sealed class DeviceState
{
    [Id(0)]
    public int DeviceId { get; set; }

    [Id(1)]
    public int RegistrationId { get; set; }

    [Id(2)]
    public string IdentityKey { get; set; } = "";

    [Id(3)]
    public string? Name { get; set; }

    [Id(4)]
    public SignedPreKeyDto SignedPreKey { get; set; } = new(0, "", "");

    [Id(5)]
    public KyberPreKeyDto? KyberLastResortPreKey { get; set; }

    [Id(6)]
    public DateTimeOffset CreatedAt { get; set; }

    [Id(7)]
    public DateTimeOffset SignedPreKeyUpdatedAt { get; set; }

    public DeviceInfo Info() => new(DeviceId, RegistrationId, IdentityKey, Name, CreatedAt, SignedPreKeyUpdatedAt);
}
