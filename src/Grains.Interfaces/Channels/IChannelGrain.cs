namespace LesCopains.Grains.Channels;

/// <summary>
/// One text channel: assigns ids and sequence numbers, commits messages to PostgreSQL
/// (batched with concurrent sends) before acknowledging, and publishes them in sequence order.
/// </summary>
[Alias("lc.IChannelGrain")]
public interface IChannelGrain : IGrainWithGuidKey
{
    /// <summary>Stores a message; returns once its row is committed. Interleaves with other sends.</summary>
    [Alias("SendMessage")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task<MessageDto> SendMessage(Guid authorId, string content, string? nonce, Guid? replyTo);

    [Alias("EditMessage")]
    Task<MessageDto> EditMessage(Guid actorId, Guid messageId, string content);

    [Alias("DeleteMessage")]
    Task DeleteMessage(Guid actorId, Guid messageId);

    [Alias("GetHistory")]
    Task<IReadOnlyList<MessageDto>> GetHistory(Guid actorId, HistoryQuery query);

    /// <summary>The guild this channel belongs to (<c>channel_not_found</c> if none).</summary>
    [Alias("GetGuildId")]
    Task<Guid> GetGuildId();

    /// <summary>Starts a thread in this text channel, from one of its messages or standalone.</summary>
    [Alias("CreateThread")]
    Task<ThreadDto> CreateThread(Guid actorId, string name, Guid? starterMessageId);

    /// <summary>This channel's threads, active or archived, newest first.</summary>
    [Alias("ListThreads")]
    Task<IReadOnlyList<ThreadDto>> ListThreads(Guid actorId, ThreadListQuery query);

    /// <summary>This thread (<c>channel_not_found</c> when this channel is not a thread).</summary>
    [Alias("GetThread")]
    Task<ThreadDto> GetThread(Guid actorId);

    /// <summary>Renames, archives or unarchives this thread: its creator or MANAGE_THREADS.</summary>
    [Alias("UpdateThread")]
    Task<ThreadDto> UpdateThread(Guid actorId, string? name, bool? archived);
}

[GenerateSerializer, Immutable, Alias("lc.HistoryQuery")]
public sealed record HistoryQuery(
    [property: Id(0)] Guid? Before,
    [property: Id(1)] Guid? After,
    [property: Id(2)] Guid? Around,
    [property: Id(3)] int Limit);

[GenerateSerializer, Immutable, Alias("lc.MessageAuthorDto")]
public sealed record MessageAuthorDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Username,
    [property: Id(2)] string DisplayName);

[GenerateSerializer, Immutable, Alias("lc.MessageDto")]
public sealed record MessageDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid GuildId,
    [property: Id(2)] Guid ChannelId,
    [property: Id(3)] long Seq,
    [property: Id(4)] MessageAuthorDto Author,
    [property: Id(5)] string Content,
    [property: Id(6)] string? Nonce,
    [property: Id(7)] Guid? ReplyTo,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset? EditedAt)
{
    /// <summary>The thread started from this message (history pages only; <c>null</c> in events).</summary>
    [Id(30)]
    public ThreadDto? Thread { get; init; }
}

/// <summary>Input rules for messages.</summary>
public static class MessageRules
{
    public const int MaxContentLength = 4000;
    public const int MaxNonceLength = 64;

    public static string Content(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw) || raw.Length > MaxContentLength)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, $"content: Messages are 1–{MaxContentLength} characters and not blank.");
        }

        return raw;
    }

    public static string? Nonce(string? raw) =>
        raw is null ? null
        : raw.Length is 0 or > MaxNonceLength ? throw new DomainException(ErrorCodes.ValidationFailed, $"nonce: at most {MaxNonceLength} characters.")
        : raw;
}
