namespace LesCopains.Grains.Channels;

/// <summary>
/// One text channel: assigns ids and sequence numbers, commits messages to PostgreSQL
/// (batched with concurrent sends) before acknowledging, and publishes them in sequence order.
/// </summary>
[Alias("lc.IChannelGrain")]
public interface IChannelGrain : IGrainWithGuidKey
{
    /// <summary>Stores a message; returns once its row is committed. Interleaves with other sends. A reply mentions the author it answers.</summary>
    [Alias("SendMessage")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task<MessageDto> SendMessage(Guid authorId, string content, string? nonce, Guid? replyTo);

    /// <summary>
    /// Sends a message carrying the author's pending uploads in this channel (<c>ATTACH_FILES</c>);
    /// each upload is claimed by exactly one message, in the same commit as the message row. A reply
    /// mentions the author of the message it answers unless <paramref name="mentionReplied"/> is false.
    /// </summary>
    [Alias("SendMessageWithAttachments")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task<MessageDto> SendMessageWithAttachments(Guid authorId, string content, string? nonce, Guid? replyTo, IReadOnlyList<Guid> attachmentIds, bool mentionReplied);

    /// <summary>
    /// <see cref="SendMessageWithAttachments"/> for a connection that has several sends in flight:
    /// the channel gives them ids and sequence numbers in <paramref name="order"/>, not in the order
    /// the calls happen to arrive.
    /// </summary>
    [Alias("SendMessageInOrder")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task<MessageDto> SendMessageInOrder(Guid authorId, string content, string? nonce, Guid? replyTo, IReadOnlyList<Guid> attachmentIds, bool mentionReplied, SendOrder order);

    /// <summary>
    /// From the guild grain: roles, channels, members or subscribed Api nodes changed. Drops the
    /// cached permissions (the next call asks the guild again) and adopts <paramref name="gateways"/>.
    /// </summary>
    [Alias("InvalidateGuildView")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task InvalidateGuildView(long version, LesCopains.Grains.Guilds.IGuildObserver[] gateways);

    [Alias("EditMessage")]
    Task<MessageDto> EditMessage(Guid actorId, Guid messageId, string content);

    [Alias("DeleteMessage")]
    Task DeleteMessage(Guid actorId, Guid messageId);

    /// <summary>
    /// Messages of this channel were deleted in bulk elsewhere (a ban's message purge): announces
    /// their deletion to the channel's viewers and, in a thread, corrects the live message count.
    /// One-way: the guild grain must not wait on a channel that may be waiting on it.
    /// </summary>
    [Alias("MessagesDeleted")]
    [Orleans.Concurrency.OneWay]
    Task MessagesDeleted(IReadOnlyList<Guid> messageIds);

    [Alias("GetHistory")]
    Task<IReadOnlyList<MessageDto>> GetHistory(Guid actorId, HistoryQuery query);

    /// <summary>The guild this channel belongs to (<c>channel_not_found</c> if none).</summary>
    [Alias("GetGuildId")]
    Task<Guid> GetGuildId();

    /// <summary>Starts a thread in this text channel, from one of its messages or standalone.</summary>
    [Alias("CreateThread")]
    Task<ThreadDto> CreateThread(Guid actorId, string name, Guid? starterMessageId);

    /// <summary>
    /// Starts a thread that archives itself after <paramref name="autoArchiveDuration"/> minutes
    /// without activity (null: <see cref="ThreadRules.DefaultAutoArchiveDuration"/>).
    /// </summary>
    [Alias("CreateThreadWithAutoArchive")]
    Task<ThreadDto> CreateThread(Guid actorId, string name, Guid? starterMessageId, int? autoArchiveDuration);

    /// <summary>This channel's threads, active or archived, newest first.</summary>
    [Alias("ListThreads")]
    Task<IReadOnlyList<ThreadDto>> ListThreads(Guid actorId, ThreadListQuery query);

    /// <summary>This thread (<c>channel_not_found</c> when this channel is not a thread).</summary>
    [Alias("GetThread")]
    Task<ThreadDto> GetThread(Guid actorId);

    /// <summary>Renames, archives or unarchives this thread: its creator or MANAGE_THREADS.</summary>
    [Alias("UpdateThread")]
    Task<ThreadDto> UpdateThread(Guid actorId, string? name, bool? archived);

    /// <summary>
    /// Renames, archives or unarchives this thread or changes its inactivity limit (null: unchanged):
    /// its creator or MANAGE_THREADS. Unarchiving restarts the inactivity clock.
    /// </summary>
    [Alias("UpdateThreadWithAutoArchive")]
    Task<ThreadDto> UpdateThread(Guid actorId, string? name, bool? archived, int? autoArchiveDuration);

    /// <summary>
    /// From the archive sweep, after it archived this thread in the <c>threads</c> table: the grain
    /// takes the stored state (so it refuses sends from now on) and tells the viewers.
    /// </summary>
    [Alias("ThreadAutoArchived")]
    Task ThreadAutoArchived();

    /// <summary>
    /// The user follows this thread from now on (nothing changes when they already do); returns the
    /// thread. <c>channel_not_found</c> when they cannot see it or it is not a thread,
    /// <c>thread_archived</c> when it is archived.
    /// </summary>
    [Alias("JoinThread")]
    Task<ThreadDto> JoinThread(Guid userId);

    /// <summary>The user stops following this thread (nothing changes when they did not); <c>channel_not_found</c> as <see cref="JoinThread"/>.</summary>
    [Alias("LeaveThread")]
    Task LeaveThread(Guid userId);

    /// <summary>From the guild, after the user left it (their rows are deleted): the thread drops them from its member count.</summary>
    [Alias("ThreadMemberGone")]
    [Orleans.Concurrency.OneWay]
    Task ThreadMemberGone(Guid userId);
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
    [property: Id(9)] DateTimeOffset? EditedAt,
    [property: Id(20)] IReadOnlyList<Guid>? Mentions = null,
    [property: Id(21)] IReadOnlyList<Guid>? MentionRoles = null,
    [property: Id(22)] bool MentionEveryone = false,
    [property: Id(23)] IReadOnlyList<ReactionDto>? Reactions = null,
    [property: Id(24)] ThreadDto? Thread = null,
    [property: Id(25), System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] PollDto? Poll = null)
{
    /// <summary>Files sent with the message, in the order the author gave them.</summary>
    [Id(10)]
    public IReadOnlyList<AttachmentDto> Attachments { get; init; } = [];

    /// <summary>The message says <c>@here</c> with effect (who it reached stays on the server).</summary>
    [Id(11)]
    public bool MentionHere { get; init; }
}

/// <summary>
/// A file attached to a message. <see cref="Url"/> is a same-origin path; fetching it needs the
/// bearer token or the media cookie (docs/API.md, "Attachments").
/// </summary>
[GenerateSerializer, Immutable, Alias("lc.AttachmentDto")]
public sealed record AttachmentDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Filename,
    [property: Id(2)] string ContentType,
    [property: Id(3)] long Size,
    [property: Id(4)] int? Width,
    [property: Id(5)] int? Height)
{
    [Id(6)]
    public string Url { get; init; } = UrlOf(Id, Filename);

    public static string UrlOf(Guid id, string filename) => $"/api/attachments/{id}/{Uri.EscapeDataString(filename)}";
}

/// <summary>Input rules for messages.</summary>
public static class MessageRules
{
    public const int MaxContentLength = 4000;
    public const int MaxNonceLength = 64;
    public const int MaxAttachments = 10;

    public static string Content(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw) || raw.Length > MaxContentLength)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, $"content: Messages are 1–{MaxContentLength} characters and not blank.");
        }

        return raw;
    }

    /// <summary>Content of a message that carries files: may be empty, not longer than the limit.</summary>
    public static string ContentWithAttachments(string? raw, int attachmentCount)
    {
        if (attachmentCount == 0)
        {
            return Content(raw);
        }

        if (attachmentCount > MaxAttachments)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, $"attachments: at most {MaxAttachments} files per message.");
        }

        raw ??= "";
        return raw.Length > MaxContentLength
            ? throw new DomainException(ErrorCodes.ValidationFailed, $"content: Messages are at most {MaxContentLength} characters.")
            : raw.Trim().Length == 0 ? "" : raw;
    }

    public static string? Nonce(string? raw) =>
        raw is null ? null
        : raw.Length is 0 or > MaxNonceLength ? throw new DomainException(ErrorCodes.ValidationFailed, $"nonce: at most {MaxNonceLength} characters.")
        : raw;
}
