using LesCopains.Grains.Channels;

namespace LesCopains.Grains.Users;

/// <summary>
/// A user's recent mentions across every guild they are in (Discord's "Inbox → Mentions"): the
/// messages by others that name them, one of their roles, <c>@everyone</c>, or <c>@here</c> while
/// they were present, newest first, in channels and threads they can read now. Stateless: any silo
/// answers, each guild grain says which channels are readable.
/// </summary>
[Alias("lc.IRecentMentionsGrain")]
public interface IRecentMentionsGrain : IGrainWithIntegerKey
{
    /// <summary><c>guild_not_found</c> when <see cref="MentionQuery.GuildId"/> names a guild the user is not in; <c>validation_failed</c> for a bad limit.</summary>
    [Alias("GetMentions")]
    Task<MentionPageDto> GetMentions(Guid userId, MentionQuery query);

    /// <summary>
    /// Takes a mention out of the user's list for good (on every device: <see cref="MentionRules.DismissEvent"/>);
    /// again is a no-op. <c>message_not_found</c> unless the message is one of the user's mentions
    /// they can read now.
    /// </summary>
    [Alias("Dismiss")]
    Task Dismiss(Guid userId, Guid messageId);

    /// <summary>
    /// "Dismiss all": takes every mention up to <paramref name="messageId"/> (one of the user's
    /// mentions, as for <see cref="Dismiss"/>) out of the list for good; later ones stay.
    /// </summary>
    [Alias("DismissUpTo")]
    Task DismissUpTo(Guid userId, Guid messageId);
}

/// <summary>
/// <see cref="GuildId"/> keeps one guild; <see cref="Before"/> (a message id) continues a page;
/// <see cref="Everyone"/> and <see cref="Roles"/> say whether <c>@everyone</c>/<c>@here</c> and role
/// mentions are included (a mention by name always is).
/// </summary>
[GenerateSerializer, Immutable, Alias("lc.MentionQuery")]
public sealed record MentionQuery(
    [property: Id(0)] Guid? GuildId,
    [property: Id(1)] Guid? Before,
    [property: Id(2)] int Limit,
    [property: Id(3)] bool Everyone,
    [property: Id(4)] bool Roles);

/// <summary>
/// One mention with what the list needs to say where it was: the guild's name, the channel's (for a
/// thread: its parent's) and, in a thread, the thread's name and parent.
/// </summary>
[GenerateSerializer, Immutable, Alias("lc.MentionDto")]
public sealed record MentionDto(
    [property: Id(0)] MessageDto Message,
    [property: Id(1)] string GuildName,
    [property: Id(2)] string ChannelName,
    [property: Id(3)] Guid? ThreadParentId,
    [property: Id(4)] string? ThreadName);

/// <summary><see cref="HasMore"/>: older mentions follow (ask again with <c>before</c> = the last one's id).</summary>
[GenerateSerializer, Immutable, Alias("lc.MentionPageDto")]
public sealed record MentionPageDto(
    [property: Id(0)] IReadOnlyList<MentionDto> Mentions,
    [property: Id(1)] bool HasMore);

public static class MentionRules
{
    public const int MaxLimit = 50;
    public const int DefaultLimit = 25;

    /// <summary>To the user's own connections: <c>{ messageId, guildId }</c> left their recent mentions.</summary>
    public const string DismissEvent = "mention:dismiss";

    public static MentionQuery Validate(MentionQuery query) =>
        query.Limit is < 1 or > MaxLimit
            ? throw new DomainException(ErrorCodes.ValidationFailed, $"limit: must be 1–{MaxLimit}.")
            : query;
}
