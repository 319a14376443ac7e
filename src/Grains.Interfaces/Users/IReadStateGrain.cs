namespace LesCopains.Grains.Users;

/// <summary>
/// A user's read position in every channel. Acks are kept in memory and written to the
/// <c>read_states</c> table in coalesced batches, so a reader scrolling fast costs few writes.
/// </summary>
[Alias("lc.IReadStateGrain")]
public interface IReadStateGrain : IGrainWithGuidKey
{
    /// <summary>Marks the channel read up to <paramref name="messageId"/> (never moves backwards); returns the new state.</summary>
    [Alias("Ack")]
    Task<ReadStateDto> Ack(Guid channelId, Guid messageId);

    /// <summary>
    /// Marks every text channel of the guild that the user can view read up to its newest message
    /// ("Mark as read"); returns those channels' states. <c>guild_not_found</c> for a non-member.
    /// </summary>
    [Alias("AckGuild")]
    Task<IReadOnlyList<ReadStateDto>> AckGuild(Guid guildId);

    /// <summary>Unread and mention counts of every text channel the user can view.</summary>
    [Alias("GetReadStates")]
    Task<IReadOnlyList<ReadStateDto>> GetReadStates();
}

/// <summary>Counts are capped at <see cref="MaxCount"/>.</summary>
[GenerateSerializer, Immutable, Alias("lc.ReadStateDto")]
public sealed record ReadStateDto(
    [property: Id(0)] Guid GuildId,
    [property: Id(1)] Guid ChannelId,
    [property: Id(2)] Guid? LastMessageId,
    [property: Id(3)] long LastSeq,
    [property: Id(4)] int Unread,
    [property: Id(5)] int Mentions)
{
    public const int MaxCount = 1000;
}
