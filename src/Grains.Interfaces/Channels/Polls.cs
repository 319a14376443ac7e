using System.Text.Json.Serialization;

namespace LesCopains.Grains.Channels;

/// <summary>
/// Polls (docs/API.md "Polls"), as on Discord: a message whose content is the question, with 2–10
/// answers, one or several choices per voter, open for a set time (or until its author ends it).
/// Implemented by the channel grain's activation, like <see cref="IChannelSocialGrain"/>.
/// </summary>
[Alias("lc.IChannelPollGrain")]
public interface IChannelPollGrain : IGrainWithGuidKey
{
    /// <summary>Sends a poll (the checks of a send, plus <see cref="PollRules.Create"/>); the answer is its message, committed.</summary>
    [Alias("SendPoll")]
    Task<MessageDto> SendPoll(Guid authorId, PollSpec poll, string? nonce);

    /// <summary>Replaces the actor's votes (empty: takes them back); <c>poll_closed</c> once it ended.</summary>
    [Alias("Vote")]
    Task<PollResultsDto> Vote(Guid actorId, Guid messageId, IReadOnlyList<int> answerIds);

    /// <summary>Ends the poll now (its author only); <c>poll_closed</c> when it already ended.</summary>
    [Alias("EndPoll")]
    Task<PollDto> EndPoll(Guid actorId, Guid messageId);
}

/// <summary>A poll as asked for, checked by <see cref="PollRules.Create"/>.</summary>
[GenerateSerializer, Immutable, Alias("lc.PollSpec")]
public sealed record PollSpec(
    [property: Id(0)] string? Question,
    [property: Id(1)] IReadOnlyList<PollAnswerInput>? Answers,
    [property: Id(2)] int DurationHours,
    [property: Id(3)] bool AllowMultiselect);

[GenerateSerializer, Immutable, Alias("lc.PollAnswerInput")]
public sealed record PollAnswerInput(
    [property: Id(0)] string? Text,
    [property: Id(1)] string? Emoji);

/// <summary>One answer; ids are 1, 2, … in the order given.</summary>
[GenerateSerializer, Immutable, Alias("lc.PollAnswerDto")]
public sealed record PollAnswerDto(
    [property: Id(0)] int Id,
    [property: Id(1)] string Text,
    [property: Id(2), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Emoji);

/// <summary>Votes per answer (every answer, in order), how many people voted, and the reader's choices.</summary>
[GenerateSerializer, Immutable, Alias("lc.PollResultsDto")]
public sealed record PollResultsDto(
    [property: Id(0)] IReadOnlyList<PollCountDto> Counts,
    [property: Id(1)] int Voters,
    [property: Id(2)] IReadOnlyList<int> Me);

[GenerateSerializer, Immutable, Alias("lc.PollCountDto")]
public sealed record PollCountDto(
    [property: Id(0)] int AnswerId,
    [property: Id(1)] int Count);

/// <summary>A poll on its message: the question is the message's content.</summary>
[GenerateSerializer, Immutable, Alias("lc.PollDto")]
public sealed record PollDto(
    [property: Id(0)] IReadOnlyList<PollAnswerDto> Answers,
    [property: Id(1)] bool AllowMultiselect,
    [property: Id(2)] DateTimeOffset ExpiresAt,
    [property: Id(3)] PollResultsDto Results);

public static class PollRules
{
    public const int MaxQuestionLength = 300;
    public const int MinAnswers = 2;
    public const int MaxAnswers = 10;
    public const int MaxAnswerLength = 55;
    public const int MaxDurationHours = 768;

    /// <summary>The question and the answers, checked whole: <c>validation_failed</c> names the first bad field.</summary>
    public static (string Question, IReadOnlyList<PollAnswerDto> Answers) Create(PollSpec spec)
    {
        var question = spec.Question?.Trim() ?? "";
        if (question.Length is 0 or > MaxQuestionLength)
        {
            throw Invalid("question", $"1–{MaxQuestionLength} characters, not blank.");
        }

        var inputs = spec.Answers ?? [];
        if (inputs.Count is < MinAnswers or > MaxAnswers)
        {
            throw Invalid("answers", $"{MinAnswers}–{MaxAnswers} answers.");
        }

        var answers = new List<PollAnswerDto>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            var text = inputs[i]?.Text?.Trim() ?? "";
            if (text.Length is 0 or > MaxAnswerLength || text.Any(char.IsControl))
            {
                throw Invalid($"answers[{i}].text", $"1–{MaxAnswerLength} characters on one line, not blank.");
            }

            var emoji = string.IsNullOrEmpty(inputs[i]?.Emoji) ? null : inputs[i]!.Emoji;
            if (emoji is not null && !EmojiRules.IsEmoji(emoji))
            {
                throw Invalid($"answers[{i}].emoji", "one Unicode emoji is expected.");
            }

            answers.Add(new PollAnswerDto(i + 1, text, emoji));
        }

        if (answers.Select(a => a.Text.ToLowerInvariant()).Distinct().Count() != answers.Count)
        {
            throw Invalid("answers", "each answer once.");
        }

        if (spec.DurationHours is < 1 or > MaxDurationHours)
        {
            throw Invalid("durationHours", $"1–{MaxDurationHours} hours.");
        }

        return (question, answers);
    }

    /// <summary>The answers chosen, checked against the poll: each known, once, and only one unless it allows several.</summary>
    public static IReadOnlyList<int> Choices(IReadOnlyList<int>? answerIds, int answerCount, bool allowMultiselect)
    {
        var ids = (answerIds ?? []).ToList();
        if (ids.Any(id => id < 1 || id > answerCount) || ids.Distinct().Count() != ids.Count)
        {
            throw Invalid("answerIds", $"distinct answer ids from 1 to {answerCount}.");
        }

        if (!allowMultiselect && ids.Count > 1)
        {
            throw Invalid("answerIds", "this poll takes one answer.");
        }

        return [.. ids.Order()];
    }

    private static DomainException Invalid(string field, string message) => new(ErrorCodes.ValidationFailed, $"{field}: {message}");
}
