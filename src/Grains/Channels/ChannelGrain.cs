using System.Text.Json;
using LesCopains.Grains.Guilds;
using LesCopains.Grains.Users;

namespace LesCopains.Grains.Channels;

/// <summary>
/// A text channel. A send is validated and given its id and sequence number synchronously, then
/// handed to the silo's <see cref="MessageWriter"/>; while that commit is in flight the next send
/// proceeds (SendMessage interleaves), and messages are acknowledged as their batch commits and
/// published strictly in sequence order.
/// </summary>
public sealed partial class ChannelGrain(MessageStore store, MessageWriter writer, TimeProvider time) : Grain, IChannelGrain, IChannelSocialGrain
{
    private const int RecentNonces = 2000;

    private readonly Dictionary<(Guid Author, string Nonce), Task<MessageDto>> nonces = [];
    private readonly Queue<(Guid, string)> nonceOrder = new();
    private readonly SortedDictionary<long, MessageDto?> readyToPublish = [];
    private readonly Dictionary<Guid, MessageAuthorDto> authors = [];
    private Guid guildId;
    private long lastSeq;
    private long lastPublished;

    private Guid ChannelId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        guildId = await store.GuildOfAsync(ChannelId) ?? Guid.Empty;
        lastSeq = await store.LastSeqAsync(ChannelId);
        lastPublished = lastSeq;
    }

    public Task<Guid> GetGuildId() =>
        guildId == Guid.Empty ? throw NotFound() : Task.FromResult(guildId);

    public async Task<MessageDto> SendMessage(Guid authorId, string content, string? nonce, Guid? replyTo)
    {
        content = MessageRules.Content(content);
        nonce = MessageRules.Nonce(nonce);
        var access = await AccessAsync(authorId);
        if (access.Type != ChannelType.Text)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "channelId: messages go to text channels.");
        }

        Require(access, Permissions.SendMessages);
        var mentions = MentionParser.Parse(content, Has(access, Permissions.MentionEveryone));
        if (nonce is not null && nonces.TryGetValue((authorId, nonce), out var earlier))
        {
            return await earlier;
        }

        if (replyTo is { } replyId && await store.GetAsync(ChannelId, replyId) is null)
        {
            throw new DomainException(ErrorCodes.MessageNotFound, "replyTo: no such message in this channel.");
        }

        var author = await AuthorAsync(authorId);

        // Synchronous from here to the hand-off: id and sequence follow arrival order.
        var seq = ++lastSeq;
        var row = new MessageWriter.Row(Guid.CreateVersion7(), ChannelId, guildId, seq, authorId, content, nonce, replyTo, time.GetUtcNow()) { Mentions = mentions };
        var message = new MessageDto(row.Id, guildId, ChannelId, seq, author, content, nonce, replyTo, row.CreatedAt, null, mentions.Users, mentions.Roles, mentions.Everyone, []);
        var stored = CommitAsync(row, message);
        if (nonce is null)
        {
            return await stored;
        }

        RememberNonce(authorId, nonce, stored);
        try
        {
            return await stored;
        }
        catch
        {
            // Let a retry with this nonce try again instead of replaying the failure.
            nonces.Remove((authorId, nonce));
            throw;
        }
    }

    public async Task<MessageDto> EditMessage(Guid actorId, Guid messageId, string content)
    {
        content = MessageRules.Content(content);
        var access = await AccessAsync(actorId);
        var message = await store.GetAsync(ChannelId, messageId) ?? throw new DomainException(ErrorCodes.MessageNotFound, "No such message.");
        if (message.Author.Id != actorId)
        {
            throw new DomainException(ErrorCodes.MissingPermission, "Only the author can edit a message.");
        }

        var now = time.GetUtcNow();
        var mentions = MentionParser.Parse(content, Has(access, Permissions.MentionEveryone));
        if (!await store.EditAsync(ChannelId, messageId, content, now, mentions))
        {
            throw new DomainException(ErrorCodes.MessageNotFound, "No such message.");
        }

        // Reactions are not part of an edit: clients keep the ones they have (null = unchanged).
        var edited = message with { Content = content, EditedAt = now, Mentions = mentions.Users, MentionRoles = mentions.Roles, MentionEveryone = mentions.Everyone, Reactions = null };
        Relay("message:update", new { guildId, channelId = ChannelId, message = edited });
        return edited;
    }

    public async Task DeleteMessage(Guid actorId, Guid messageId)
    {
        var access = await AccessAsync(actorId);
        var message = await store.GetAsync(ChannelId, messageId) ?? throw new DomainException(ErrorCodes.MessageNotFound, "No such message.");
        if (message.Author.Id != actorId)
        {
            Require(access, Permissions.ManageMessages);
        }

        if (!await store.DeleteAsync(ChannelId, messageId, time.GetUtcNow()))
        {
            throw new DomainException(ErrorCodes.MessageNotFound, "No such message.");
        }

        Relay("message:delete", new { guildId, channelId = ChannelId, id = messageId });
    }

    public async Task<IReadOnlyList<MessageDto>> GetHistory(Guid actorId, HistoryQuery query)
    {
        var access = await AccessAsync(actorId);
        Require(access, Permissions.ReadMessageHistory);
        if (new[] { query.Before, query.After, query.Around }.Count(x => x is not null) > 1)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "Use at most one of before, after and around.");
        }

        var page = await store.PageAsync(ChannelId, query with { Limit = Math.Clamp(query.Limit, 1, 100) });
        return await WithReactionsAsync(actorId, page);
    }

    private async Task<MessageDto> CommitAsync(MessageWriter.Row row, MessageDto message)
    {
        MessageDto? published = null;
        try
        {
            var outcome = await writer.WriteAsync(row);
            if (outcome == MessageWriter.Outcome.DuplicateNonce)
            {
                // Stored before (e.g. by an activation that crashed after the commit): answer with that row.
                return await store.FindByNonceAsync(ChannelId, row.AuthorId, row.Nonce!)
                    ?? throw new DomainException(ErrorCodes.Internal, "The message could not be stored; retry.");
            }

            published = message;
            return message;
        }
        finally
        {
            // Publish in sequence order; a failed or duplicate send leaves a gap clients can refetch over.
            readyToPublish[row.Seq] = published;
            while (readyToPublish.Remove(lastPublished + 1, out var next))
            {
                lastPublished++;
                if (next is not null)
                {
                    Relay("message:create", new { guildId, channelId = ChannelId, message = next });
                    RelayMentions(next);
                }
            }
        }
    }

    private async Task<ChannelAccess> AccessAsync(Guid userId)
    {
        if (guildId == Guid.Empty)
        {
            throw NotFound();
        }

        return await GrainFactory.GetGrain<IGuildGrain>(guildId).GetChannelAccess(userId, ChannelId);
    }

    private static bool Has(ChannelAccess access, Permissions permission) =>
        access.Permissions.HasFlag(Permissions.Administrator) || access.Permissions.HasFlag(permission);

    private static void Require(ChannelAccess access, Permissions permission)
    {
        if (!Has(access, permission))
        {
            var name = PermissionNames.ByName.FirstOrDefault(p => p.Value == permission).Key ?? permission.ToString();
            throw new DomainException(ErrorCodes.MissingPermission, $"Missing permission: {name}.");
        }
    }

    private async Task<MessageAuthorDto> AuthorAsync(Guid userId)
    {
        if (!authors.TryGetValue(userId, out var author))
        {
            var profile = await GrainFactory.GetGrain<IUserGrain>(userId).GetProfile();
            author = new MessageAuthorDto(userId, profile.Username, profile.DisplayName);
            authors[userId] = author;
        }

        return author;
    }

    private void RememberNonce(Guid authorId, string nonce, Task<MessageDto> stored)
    {
        nonces[(authorId, nonce)] = stored;
        nonceOrder.Enqueue((authorId, nonce));
        while (nonceOrder.Count > RecentNonces)
        {
            nonces.Remove(nonceOrder.Dequeue());
        }
    }

    private void Relay(string type, object payload) =>
        GrainFactory.GetGrain<IGuildGrain>(guildId).Relay(
            new GuildEvent(guildId, type, JsonSerializer.Serialize(payload, JsonSerializerOptions.Web), ChannelId, null, 0)).Ignore();

    private DomainException NotFound() => new(ErrorCodes.ChannelNotFound, "No such channel.");
}
