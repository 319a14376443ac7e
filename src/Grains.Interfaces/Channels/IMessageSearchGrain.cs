namespace LesCopains.Grains.Channels;

/// <summary>
/// Full-text search over the messages of a guild's channels and threads that the caller can read
/// right now. Stateless: any silo answers, the guild grain says which channels are readable.
/// </summary>
[Alias("lc.IMessageSearchGrain")]
public interface IMessageSearchGrain : IGrainWithIntegerKey
{
    [Alias("Search")]
    Task<SearchResultDto> Search(Guid actorId, Guid guildId, SearchQuery query);
}

[GenerateSerializer, Immutable, Alias("lc.SearchQuery")]
public sealed record SearchQuery(
    [property: Id(0)] string? Text,
    [property: Id(1)] Guid? AuthorId,
    [property: Id(2)] Guid? ChannelId,
    [property: Id(3)] DateTimeOffset? Before,
    [property: Id(4)] DateTimeOffset? After,
    [property: Id(5)] bool HasAttachment,
    [property: Id(6)] int Limit,
    [property: Id(7)] int Offset);

[GenerateSerializer, Immutable, Alias("lc.SearchHitDto")]
public sealed record SearchHitDto(
    [property: Id(0)] MessageDto Message,
    [property: Id(1)] string? Highlight,
    [property: Id(2)] Guid? ThreadParentId,
    [property: Id(3)] string? ThreadName);

[GenerateSerializer, Immutable, Alias("lc.SearchResultDto")]
public sealed record SearchResultDto(
    [property: Id(0)] int Total,
    [property: Id(1)] bool TotalCapped,
    [property: Id(2)] IReadOnlyList<SearchHitDto> Results);

/// <summary>Input rules for search (the Api parses, these bound).</summary>
public static class SearchRules
{
    public const int MaxTextLength = 256;
    public const int MaxLimit = 50;
    public const int DefaultLimit = 25;
    public const int MaxOffset = 1000;

    /// <summary>Totals are counted up to this many matches, then reported as "at least".</summary>
    public const int CountCap = 1000;

    /// <summary>Highlight markers in <see cref="SearchHitDto.Highlight"/> (private-use characters, never HTML).</summary>
    public const char MarkStart = '\uE000';
    public const char MarkEnd = '\uE001';

    public static SearchQuery Validate(SearchQuery query)
    {
        var text = string.IsNullOrWhiteSpace(query.Text) ? null : query.Text.Trim();
        if (text is { Length: > MaxTextLength })
        {
            throw Invalid("q", $"at most {MaxTextLength} characters.");
        }

        if (text is null && query.AuthorId is null && query.ChannelId is null && !query.HasAttachment && query.Before is null && query.After is null)
        {
            throw Invalid("q", "give a search text or at least one filter.");
        }

        if (query.Limit is < 1 or > MaxLimit)
        {
            throw Invalid("limit", $"must be 1–{MaxLimit}.");
        }

        if (query.Offset is < 0 or > MaxOffset)
        {
            throw Invalid("offset", $"must be 0–{MaxOffset}.");
        }

        if (query.Before is { } before && query.After is { } after && after >= before)
        {
            throw Invalid("after", "must be earlier than before.");
        }

        return query with { Text = text };
    }

    public static DomainException Invalid(string field, string message) => new(ErrorCodes.ValidationFailed, $"{field}: {message}");
}
