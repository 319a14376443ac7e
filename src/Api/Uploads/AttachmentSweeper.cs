using Npgsql;

namespace LesCopains.Api.Uploads;

/// <summary>
/// Removes uploads that were never sent with a message once they are older than
/// <see cref="PendingLifetime"/> and the attachments of deleted messages (one by one, purged by a
/// ban, or gone with their channel), and then the bytes no attachment refers to any more: blobs are
/// content-addressed, so bytes another live attachment shares stay. Every Api node runs it; the
/// deletes are idempotent.
/// </summary>
public sealed partial class AttachmentSweeper(NpgsqlDataSource dataSource, IBlobStore blobs, TimeProvider time, ILogger<AttachmentSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan PendingLifetime = TimeSpan.FromHours(24);

    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>
    /// Deletes pending uploads created before <paramref name="pendingBefore"/> and the attachments of
    /// messages that are deleted or gone; deletes their bytes unless still referenced or stored again
    /// since <paramref name="untouchedSince"/> (an upload of the same bytes in flight). Returns how
    /// many blobs were released.
    /// </summary>
    public async Task<int> SweepAsync(DateTimeOffset pendingBefore, DateTimeOffset untouchedSince, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            -- The outer query sees the table as it was before the DELETE: leave the deleted rows out by id.
            WITH gone AS (
                DELETE FROM attachments a
                 WHERE (a.message_id IS NULL AND a.created_at < $1)
                    OR (a.message_id IS NOT NULL
                        AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = a.message_id AND m.deleted_at IS NULL))
                RETURNING id, sha256)
            SELECT DISTINCT g.sha256 FROM gone g
             WHERE NOT EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = g.sha256 AND a.id NOT IN (SELECT id FROM gone))
               AND NOT EXISTS (SELECT 1 FROM dm_attachments d WHERE d.sha256 = g.sha256)
               AND NOT EXISTS (SELECT 1 FROM accounts u WHERE u.avatar = g.sha256)
               AND NOT EXISTS (SELECT 1 FROM guild_icons i WHERE i.icon = g.sha256)
               AND NOT EXISTS (SELECT 1 FROM guild_emojis e WHERE e.image = g.sha256)
            """);
        command.Parameters.AddWithValue(pendingBefore);
        var unreferenced = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                unreferenced.Add(reader.GetString(0));
            }
        }

        foreach (var sha256 in unreferenced)
        {
            blobs.Delete(sha256, untouchedSince);
        }

        return unreferenced.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var now = time.GetUtcNow();
                await SweepAsync(now - PendingLifetime, now - TimeSpan.FromHours(1), stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                LogSweepFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping unsent and deleted uploads failed; retrying at the next interval")]
    private partial void LogSweepFailed(Exception exception);
}
