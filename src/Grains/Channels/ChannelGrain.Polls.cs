using LesCopains.Grains.Guilds;
using Microsoft.Extensions.DependencyInjection;

namespace LesCopains.Grains.Channels;

/// <summary>Polls of the channel (<see cref="IChannelPollGrain"/>): sent as messages, voted on, ended.</summary>
public sealed partial class ChannelGrain : IChannelPollGrain
{
    private PollStore? polls;

    private PollStore Polls => polls ??= ServiceProvider.GetRequiredService<PollStore>();

    public async Task<MessageDto> SendPoll(Guid authorId, PollSpec poll, string? nonce)
    {
        var sent = await await AcceptAsync(authorId, "", nonce, null, [], mentionReplied: false, poll ?? throw new DomainException(ErrorCodes.ValidationFailed, "poll: is required."));
        // A retried nonce answers with the stored message, which comes without its poll.
        return sent.Poll is null ? (await Polls.WithPollsAsync([sent], authorId))[0] : sent;
    }

    public async Task<PollResultsDto> Vote(Guid actorId, Guid messageId, IReadOnlyList<int> answerIds)
    {
        var access = await AccessAsync(actorId);
        Require(access, Permissions.ReadMessageHistory);
        RequireNotArchived();
        var poll = await Polls.GetAsync(ChannelId, messageId) ?? throw new DomainException(ErrorCodes.MessageNotFound, "No such poll.");
        var choices = PollRules.Choices(answerIds, poll.Answers.Count, poll.AllowMultiselect);
        var now = time.GetUtcNow();
        if (poll.ExpiresAt <= now)
        {
            throw new DomainException(ErrorCodes.PollClosed, "This poll has ended.");
        }

        var results = await Polls.VoteAsync(messageId, actorId, choices, poll.Answers, now);
        // Votes are not secret (as on Discord): who chose what goes with the new counts.
        Relay("poll:vote", new { guildId, channelId = ChannelId, messageId, userId = actorId, answerIds = choices, counts = results.Counts, voters = results.Voters });
        return results;
    }

    public async Task<PollDto> EndPoll(Guid actorId, Guid messageId)
    {
        await AccessAsync(actorId);
        var poll = await Polls.GetAsync(ChannelId, messageId) ?? throw new DomainException(ErrorCodes.MessageNotFound, "No such poll.");
        if (poll.AuthorId != actorId)
        {
            throw new DomainException(ErrorCodes.MissingPermission, "Only the poll's author can end it.");
        }

        var asked = time.GetUtcNow();
        var now = new DateTimeOffset(asked.Ticks - asked.Ticks % 10, TimeSpan.Zero); // as PostgreSQL keeps it
        if (!await Polls.EndAsync(messageId, now))
        {
            throw new DomainException(ErrorCodes.PollClosed, "This poll has ended.");
        }

        var results = await Polls.ResultsAsync(messageId, actorId, poll.Answers);
        Relay("poll:end", new { guildId, channelId = ChannelId, messageId, expiresAt = now, counts = results.Counts, voters = results.Voters });
        return new PollDto(poll.Answers, poll.AllowMultiselect, now, results);
    }
}
