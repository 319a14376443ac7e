using Microsoft.Extensions.Logging;

namespace LesCopains.Grains.Voice;

/// <summary>
/// The cluster's SFU workers (volatile: workers re-register with their next heartbeat). A worker
/// silent for longer than <see cref="VoiceSettings.WorkerTimeout"/>, or one that comes back with a
/// new boot id (its Janus state is gone), is dead: each of its rooms is told to move.
/// </summary>
public sealed partial class SfuDirectoryGrain(VoiceSettings settings, TimeProvider time, ILogger<SfuDirectoryGrain> logger) : Grain, ISfuDirectoryGrain
{
    private sealed class Worker(SfuWorkerReport report, DateTimeOffset seen)
    {
        public SfuWorkerReport Report { get; set; } = report;

        public DateTimeOffset LastSeen { get; set; } = seen;

        public bool Healthy { get; set; } = true;

        public HashSet<Guid> Rooms { get; } = [];
    }

    private readonly Dictionary<string, Worker> workers = [];
    private readonly Dictionary<Guid, string> rooms = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(250).Ticks, settings.WorkerTimeout.Ticks / 5));
        this.RegisterGrainTimer(CheckWorkers, new GrainTimerCreationOptions(period, period) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public Task Heartbeat(SfuWorkerReport report)
    {
        var now = time.GetUtcNow();
        if (!workers.TryGetValue(report.WorkerId, out var worker))
        {
            workers[report.WorkerId] = new Worker(report, now);
            LogRegistered(report.WorkerId, report.Url);
            return Task.CompletedTask;
        }

        if (worker.Report.BootId != report.BootId || !worker.Healthy)
        {
            // Restarted (or back after being declared dead): whatever it hosted is gone.
            Fail(worker, worker.Healthy ? "restarted" : "returned");
        }

        worker.Report = report;
        worker.LastSeen = now;
        worker.Healthy = true;
        return Task.CompletedTask;
    }

    public Task<SfuWorkerInfo> AssignRoom(Guid channelId)
    {
        if (rooms.TryGetValue(channelId, out var current) && workers.TryGetValue(current, out var assigned) && assigned.Healthy)
        {
            return Task.FromResult(Info(assigned));
        }

        rooms.Remove(channelId);
        var chosen = workers.Values
            .Where(w => w.Healthy && w.Report.Participants < w.Report.MaxParticipants)
            .OrderBy(w => Math.Max(w.Rooms.Count, w.Report.Rooms))
            .ThenBy(w => w.Report.Participants)
            .ThenBy(w => w.Report.WorkerId, StringComparer.Ordinal)
            .FirstOrDefault()
            ?? throw new DomainException(ErrorCodes.VoiceUnavailable, "No voice server is available right now; retry in a few seconds.");
        chosen.Rooms.Add(channelId);
        rooms[channelId] = chosen.Report.WorkerId;
        return Task.FromResult(Info(chosen));
    }

    public Task ReleaseRoom(Guid channelId, string workerId)
    {
        if (rooms.TryGetValue(channelId, out var current) && current == workerId)
        {
            rooms.Remove(channelId);
        }

        if (workers.TryGetValue(workerId, out var worker))
        {
            worker.Rooms.Remove(channelId);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SfuWorkerStatus>> GetWorkers() =>
        Task.FromResult<IReadOnlyList<SfuWorkerStatus>>(workers.Values
            .OrderBy(w => w.Report.WorkerId, StringComparer.Ordinal)
            .Select(w => new SfuWorkerStatus(w.Report.WorkerId, w.Report.Url, w.Healthy, w.LastSeen, w.Report.Rooms, w.Report.Participants, w.Report.Streams, w.Rooms.ToList()))
            .ToList());

    private Task CheckWorkers()
    {
        var now = time.GetUtcNow();
        foreach (var worker in workers.Values.Where(w => w.Healthy && now - w.LastSeen > settings.WorkerTimeout).ToList())
        {
            worker.Healthy = false;
            Fail(worker, "missed heartbeats");
        }

        // Forget workers silent for long (scaled down, renamed).
        foreach (var id in workers.Where(w => now - w.Value.LastSeen > settings.WorkerTimeout * 20).Select(w => w.Key).ToList())
        {
            workers.Remove(id);
        }

        return Task.CompletedTask;
    }

    private void Fail(Worker worker, string reason)
    {
        var moved = worker.Rooms.ToList();
        LogFailed(worker.Report.WorkerId, reason, moved.Count);
        worker.Rooms.Clear();
        foreach (var channelId in moved)
        {
            rooms.Remove(channelId);
            GrainFactory.GetGrain<IVoiceRoomGrain>(channelId).WorkerFailed(worker.Report.WorkerId).Ignore();
        }
    }

    private static SfuWorkerInfo Info(Worker worker) => new(worker.Report.WorkerId, worker.Report.Url, worker.Report.BootId);

    [LoggerMessage(Level = LogLevel.Information, Message = "SFU worker {WorkerId} registered at {Url}")]
    private partial void LogRegistered(string workerId, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SFU worker {WorkerId} is dead ({Reason}); moving its {Rooms} rooms")]
    private partial void LogFailed(string workerId, string reason, int rooms);
}
