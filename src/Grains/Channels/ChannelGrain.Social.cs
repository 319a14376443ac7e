using LesCopains.Grains.Guilds;
using LesCopains.Grains.Presence;
using Microsoft.Extensions.DependencyInjection;

namespace LesCopains.Grains.Channels;

/// <summary>Mentions fan-out, reactions, pins, typing and read markers of the channel (<see cref="IChannelSocialGrain"/>).</summary>
public sealed partial class ChannelGrain
{
    private const int MaxTypingEntries = 1000;

    /// <summary>When each user's last typing event went out; volatile on purpose (typing is never stored).</summary>
    private readonly Dictionary<Guid, DateTimeOffset> typing = [];

    private SocialStore? social;

    private SocialStore Social => social ??= ServiceProvider.GetRequiredService<SocialStore>();

    public async Task<ReactionDto> AddReaction(Guid actorId, Guid messageId, string emoji)
    {
        (emoji, var custom) = EmojiRules.Reaction(emoji);
        var access = await AccessAsync(actorId);
        Require(access, Permissions.ReadMessageHistory);
        await RequireMessageAsync(messageId);
        var (distinct, exists) = await Social.EmojiOnMessageAsync(messageId, emoji);
        if (!exists)
        {
            // Joining an existing reaction needs only history; a new emoji needs ADD_REACTIONS, and a
            // guild emoji that this guild has now.
            Require(access, Permissions.AddReactions);
            if (custom is { } emojiId && !await GrainFactory.GetGrain<IGuildGrain>(guildId).HasEmoji(emojiId))
            {
                throw new DomainException(ErrorCodes.EmojiNotFound, "emoji: no such emoji in this guild.");
            }

            if (distinct >= SocialRules.MaxDistinctReactions)
            {
                throw new DomainException(ErrorCodes.TooManyReactions, $"emoji: a message has at most {SocialRules.MaxDistinctReactions} different reactions.");
            }
        }

        var (changed, count) = await Social.SetReactionAsync(ChannelId, messageId, emoji, actorId, present: true, time.GetUtcNow());
        if (changed)
        {
            Relay("reaction:add", new { guildId, channelId = ChannelId, messageId, emoji, userId = actorId, count });
        }

        return new ReactionDto(emoji, count, true);
    }

    public async Task<ReactionDto> RemoveReaction(Guid actorId, Guid messageId, string emoji)
    {
        (emoji, _) = EmojiRules.Reaction(emoji);
        await AccessAsync(actorId);
        await RequireMessageAsync(messageId);
        var (changed, count) = await Social.SetReactionAsync(ChannelId, messageId, emoji, actorId, present: false, time.GetUtcNow());
        if (changed)
        {
            Relay("reaction:remove", new { guildId, channelId = ChannelId, messageId, emoji, userId = actorId, count });
        }

        return new ReactionDto(emoji, count, false);
    }

    public async Task Pin(Guid actorId, Guid messageId)
    {
        var access = await AccessAsync(actorId);
        RequirePinning(access);
        var message = await RequireMessageAsync(messageId);
        var pins = await Social.PinsAsync(ChannelId);
        if (pins.Any(p => p.MessageId == messageId))
        {
            return;
        }

        if (pins.Count >= SocialRules.MaxPins)
        {
            throw new DomainException(ErrorCodes.TooManyPins, $"A channel has at most {SocialRules.MaxPins} pinned messages.");
        }

        var now = time.GetUtcNow();
        if (await Social.PinAsync(ChannelId, messageId, actorId, now))
        {
            Relay("pin:add", new { guildId, channelId = ChannelId, pin = new PinDto(message, actorId, now) });
        }
    }

    public async Task Unpin(Guid actorId, Guid messageId)
    {
        var access = await AccessAsync(actorId);
        RequirePinning(access);
        if (await Social.UnpinAsync(ChannelId, messageId))
        {
            Relay("pin:remove", new { guildId, channelId = ChannelId, messageId });
        }
    }

    public async Task<IReadOnlyList<PinDto>> GetPins(Guid actorId)
    {
        var access = await AccessAsync(actorId);
        Require(access, Permissions.ReadMessageHistory);
        var pins = await Social.PinsAsync(ChannelId);
        var messages = (await Social.WithReactionsAsync(await store.GetManyAsync(ChannelId, pins.Select(p => p.MessageId).ToList()), actorId)).ToDictionary(m => m.Id);
        return [.. pins.Where(p => messages.ContainsKey(p.MessageId)).Select(p => new PinDto(messages[p.MessageId], p.PinnedBy, p.PinnedAt))];
    }

