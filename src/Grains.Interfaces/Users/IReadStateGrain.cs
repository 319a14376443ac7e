namespace LesCopains.Grains.Users;

/// <summary>
/// A user's read position in every channel, and how they want to hear about each guild (the
/// settings decide which mentions count). Acks are kept in memory and written to the
/// <c>read_states</c> table in coalesced batches, so a reader scrolling fast costs few writes.
/// </summary>
[Alias("lc.IReadStateGrain")]
public interface IReadStateGrain : IGrainWithGuidKey
{
    /// <summary>Marks the channel read up to <paramref name="messageId"/> (never moves backwards); returns the new state.</summary>
    [Alias("Ack")]
    Task<ReadStateDto> Ack(Guid channelId, Guid messageId);

    /// <summary>
    /// Marks every text channel of the guild that the user can view, and the threads in them that are
    /// not archived, read up to its newest message ("Mark as read"); returns their states. <c>guild_not_found</c> for a non-member.
    /// </summary>
    /// <summary>
    /// "Mark Unread": moves the read position back to just before <paramref name="messageId"/>, so that
    /// it and what follows count as unread again; returns the new state. <c>message_not_found</c> for
    /// a deleted message or one of another channel.
    /// </summary>
    [Alias("MarkUnread")]
    Task<ReadStateDto> MarkUnread(Guid channelId, Guid messageId);

    [Alias("AckGuild")]
    Task<IReadOnlyList<ReadStateDto>> AckGuild(Guid guildId);

    /// <summary>Unread and mention counts of every text channel the user can view, and of the threads in them that are not archived.</summary>
    [Alias("GetReadStates")]
    Task<IReadOnlyList<ReadStateDto>> GetReadStates();

    /// <summary>
    /// The threads the user follows that are not archived and that they can still see (in guilds
    /// they are in, under channels they can view), most recently active first.
    /// </summary>
    [Alias("GetJoinedThreads")]
    Task<IReadOnlyList<Channels.ThreadDto>> GetJoinedThreads();

    /// <summary>The user's notification settings for every guild they are in (the default where they changed nothing).</summary>
    [Alias("GetNotificationSettings")]
    Task<IReadOnlyList<GuildNotifySettings>> GetNotificationSettings();

    /// <summary>
    /// Changes the user's notification settings for one guild, whole or not at all; returns them.
    /// <c>guild_not_found</c> for a non-member, <c>channel_not_found</c> for a channel they cannot
    /// see, <c>validation_failed</c> otherwise. The mention counts follow the suppressions at once.
    /// </summary>
    [Alias("UpdateNotificationSettings")]
    Task<GuildNotifySettings> UpdateNotificationSettings(Guid guildId, NotifySettingsPatch patch);
}

/// <summary>
/// Counts are capped at <see cref="MaxCount"/>. <see cref="ParentId"/> is the parent channel of a
/// thread (null for a channel). A thread the user never read and does not follow (thread members)
/// counts only the messages that mention them as unread: nobody follows every thread of a guild.
/// </summary>
[GenerateSerializer, Immutable, Alias("lc.ReadStateDto")]
public sealed record ReadStateDto(
    [property: Id(0)] Guid GuildId,
    [property: Id(1)] Guid ChannelId,
    [property: Id(2)] Guid? LastMessageId,
    [property: Id(3)] long LastSeq,
    [property: Id(4)] int Unread,
    [property: Id(5)] int Mentions,
    [property: Id(6)] Guid? ParentId = null)
{
    public const int MaxCount = 1000;
}
