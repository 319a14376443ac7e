using LesCopains.Grains.Guilds;
using Orleans.Concurrency;

namespace LesCopains.Grains.Channels;

/// <summary>
/// Searches a guild's messages for one caller: the guild grain names the text channels the caller
/// can read now (VIEW_CHANNEL + READ_MESSAGE_HISTORY), threads follow their parent, and only those
/// channels are searched. Hits carry their reactions as history shows them to the caller.
/// </summary>
[StatelessWorker]
public sealed class MessageSearchGrain(SearchStore search, SocialStore social, ThreadStore threads) : Grain, IMessageSearchGrain
{
    public async Task<SearchResultDto> Search(Guid actorId, Guid guildId, SearchQuery query)
    {
        query = SearchRules.Validate(query);
        var readable = await GrainFactory.GetGrain<IGuildGrain>(guildId).GetReadableChannels(actorId);
        var threadList = readable.Count == 0 ? [] : await threads.OfParentsAsync(readable);
        var threadInfo = threadList.ToDictionary(t => t.Id, t => (t.ParentId, t.Name));

        List<Guid> channels;
        if (query.ChannelId is { } channelId)
        {
            // A channel filter covers that channel and its threads; one the caller cannot read is not found.
            if (!readable.Contains(channelId) && !threadInfo.ContainsKey(channelId))
            {
                throw new DomainException(ErrorCodes.ChannelNotFound, "channel: no such channel.");
            }

            channels = [channelId, .. threadList.Where(t => t.ParentId == channelId).Select(t => t.Id)];
        }
        else
        {
            channels = [.. readable, .. threadInfo.Keys];
        }

        var (total, capped, page) = await search.SearchAsync(guildId, channels, query);
        var messages = await social.WithReactionsAsync([.. page.Select(hit => hit.Message)], actorId);
        return new SearchResultDto(total, capped, page.Zip(messages, (hit, message) =>
            threadInfo.TryGetValue(message.ChannelId, out var t)
                ? new SearchHitDto(message, hit.Highlight, t.ParentId, t.Name)
                : new SearchHitDto(message, hit.Highlight, null, null)).ToList());
    }
}
