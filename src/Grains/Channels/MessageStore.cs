using LesCopains.Grains.Channels;
using Npgsql;
using NpgsqlTypes;

namespace LesCopains.Grains.Channels;

/// <summary>The <c>channels</c> directory and the <c>messages</c> table (reads, edits, deletes; inserts go through <see cref="MessageWriter"/>).</summary>
public sealed class MessageStore(NpgsqlDataSource dataSource)
{
    private const string Select =
        """
        SELECT m.id, m.guild_id, m.channel_id, m.seq, m.author_id, a.username, a.display_name, m.content, m.nonce, m.reply_to, m.created_at, m.edited_at, m.has_attachments,
               m.mention_ids, m.mention_role_ids, m.mention_everyone, m.mention_here
          FROM messages m JOIN accounts a ON a.id = m.author_id
        """;

    /// <summary>Marks a row as having files until they are loaded.</summary>
    private static readonly IReadOnlyList<AttachmentDto> HasFiles = [new(Guid.Empty, "", "", 0, null, null)];

    public async Task AddChannelAsync(Guid channelId, Guid guildId, int type)
    {
        await using var command = dataSource.CreateCommand("INSERT INTO channels (id, guild_id, type) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING");
        command.Parameters.AddWithValue(channelId);
        command.Parameters.AddWithValue(guildId);
        command.Parameters.AddWithValue((short)type);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Removes the channel, its messages, their reactions and the channel's pins, and its threads with
    /// theirs. Attachment rows stay for the Api's sweeper, which removes them with their bytes once
    /// nothing else shares those.
    /// </summary>
    public async Task DeleteChannelAsync(Guid channelId)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM reactions WHERE channel_id = $1 OR channel_id IN (SELECT id FROM threads WHERE parent_id = $1)") { Parameters = { new() { Value = channelId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM pins WHERE channel_id = $1 OR channel_id IN (SELECT id FROM threads WHERE parent_id = $1)") { Parameters = { new() { Value = channelId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM messages WHERE channel_id IN (SELECT id FROM threads WHERE parent_id = $1)") { Parameters = { new() { Value = channelId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM channels WHERE id IN (SELECT id FROM threads WHERE parent_id = $1)") { Parameters = { new() { Value = channelId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM threads WHERE parent_id = $1") { Parameters = { new() { Value = channelId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM messages WHERE channel_id = $1") { Parameters = { new() { Value = channelId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM channels WHERE id = $1") { Parameters = { new() { Value = channelId } } });
        await batch.ExecuteNonQueryAsync();
    }

    public async Task<Guid?> GuildOfAsync(Guid channelId)
    {
        await using var command = dataSource.CreateCommand("SELECT guild_id FROM channels WHERE id = $1");
        command.Parameters.AddWithValue(channelId);
        return await command.ExecuteScalarAsync() is Guid id ? id : null;
    }

    /// <summary>The channel's last sequence number and that message's id (0 and an empty id when it has none).</summary>
    public async Task<(long Seq, Guid Id)> LastAsync(Guid channelId)
    {
        await using var command = dataSource.CreateCommand("SELECT seq, id FROM messages WHERE channel_id = $1 ORDER BY seq DESC LIMIT 1");
        command.Parameters.AddWithValue(channelId);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt64(0), reader.GetGuid(1)) : (0, Guid.Empty);
    }

    public async Task<MessageDto?> GetAsync(Guid channelId, Guid messageId)
    {
        await using var command = dataSource.CreateCommand($"{Select} WHERE m.channel_id = $1 AND m.id = $2 AND m.deleted_at IS NULL");
        command.Parameters.AddWithValue(channelId);
        command.Parameters.AddWithValue(messageId);
        var list = await ReadAsync(command);
        return list.Count == 0 ? null : list[0];
    }

    /// <summary>The live messages among <paramref name="messageIds"/>, in id order.</summary>
    public async Task<IReadOnlyList<MessageDto>> GetManyAsync(Guid channelId, IReadOnlyList<Guid> messageIds)
    {
        await using var command = dataSource.CreateCommand($"{Select} WHERE m.channel_id = $1 AND m.id = ANY($2) AND m.deleted_at IS NULL ORDER BY m.id");
        command.Parameters.AddWithValue(channelId);
        command.Parameters.AddWithValue(messageIds.ToArray());
        return await ReadAsync(command);
    }

    /// <summary>The live messages among <paramref name="messageIds"/>, whatever their channel (callers checked access), in id order.</summary>
    public async Task<IReadOnlyList<MessageDto>> GetByIdsAsync(IReadOnlyList<Guid> messageIds)
    {
        await using var command = dataSource.CreateCommand($"{Select} WHERE m.id = ANY($1) AND m.deleted_at IS NULL ORDER BY m.id");
        command.Parameters.AddWithValue(messageIds.ToArray());
        return await ReadAsync(command);
    }

    public async Task<MessageDto?> FindByNonceAsync(Guid channelId, Guid authorId, string nonce)
    {
        await using var command = dataSource.CreateCommand($"{Select} WHERE m.channel_id = $1 AND m.author_id = $2 AND m.nonce = $3");
        command.Parameters.AddWithValue(channelId);
        command.Parameters.AddWithValue(authorId);
        command.Parameters.AddWithValue(nonce);
        var list = await ReadAsync(command);
        return list.Count == 0 ? null : list[0];
    }

    /// <summary>A page of history, oldest first.</summary>
    public async Task<IReadOnlyList<MessageDto>> PageAsync(Guid channelId, HistoryQuery query)
    {
        if (query.Around is { } around)
        {
            var half = Math.Max(1, query.Limit / 2);
            var older = await PageAsync(channelId, query with { Around = null, Before = around, Limit = half });
            await using var command = dataSource.CreateCommand($"{Select} WHERE m.channel_id = $1 AND m.deleted_at IS NULL AND m.id >= $2 ORDER BY m.id LIMIT $3");
            command.Parameters.AddWithValue(channelId);
            command.Parameters.AddWithValue(around);
            command.Parameters.AddWithValue(query.Limit - older.Count);
            return [.. older, .. await ReadAsync(command)];
        }

        if (query.After is { } after)
        {
            await using var command = dataSource.CreateCommand($"{Select} WHERE m.channel_id = $1 AND m.deleted_at IS NULL AND m.id > $2 ORDER BY m.id LIMIT $3");
            command.Parameters.AddWithValue(channelId);
            command.Parameters.AddWithValue(after);
            command.Parameters.AddWithValue(query.Limit);
            return await ReadAsync(command);
        }

        await using (var command = dataSource.CreateCommand(
            $"{Select} WHERE m.channel_id = $1 AND m.deleted_at IS NULL AND ($2::uuid IS NULL OR m.id < $2) ORDER BY m.id DESC LIMIT $3"))
        {
            command.Parameters.AddWithValue(channelId);
            command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)query.Before ?? DBNull.Value);
            command.Parameters.AddWithValue(query.Limit);
            var page = await ReadAsync(command);
            page.Reverse();
            return page;
        }
    }

    public async Task<bool> EditAsync(Guid channelId, Guid messageId, string content, DateTimeOffset now, MessageMentions mentions)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE messages SET content = $3, edited_at = $4, mention_ids = $5, mention_role_ids = $6, mention_everyone = $7,
                   mention_here = $8, mention_here_ids = $9
             WHERE channel_id = $1 AND id = $2 AND deleted_at IS NULL
            """);
        command.Parameters.AddWithValue(channelId);
        command.Parameters.AddWithValue(messageId);
        command.Parameters.AddWithValue(content);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(mentions.Users.ToArray());
        command.Parameters.AddWithValue(mentions.Roles.ToArray());
        command.Parameters.AddWithValue(mentions.Everyone);
        command.Parameters.AddWithValue(mentions.Here);
        command.Parameters.AddWithValue(mentions.HereUsers.ToArray());
        return await command.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>Whom the message's <c>@here</c> reached when it was sent.</summary>
    public async Task<IReadOnlyList<Guid>> HereUsersAsync(Guid channelId, Guid messageId)
    {
        await using var command = dataSource.CreateCommand("SELECT mention_here_ids FROM messages WHERE channel_id = $1 AND id = $2");
        command.Parameters.AddWithValue(channelId);
        command.Parameters.AddWithValue(messageId);
        return await command.ExecuteScalarAsync() is Guid[] ids ? ids : [];
    }

    public async Task<bool> DeleteAsync(Guid channelId, Guid messageId, DateTimeOffset now)
    {
        // The text is wiped, not only hidden: a deleted message is gone for readers and for search.
        await using var command = dataSource.CreateCommand("UPDATE messages SET deleted_at = $3, content = '' WHERE channel_id = $1 AND id = $2 AND deleted_at IS NULL");
        command.Parameters.AddWithValue(channelId);
        command.Parameters.AddWithValue(messageId);
        command.Parameters.AddWithValue(now);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>Deletes (and wipes) a user's messages in a guild newer than <paramref name="since"/>; returns (channel, id) pairs.</summary>
    public async Task<IReadOnlyList<(Guid ChannelId, Guid Id)>> DeleteRecentByAuthorAsync(Guid guildId, Guid authorId, DateTimeOffset since, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE messages SET deleted_at = $4, content = ''
             WHERE guild_id = $1 AND author_id = $2 AND created_at >= $3 AND deleted_at IS NULL
            RETURNING channel_id, id
            """);
        command.Parameters.AddWithValue(guildId);
        command.Parameters.AddWithValue(authorId);
        command.Parameters.AddWithValue(since);
        command.Parameters.AddWithValue(now);
        var deleted = new List<(Guid, Guid)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            deleted.Add((reader.GetGuid(0), reader.GetGuid(1)));
        }

        return deleted;
    }

