namespace LesCopains.Grains.Dms;

/// <summary>A user's DM lists and device mailboxes, read from the DM tables.</summary>
public sealed class DmUserGrain(ConversationStore conversations, DmEnvelopeStore envelopes, TimeProvider time) : Grain, IDmUserGrain
{
    public const int MaxAcknowledge = 500;

    private Guid UserId => this.GetPrimaryKey();

    public Task<IReadOnlyList<ConversationView>> ListConversations() => conversations.ListForUserAsync(UserId);

    public async Task Block(Guid userId)
    {
        if (userId == UserId)
        {
            throw DmRules.Invalid("userId", "you cannot block yourself.");
        }

        var profile = await GrainFactory.GetGrain<Users.IUserGrain>(userId).GetProfile();
        await conversations.BlockAsync(UserId, userId, time.GetUtcNow());
        // As on Discord, a block ends a friendship and any request between the two.
        await GrainFactory.GetGrain<Users.IFriendsGrain>(UserId).Remove(userId);
        UserFeeds.Publish(GrainFactory, [UserId], IDmUserGrain.BlocksUpdateEvent, new { user = new ConversationMember(userId, profile.Username, profile.DisplayName), blocked = true });
    }

    public async Task Unblock(Guid userId)
    {
        await conversations.UnblockAsync(UserId, userId);
        UserFeeds.Publish(GrainFactory, [UserId], IDmUserGrain.BlocksUpdateEvent, new { user = new { id = userId }, blocked = false });
    }

    public Task<IReadOnlyList<ConversationMember>> ListBlocks() => conversations.ListBlocksAsync(UserId);

    public async Task<IReadOnlyList<EnvelopeDto>> GetPending(int deviceId, Guid? after, int limit)
    {
        await RequireDeviceAsync(deviceId);
        return await envelopes.PendingAsync(UserId, deviceId, after, Math.Clamp(limit, 1, 500));
    }

    public async Task<int> Acknowledge(int deviceId, IReadOnlyList<Guid> envelopeIds)
    {
        if (envelopeIds is null || envelopeIds.Count == 0 || envelopeIds.Count > MaxAcknowledge)
        {
            throw DmRules.Invalid("ids", $"1–{MaxAcknowledge} envelope ids.");
        }

        await RequireDeviceAsync(deviceId);
        return await envelopes.MarkDeliveredAsync(UserId, deviceId, envelopeIds, time.GetUtcNow());
    }

    private async Task RequireDeviceAsync(int deviceId)
    {
        var devices = await GrainFactory.GetGrain<IKeyDirectoryGrain>(UserId).GetDevices();
        if (devices.All(d => d.DeviceId != deviceId))
        {
            throw new DomainException(ErrorCodes.DeviceNotFound, "No such device.");
        }
    }
}
