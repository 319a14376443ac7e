using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LesCopains.Grains.Channels;

/// <summary>How often each silo looks for inactive threads (<c>THREAD_ARCHIVE_SWEEP_SECONDS</c>).</summary>
public sealed record ThreadArchiveSettings(TimeSpan SweepInterval)
{
    public static ThreadArchiveSettings Default { get; } = new(TimeSpan.FromSeconds(60));
}

/// <summary>
/// Archives threads that have been inactive longer than their limit. Every silo runs it: a pass
/// archives the due rows of <c>threads</c> in one statement that skips rows another silo holds and
/// never takes an archived row again, so each thread is archived by exactly one silo; that silo
/// then tells the thread's channel grain, which adopts the stored state (refusing sends from then
/// on) and publishes <c>thread:update</c> as for a manual archive.
/// </summary>
public sealed partial class ThreadArchiveSweeper(
    ThreadStore threads,
    IGrainFactory grains,
    ThreadArchiveSettings settings,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<ThreadArchiveSweeper> logger) : BackgroundService
{
    private const int Batch = 500;

    /// <summary>Archives every thread due now and tells their grains; returns how many were archived.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var (examined, archived) = await threads.ArchiveInactiveAsync(time.GetUtcNow(), Batch);
            await Task.WhenAll(archived.Select(TellAsync));
            total += archived.Count;
            if (examined < Batch)
            {
                break;
            }
        }

        if (total > 0)
        {
            LogArchived(total);
        }

        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Grain calls need the silo, which starts after this service and stops before it.
        if (!await StartedAsync(stoppingToken))
        {
            return;
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        using var timer = new PeriodicTimer(settings.SweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping.Token))
            {
                try
                {
                    await SweepAsync(stopping.Token);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    LogSweepFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task TellAsync(Guid threadId)
    {
        try
        {
            await grains.GetGrain<IChannelGrain>(threadId).ThreadAutoArchived();
        }
        catch (Exception ex)
        {
            // The row is archived either way; the grain also checks its own clock before a send.
            LogTellFailed(ex, threadId);
        }
    }

    private async Task<bool> StartedAsync(CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult(true));
        using var onStopped = cancellationToken.Register(() => started.TrySetResult(false));
        return await started.Task;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Archived {Count} inactive threads")]
    private partial void LogArchived(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archiving inactive threads failed; retrying at the next interval")]
    private partial void LogSweepFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Thread {ThreadId} was archived for inactivity but its grain could not be told")]
    private partial void LogTellFailed(Exception exception, Guid threadId);
}
