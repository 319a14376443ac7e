namespace LesCopains.Grains.Channels;

/// <summary>
/// A thread: a channel with a parent text channel. Its messages go through its own channel grain;
/// who may see or write in it is decided by the parent channel's permissions.
/// </summary>
/// <param name="AutoArchiveDuration">Minutes without activity after which the thread archives itself.</param>
[GenerateSerializer, Immutable, Alias("lc.ThreadDto")]
public sealed record ThreadDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid GuildId,
    [property: Id(2)] Guid ParentId,
    [property: Id(3)] Guid? StarterMessageId,
    [property: Id(4)] Guid CreatorId,
    [property: Id(5)] string Name,
    [property: Id(6)] bool Archived,
    [property: Id(7)] DateTimeOffset? ArchivedAt,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] long MessageCount,
    [property: Id(10)] DateTimeOffset LastActivityAt,
    [property: Id(11)] int AutoArchiveDuration)
{
    /// <summary>How many people follow the thread (its creator, everyone who posted in it, whoever joined it).</summary>
    [Id(12)]
    public int MemberCount { get; init; }
}

[GenerateSerializer, Immutable, Alias("lc.ThreadListQuery")]
public sealed record ThreadListQuery(
    [property: Id(0)] bool Archived,
    [property: Id(1)] Guid? Before,
    [property: Id(2)] int Limit);

/// <summary>Input rules for threads.</summary>
public static class ThreadRules
{
    /// <summary>The hub event that tells a user's own connections they joined or left a thread.</summary>
    public const string MemberUpdateEvent = "thread:member:update";

    public const int MaxNameLength = 100;
    public const int MaxPage = 100;

    /// <summary>Minutes without activity before a thread archives itself, unless chosen otherwise.</summary>
    public const int DefaultAutoArchiveDuration = 1440;

    /// <summary>The inactivity limits a thread may have, in minutes: an hour, a day, three days, a week.</summary>
    public static readonly IReadOnlyList<int> AutoArchiveDurations = [60, 1440, 4320, 10080];

    public static int AutoArchiveDuration(int minutes) =>
        AutoArchiveDurations.Contains(minutes)
            ? minutes
            : throw new DomainException(ErrorCodes.ValidationFailed, "autoArchiveDuration: one of 60, 1440, 4320 or 10080 minutes.");

    public static string Name(string? raw)
    {
        var name = raw?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            throw new DomainException(ErrorCodes.ValidationFailed, $"name: Thread names are 1–{MaxNameLength} characters without control characters.");
        }

        return name;
    }
}
