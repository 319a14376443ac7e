using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace LesCopains.Grains.Channels;

/// <summary>
/// Group commit for message inserts, one per silo: sends queued while a commit is in flight are
/// written together by the next single multi-row INSERT, so durability costs one round trip per
/// batch, not per message. Each caller learns when its row is committed, or that its nonce was
/// already stored.
/// </summary>
public sealed partial class MessageWriter(NpgsqlDataSource dataSource, ILogger<MessageWriter> logger) : BackgroundService
{
    private const int MaxBatch = 1000;

    public enum Outcome
    {
        Inserted,
        DuplicateNonce,
    }

    /// <summary>A message to insert; <paramref name="Attachments"/> are pending uploads claimed in the same statement.</summary>
    public sealed record Row(Guid Id, Guid ChannelId, Guid GuildId, long Seq, Guid AuthorId, string Content, string? Nonce, Guid? ReplyTo, DateTimeOffset CreatedAt, IReadOnlyList<Guid>? Attachments = null)
    {
        public MessageMentions Mentions { get; init; } = MessageMentions.None;

        /// <summary>A poll's row, written by the same statement as its message.</summary>
        public PollRow? Poll { get; init; }
    }

    public sealed record PollRow(string AnswersJson, bool AllowMultiselect, DateTimeOffset ExpiresAt);

    private sealed record Pending(Row Row, TaskCompletionSource<Outcome> Done);

    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    public Task<Outcome> WriteAsync(Row row)
    {
        var done = new TaskCompletionSource<Outcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!queue.Writer.TryWrite(new Pending(row, done)))
        {
            done.SetException(new InvalidOperationException("The message writer is stopped."));
        }

        return done.Task;
    }

    /// <summary>
    /// The writer's own connection, kept open between batches (one batch is in flight at a time):
    /// no pool rent and return per commit. Dropped after a failure and opened again for the next batch.
    /// </summary>
    private NpgsqlConnection? connection;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        while (await queue.Reader.WaitToReadAsync(stoppingToken))
        {
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            try
            {
                connection ??= await dataSource.OpenConnectionAsync(stoppingToken);
                var inserted = await InsertAsync(connection, batch, stoppingToken);
                foreach (var pending in batch)
                {
                    pending.Done.TrySetResult(inserted.Contains(pending.Row.Id) ? Outcome.Inserted : Outcome.DuplicateNonce);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException or InvalidOperationException)
            {
                LogBatchFailed(ex, batch.Count);
                await DropConnectionAsync();
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(new DomainException(ErrorCodes.Internal, "The message could not be stored; retry with the same nonce."));
                }
            }

            batch.Clear();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await DropConnectionAsync();
    }

    private async Task DropConnectionAsync()
    {
        if (connection is { } c)
        {
            connection = null;
            await c.DisposeAsync();
        }
    }

    private static async Task<HashSet<Guid>> InsertAsync(NpgsqlConnection connection, List<Pending> batch, CancellationToken cancellationToken)
    {
        var rows = batch.Select(p => p.Row).ToList();
        await using var command = new NpgsqlCommand(
            """
            WITH inserted AS (
                INSERT INTO messages (id, channel_id, guild_id, seq, author_id, content, nonce, reply_to, created_at, has_attachments, mention_ids, mention_role_ids, mention_everyone, mention_here, mention_here_ids)
                SELECT id, channel_id, guild_id, seq, author_id, content, nonce, reply_to, created_at, has_attachments, mention_ids::uuid[], mention_role_ids::uuid[], mention_everyone, mention_here, mention_here_ids::uuid[]
                  FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[], $5::uuid[], $6::text[], $7::text[], $8::uuid[], $9::timestamptz[], $10::boolean[], $11::text[], $12::text[], $13::boolean[], $17::boolean[], $18::text[])
                    AS t(id, channel_id, guild_id, seq, author_id, content, nonce, reply_to, created_at, has_attachments, mention_ids, mention_role_ids, mention_everyone, mention_here, mention_here_ids)
                ON CONFLICT DO NOTHING
                RETURNING id),
            claimed AS (
                UPDATE attachments a SET message_id = x.message_id, position = x.position
                  FROM unnest($14::uuid[], $15::uuid[], $16::smallint[]) AS x (id, message_id, position)
                 WHERE a.id = x.id AND a.message_id IS NULL AND x.message_id IN (SELECT id FROM inserted)
                RETURNING a.id),
            polled AS (
                INSERT INTO polls (message_id, answers, allow_multiselect, expires_at)
                SELECT p.message_id, p.answers, p.allow_multiselect, p.expires_at
                  FROM unnest($19::uuid[], $20::jsonb[], $21::boolean[], $22::timestamptz[]) AS p (message_id, answers, allow_multiselect, expires_at)
                 WHERE p.message_id IN (SELECT id FROM inserted)
                RETURNING message_id)
            SELECT id FROM inserted
            """, connection);
        command.Parameters.AddWithValue(rows.Select(r => r.Id).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.ChannelId).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.GuildId).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Seq).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.AuthorId).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Content).ToArray());
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = rows.Select(r => (object?)r.Nonce ?? DBNull.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, Value = rows.Select(r => r.ReplyTo is { } g ? (object)g : DBNull.Value).ToArray() });
        command.Parameters.AddWithValue(rows.Select(r => r.CreatedAt).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Attachments is { Count: > 0 }).ToArray());

        // uuid[] per row travels as an array literal: unnest cannot split a two-dimensional array into rows of arrays.
        command.Parameters.AddWithValue(rows.Select(r => ArrayLiteral(r.Mentions.Users)).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => ArrayLiteral(r.Mentions.Roles)).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Mentions.Everyone).ToArray());
        var claims = rows.SelectMany(r => (r.Attachments ?? []).Select((id, i) => (Id: id, MessageId: r.Id, Position: (short)i))).ToList();
        command.Parameters.AddWithValue(claims.Select(c => c.Id).ToArray());
        command.Parameters.AddWithValue(claims.Select(c => c.MessageId).ToArray());
        command.Parameters.AddWithValue(claims.Select(c => c.Position).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Mentions.Here).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => ArrayLiteral(r.Mentions.HereUsers)).ToArray());
        var polls = rows.Where(r => r.Poll is not null).ToList();
        command.Parameters.AddWithValue(polls.Select(r => r.Id).ToArray());
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb, Value = polls.Select(r => r.Poll!.AnswersJson).ToArray() });
        command.Parameters.AddWithValue(polls.Select(r => r.Poll!.AllowMultiselect).ToArray());
        command.Parameters.AddWithValue(polls.Select(r => r.Poll!.ExpiresAt).ToArray());
        var inserted = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            inserted.Add(reader.GetGuid(0));
        }

        return inserted;
    }

    private static string ArrayLiteral(IReadOnlyList<Guid> ids) => "{" + string.Join(',', ids) + "}";

    [LoggerMessage(Level = LogLevel.Error, Message = "A batch of {Count} messages could not be committed")]
    private partial void LogBatchFailed(Exception exception, int count);
}