    /// <summary>
    /// The author's pending uploads in this channel among <paramref name="ids"/> (unknown, foreign,
    /// or already sent ones are left out), in the order given.
    /// </summary>
    public async Task<IReadOnlyList<AttachmentDto>> PendingAttachmentsAsync(Guid channelId, Guid uploaderId, IReadOnlyList<Guid> ids)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, filename, content_type, size, width, height FROM attachments
             WHERE id = ANY($1) AND channel_id = $2 AND uploader_id = $3 AND message_id IS NULL
            """);
        command.Parameters.AddWithValue(ids.ToArray());
        command.Parameters.AddWithValue(channelId);
        command.Parameters.AddWithValue(uploaderId);
        var found = new Dictionary<Guid, AttachmentDto>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var attachment = ReadAttachment(reader, 0);
            found[attachment.Id] = attachment;
        }

        return [.. ids.Where(found.ContainsKey).Select(id => found[id])];
    }

    private static AttachmentDto ReadAttachment(NpgsqlDataReader reader, int at) => new(
        reader.GetGuid(at),
        reader.GetString(at + 1),
        reader.GetString(at + 2),
        reader.GetInt64(at + 3),
        reader.IsDBNull(at + 4) ? null : reader.GetInt32(at + 4),
        reader.IsDBNull(at + 5) ? null : reader.GetInt32(at + 5));

    private async Task<List<MessageDto>> ReadAsync(NpgsqlCommand command)
    {
        var list = await ReadRowsAsync(command);
        var withFiles = list.Where(m => m.Attachments.Count > 0).Select(m => m.Id).ToArray();
        if (withFiles.Length == 0)
        {
            return list;
        }

        await using var files = dataSource.CreateCommand(
            """
            SELECT message_id, id, filename, content_type, size, width, height FROM attachments
             WHERE message_id = ANY($1) ORDER BY message_id, position
            """);
        files.Parameters.AddWithValue(withFiles);
        var byMessage = new Dictionary<Guid, List<AttachmentDto>>();
        await using (var reader = await files.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var messageId = reader.GetGuid(0);
                if (!byMessage.TryGetValue(messageId, out var attachments))
                {
                    byMessage[messageId] = attachments = [];
                }

                attachments.Add(ReadAttachment(reader, 1));
            }
        }

        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Attachments.Count > 0)
            {
                list[i] = list[i] with { Attachments = byMessage.TryGetValue(list[i].Id, out var attachments) ? attachments : [] };
            }
        }

        return list;
    }

    /// <summary>Rows as read; a message flagged with files gets a placeholder list that <see cref="ReadAsync"/> fills.</summary>
    private static async Task<List<MessageDto>> ReadRowsAsync(NpgsqlCommand command)
    {
        var list = new List<MessageDto>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add(new MessageDto(
                reader.GetGuid(0),
                reader.GetGuid(1),
                reader.GetGuid(2),
                reader.GetInt64(3),
                new MessageAuthorDto(reader.GetGuid(4), reader.GetString(5), reader.GetString(6)),
                reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetGuid(9),
                reader.GetFieldValue<DateTimeOffset>(10),
                reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
                reader.GetFieldValue<Guid[]>(13),
                reader.GetFieldValue<Guid[]>(14),
                reader.GetBoolean(15),
                [])
            {
                Attachments = reader.GetBoolean(12) ? HasFiles : [],
                MentionHere = reader.GetBoolean(16),
            });
        }

        return list;
    }
}
