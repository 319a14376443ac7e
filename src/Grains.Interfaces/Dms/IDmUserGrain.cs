namespace LesCopains.Grains.Dms;

/// <summary>One user's side of direct messages: their conversations, blocks, and per-device mailboxes.</summary>
[Alias("lc.IDmUserGrain")]
public interface IDmUserGrain : IGrainWithGuidKey
{
    /// <summary>To the blocker's own connections after <see cref="Block"/> or <see cref="Unblock"/>: <c>{ user, blocked }</c>.</summary>
    const string BlocksUpdateEvent = "blocks:update";

    [Alias("ListConversations")]
    Task<IReadOnlyList<ConversationView>> ListConversations();

    /// <summary>Blocks <paramref name="userId"/>: their envelopes to this user are dropped, and they cannot start conversations with them; the user's connections get <see cref="BlocksUpdateEvent"/>.</summary>
    [Alias("Block")]
    Task Block(Guid userId);

    [Alias("Unblock")]
    Task Unblock(Guid userId);

    [Alias("ListBlocks")]
    Task<IReadOnlyList<ConversationMember>> ListBlocks();

    /// <summary>Envelopes for one device not yet acknowledged, oldest first, after <paramref name="after"/>.</summary>
    [Alias("GetPending")]
    Task<IReadOnlyList<EnvelopeDto>> GetPending(int deviceId, Guid? after, int limit);

    /// <summary>Marks envelopes of one device as delivered; returns how many changed.</summary>
    [Alias("Acknowledge")]
    Task<int> Acknowledge(int deviceId, IReadOnlyList<Guid> envelopeIds);
}
