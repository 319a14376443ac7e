using Orleans.Concurrency;

namespace LesCopains.Grains.Voice;

/// <summary>A worker's heartbeat: who it is, where the grains reach it, and its load.</summary>
[GenerateSerializer, Immutable, Alias("lc.SfuWorkerReport")]
public sealed record SfuWorkerReport(
    [property: Id(0)] string WorkerId,
    [property: Id(1)] string Url,
    [property: Id(2)] string BootId,
    [property: Id(3)] int Rooms,
    [property: Id(4)] int Participants,
    [property: Id(5)] int Streams,
    [property: Id(6)] int MaxParticipants);

/// <summary>A worker as the directory sees it.</summary>
[GenerateSerializer, Immutable, Alias("lc.SfuWorkerStatus")]
public sealed record SfuWorkerStatus(
    [property: Id(0)] string WorkerId,
    [property: Id(1)] string Url,
    [property: Id(2)] bool Healthy,
    [property: Id(3)] DateTimeOffset LastHeartbeat,
    [property: Id(4)] int Rooms,
    [property: Id(5)] int Participants,
    [property: Id(6)] int Streams,
    [property: Id(7)] IReadOnlyList<Guid> AssignedRooms);

/// <summary>Where the grains reach a worker.</summary>
[GenerateSerializer, Immutable, Alias("lc.SfuWorkerInfo")]
public sealed record SfuWorkerInfo(
    [property: Id(0)] string WorkerId,
    [property: Id(1)] string Url,
    [property: Id(2)] string BootId);

/// <summary>
/// The SFU workers of the cluster (key 0): they register and heartbeat; a room goes to the
/// least-loaded healthy worker; a worker that misses heartbeats (or restarted) is dead and its
/// rooms are told to move. Volatile: workers re-register within one heartbeat after a failover.
/// </summary>
[Alias("lc.ISfuDirectoryGrain")]
public interface ISfuDirectoryGrain : IGrainWithIntegerKey
{
    [Alias("Heartbeat")]
    Task Heartbeat(SfuWorkerReport report);

    /// <summary>The healthy worker hosting <paramref name="channelId"/>'s room, choosing the least-loaded one if none; <c>voice_unavailable</c> when there is none.</summary>
    [Alias("AssignRoom")]
    Task<SfuWorkerInfo> AssignRoom(Guid channelId);

    [Alias("ReleaseRoom")]
    [OneWay]
    Task ReleaseRoom(Guid channelId, string workerId);

    [Alias("GetWorkers")]
    [AlwaysInterleave]
    Task<IReadOnlyList<SfuWorkerStatus>> GetWorkers();
}