    public async Task StartTyping(Guid actorId)
    {
        var now = time.GetUtcNow();
        if (typing.TryGetValue(actorId, out var last) && now - last < SocialRules.TypingThrottle)
        {
            return; // Throttled before any other work: spam costs one dictionary lookup.
        }

        var access = await AccessAsync(actorId);
        if (access.Type != ChannelType.Text)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "channelId: typing happens in text channels.");
        }

        Require(access, Permissions.SendMessages);
        now = time.GetUtcNow();
        if (typing.TryGetValue(actorId, out last) && now - last < SocialRules.TypingThrottle)
        {
            return;
        }

        if (typing.Count >= MaxTypingEntries)
        {
            foreach (var stale in typing.Where(t => now - t.Value >= SocialRules.TypingThrottle).Select(t => t.Key).ToList())
            {
                typing.Remove(stale);
            }
        }

        typing[actorId] = now;
        var user = await AuthorAsync(actorId);
        Relay("typing:start", new { guildId, channelId = ChannelId, user, at = now });
    }

    public async Task<ReadMarker> GetReadMarker(Guid actorId, Guid messageId)
    {
        await AccessAsync(actorId);
        var seq = await Social.SeqOfAsync(ChannelId, messageId) ?? throw new DomainException(ErrorCodes.MessageNotFound, "messageId: no such message in this channel.");
        return new ReadMarker(guildId, ChannelId, messageId, seq, thread?.ParentId);
    }

    public async Task<ReadMarker> GetUnreadMarker(Guid actorId, Guid messageId)
    {
        await AccessAsync(actorId);
        var message = await RequireMessageAsync(messageId);
        return await Social.PreviousAsync(ChannelId, message.Seq) is var (id, seq)
            ? new ReadMarker(guildId, ChannelId, id, seq, thread?.ParentId)
            : new ReadMarker(guildId, ChannelId, Guid.Empty, 0, thread?.ParentId);
    }

    private async Task<MessageDto> RequireMessageAsync(Guid messageId) =>
        await store.GetAsync(ChannelId, messageId) ?? throw new DomainException(ErrorCodes.MessageNotFound, "No such message.");

    private static void RequirePinning(ChannelAccess access)
    {
        if (!Has(access, Permissions.PinMessages))
        {
            Require(access, Permissions.ManageMessages);
        }
    }

    /// <summary>
    /// One event per message that mentions anyone; each Api node narrows it to the local members it
    /// concerns (named, holding a named role, everyone, or present for <c>@here</c>) who can view the
    /// channel. After an edit, <paramref name="before"/> is what the message mentioned until then:
    /// nobody it already concerned is told again.
    /// </summary>
    private void RelayMentions(MessageDto message, MessageMentions mentions, MessageMentions? before)
    {
        var adds = before is null
            ? mentions.Everyone || mentions.Users.Count > 0 || mentions.Roles.Count > 0 || mentions.HereUsers.Count > 0
            : (mentions.Everyone && !before.Everyone)
              || mentions.Users.Concat(mentions.HereUsers).Any(u => !before.Everyone && !before.Users.Contains(u) && !before.HereUsers.Contains(u))
              || mentions.Roles.Any(r => !before.Everyone && !before.Roles.Contains(r));
        if (!adds)
        {
            return;
        }

        Relay("mention:create", new
        {
            guildId,
            channelId = ChannelId,
            messageId = message.Id,
            authorId = message.Author.Id,
            users = mentions.Users,
            here = mentions.HereUsers,
            roles = mentions.Roles,
            everyone = mentions.Everyone,
            before = before is null ? null : new { users = before.Users, here = before.HereUsers, roles = before.Roles, everyone = before.Everyone },
        });
    }

    /// <summary>
    /// Resolves <c>@here</c> to the members whose visible presence is online, idle or dnd (invisible
    /// and offline members are left out); who may view the channel is checked where it is delivered
    /// and counted. An edit keeps the audience of an <c>@here</c> the message already had.
    /// </summary>
    private async Task<MessageMentions> WithHereUsersAsync(MessageMentions mentions, MessageMentions? before)
    {
        if (!mentions.Here || mentions.Everyone)
        {
            return mentions.HereUsers.Count == 0 ? mentions : mentions with { HereUsers = [] };
        }

        if (before is { Here: true })
        {
            return mentions with { HereUsers = before.HereUsers };
        }

        var present = await GrainFactory.GetGrain<IGuildPresenceGrain>(guildId).GetPresences();
        return mentions with
        {
            HereUsers = [.. present.Where(p => p.Status is PresenceStatus.Online or PresenceStatus.Idle or PresenceStatus.Dnd).Select(p => p.UserId)],
        };
    }
}
