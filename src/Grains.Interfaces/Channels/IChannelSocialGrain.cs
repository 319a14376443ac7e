namespace LesCopains.Grains.Channels;

/// <summary>
/// Reactions, pins, typing and read markers of one text channel. Implemented by the same grain
/// class (and so the same activation) as <see cref="IChannelGrain"/>; a separate interface keeps
/// the message core small.
/// </summary>
[Alias("lc.IChannelSocialGrain")]
public interface IChannelSocialGrain : IGrainWithGuidKey
{
    /// <summary>Adds the actor's reaction; idempotent. Returns the emoji's count on the message.</summary>
    [Alias("AddReaction")]
    Task<ReactionDto> AddReaction(Guid actorId, Guid messageId, string emoji);

    /// <summary>Removes the actor's reaction; idempotent.</summary>
    [Alias("RemoveReaction")]
    Task<ReactionDto> RemoveReaction(Guid actorId, Guid messageId, string emoji);

    /// <summary>Pins a message (MANAGE_MESSAGES or PIN_MESSAGES); idempotent; at most <see cref="SocialRules.MaxPins"/>.</summary>
    [Alias("Pin")]
    Task Pin(Guid actorId, Guid messageId);

    [Alias("Unpin")]
    Task Unpin(Guid actorId, Guid messageId);

    /// <summary>Pinned messages, most recently pinned first.</summary>
    [Alias("GetPins")]
    Task<IReadOnlyList<PinDto>> GetPins(Guid actorId);

    /// <summary>Announces that the actor is typing; at most one event per user per <see cref="SocialRules.TypingThrottle"/>.</summary>
    [Alias("StartTyping")]
    Task StartTyping(Guid actorId);

    /// <summary>Where <paramref name="messageId"/> sits in the channel, for a read marker; checks the actor can view the channel.</summary>
    [Alias("GetReadMarker")]
    Task<ReadMarker> GetReadMarker(Guid actorId, Guid messageId);

    /// <summary>
    /// The read position that makes <paramref name="messageId"/> (not deleted) the first unread message:
    /// the message before it, or <c>Seq</c> 0 and an empty id when it is the channel's first. Checks
    /// the actor can view the channel.
    /// </summary>
    [Alias("GetUnreadMarker")]
    Task<ReadMarker> GetUnreadMarker(Guid actorId, Guid messageId);
}

/// <summary>One emoji's reactions on a message; <see cref="Me"/> is about the reader.</summary>
[GenerateSerializer, Immutable, Alias("lc.ReactionDto")]
public sealed record ReactionDto(
    [property: Id(0)] string Emoji,
    [property: Id(1)] int Count,
    [property: Id(2)] bool Me);

[GenerateSerializer, Immutable, Alias("lc.PinDto")]
public sealed record PinDto(
    [property: Id(0)] MessageDto Message,
    [property: Id(1)] Guid PinnedBy,
    [property: Id(2)] DateTimeOffset PinnedAt);

/// <summary>A read position; <see cref="ParentId"/> is the parent channel when the channel is a thread.</summary>
[GenerateSerializer, Immutable, Alias("lc.ReadMarker")]
public sealed record ReadMarker(
    [property: Id(0)] Guid GuildId,
    [property: Id(1)] Guid ChannelId,
    [property: Id(2)] Guid MessageId,
    [property: Id(3)] long Seq,
    [property: Id(4)] Guid? ParentId = null);

public static class SocialRules
{
    public const int MaxPins = 50;
    public const int MaxDistinctReactions = 20;
    public static readonly TimeSpan TypingThrottle = TimeSpan.FromSeconds(3);
}
