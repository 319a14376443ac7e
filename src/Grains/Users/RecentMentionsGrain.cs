using LesCopains.Grains.Channels;
using LesCopains.Grains.Guilds;
using Orleans.Concurrency;

namespace LesCopains.Grains.Users;

/// <summary>
/// Recent mentions for one caller. Each guild grain (asked in parallel) gives the caller's view —
/// channel names, roles, join time — and the text channels they can read now (VIEW_CHANNEL +
/// READ_MESSAGE_HISTORY); threads follow their parent, archived ones included, as in search. Only
/// those channels are queried, so a mention in a channel the caller has lost leaves the list.
/// </summary>
[StatelessWorker]
public sealed class RecentMentionsGrain(MentionStore mentions, MessageStore messages, SocialStore social, ThreadStore threads) : Grain, IRecentMentionsGrain
{
    public async Task<MentionPageDto> GetMentions(Guid userId, MentionQuery query)
    {
        query = MentionRules.Validate(query);
        IReadOnlyList<Guid> guildIds = query.GuildId is { } only ? [only] : await GrainFactory.GetGrain<IUserGrain>(userId).GetGuilds();
        var guilds = (await Task.WhenAll(guildIds.Select(id => LookAsync(id, userId, required: query.GuildId is not null))))
            .OfType<(GuildViewDto View, IReadOnlyList<Guid> Readable)>()
            .ToList();

        var channels = new Dictionary<Guid, (GuildViewDto View, ChannelDto Channel)>();
        foreach (var (view, readable) in guilds)
        {
            var byId = view.Channels.ToDictionary(c => c.Id);
            foreach (var id in readable)
            {
                if (byId.TryGetValue(id, out var channel))
                {
                    channels[id] = (view, channel);
                }
            }
        }

        var threadList = channels.Count == 0 ? [] : await threads.OfParentsAsync(channels.Keys);
        var threadInfo = threadList.ToDictionary(t => t.Id, t => (t.ParentId, t.Name));
        var searched = channels.Select(c => (c.Key, c.Value.View.Me.JoinedAt))
            .Concat(threadList.Select(t => (t.Id, channels[t.ParentId].View.Me.JoinedAt)))
            .ToList();
        var roleIds = guilds.SelectMany(g => g.View.Me.Roles).ToList();

        // One more than the page says whether older mentions follow.
        var ids = await mentions.RecentAsync(userId, searched, roleIds, query.Everyone, query.Roles, query.Before, query.Limit + 1);
        var hasMore = ids.Count > query.Limit;
        var page = ids.Take(query.Limit).ToList();
        var found = page.Count == 0 ? [] : await social.WithReactionsAsync(await messages.GetByIdsAsync(page), userId);
        var byMessage = found.ToDictionary(m => m.Id);

        // Newest first, as the ids came; one deleted between the two reads is left out.
        var list = new List<MentionDto>(page.Count);
        foreach (var id in page)
        {
            if (!byMessage.TryGetValue(id, out var message))
            {
                continue;
            }

            if (threadInfo.TryGetValue(message.ChannelId, out var thread))
            {
                var (view, parent) = channels[thread.ParentId];
                list.Add(new MentionDto(message, view.Name, parent.Name, thread.ParentId, thread.Name));
            }
            else
            {
                var (view, channel) = channels[message.ChannelId];
                list.Add(new MentionDto(message, view.Name, channel.Name, null, null));
            }
        }

        return new MentionPageDto(list, hasMore);
    }

    public async Task Dismiss(Guid userId, Guid messageId)
    {
        var message = await RequireMentionAsync(userId, messageId);
        if (await mentions.DismissAsync(userId, messageId))
        {
            Dms.UserFeeds.Publish(GrainFactory, [userId], MentionRules.DismissEvent, new { messageId, guildId = message.GuildId });
        }
    }

    public async Task DismissUpTo(Guid userId, Guid messageId)
    {
        await RequireMentionAsync(userId, messageId);
        if (await mentions.DismissUpToAsync(userId, messageId))
        {
            Dms.UserFeeds.Publish(GrainFactory, [userId], MentionRules.DismissEvent, new { upTo = messageId });
        }
    }

    /// <summary>The message, when it is one of the user's mentions they can read now; else <c>message_not_found</c>.</summary>
    private async Task<MessageDto> RequireMentionAsync(Guid userId, Guid messageId)
    {
        var notFound = new DomainException(ErrorCodes.MessageNotFound, "No mention of you with this id.");
        var message = (await messages.GetByIdsAsync([messageId])).FirstOrDefault() ?? throw notFound;
        var found = await LookAsync(message.GuildId, userId, required: false) ?? throw notFound;
        var (view, readable) = found;

        // A thread is readable with its parent.
        var place = message.ChannelId;
        if (!readable.Contains(place))
        {
            place = (await threads.GetMetaAsync(message.ChannelId))?.ParentId ?? throw notFound;
            if (!readable.Contains(place))
            {
                throw notFound;
            }
        }

        if (!await mentions.MentionsAsync(userId, message.ChannelId, messageId, view.Me.JoinedAt, view.Me.Roles))
        {
            throw notFound;
        }

        return message;
    }

    /// <summary>The caller's view of a guild and its channels they can read; null for one they left meanwhile (unless asked for by id).</summary>
    private async Task<(GuildViewDto View, IReadOnlyList<Guid> Readable)?> LookAsync(Guid guildId, Guid userId, bool required)
    {
        var guild = GrainFactory.GetGrain<IGuildGrain>(guildId);
        try
        {
            var view = await guild.GetView(userId);
            return (view, await guild.GetReadableChannels(userId));
        }
        catch (DomainException) when (!required)
        {
            return null;
        }
    }
}
