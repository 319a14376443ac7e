using Orleans.Concurrency;

namespace LesCopains.Grains.Presence;

/// <summary>
/// A user's presence (architecture "Presence"): the status they chose (persisted) and the leases of
/// their live connections on every Api node (volatile). The user is offline when no lease is alive.
/// </summary>
[Alias("lc.IPresenceGrain")]
public interface IPresenceGrain : IGrainWithGuidKey
{
    /// <summary>Registers a new connection's lease, valid for <paramref name="ttl"/> unless renewed.</summary>
    [Alias("Connect")]
    Task<PresenceView> Connect(string nodeId, PresenceLease lease, TimeSpan ttl);

    /// <summary>Drops a connection's lease (the connection closed).</summary>
    [Alias("Disconnect")]
    Task Disconnect(string connectionId);

    /// <summary>Extends (or re-creates, after a silo restart) the leases of one Api node's connections.</summary>
    [Alias("Renew")]
    Task Renew(string nodeId, IReadOnlyList<PresenceLease> leases, TimeSpan ttl);

    /// <summary>The client's automatic idle detection for one connection.</summary>
    [Alias("SetActivity")]
    Task<PresenceView> SetActivity(string connectionId, ClientActivity activity);

    /// <summary>The status the user chose (online, idle, dnd or invisible); kept across sessions.</summary>
    [Alias("SetStatus")]
    Task<PresenceView> SetStatus(PresenceStatus chosen);

    [Alias("Get")]
    [AlwaysInterleave]
    Task<PresenceView> Get();

    /// <summary>
    /// Sets (checked by <see cref="CustomStatus.Create"/>) or with null clears the user's custom status;
    /// kept across sessions, shown in their guilds while they appear online.
    /// </summary>
    [Alias("SetCustomStatus")]
    Task<PresenceView> SetCustomStatus(CustomStatus? requested);

    /// <summary>Sends the visible status to every guild of the user again (after joining one).</summary>
    [Alias("Announce")]
    Task Announce();
}

/// <summary>Renews a whole Api node's leases in one call; fans out to the users' presence grains inside the cluster.</summary>
[Alias("lc.IPresenceRenewalGrain")]
public interface IPresenceRenewalGrain : IGrainWithIntegerKey
{
    [Alias("Renew")]
    Task Renew(string nodeId, TimeSpan ttl, IReadOnlyList<PresenceRenewal> users);
}

/// <summary>
/// The visible presence of one guild's non-offline members, with changes coalesced into at most one
/// <c>presence:update</c> batch per <see cref="FlushInterval"/>, relayed once per Api node.
/// </summary>
[Alias("lc.IGuildPresenceGrain")]
public interface IGuildPresenceGrain : IGrainWithGuidKey
{
    /// <summary>
    /// A member's visible status and custom status (shown only while not offline); an entry not
    /// refreshed within <paramref name="validFor"/> turns offline.
    /// </summary>
    [Alias("UpdateWithCustomStatus")]
    [OneWay]
    Task Update(Guid userId, PresenceStatus visible, TimeSpan validFor, CustomStatus? custom);

    /// <summary>Every member that is not offline (bounded by the online members, not the guild size).</summary>
    [Alias("GetPresences")]
    [AlwaysInterleave]
    Task<IReadOnlyList<MemberPresence>> GetPresences();

    static TimeSpan FlushInterval => TimeSpan.FromSeconds(1);
}

public enum PresenceStatus
{
    Offline = 0,
    Online = 1,
    Idle = 2,
    Dnd = 3,
    Invisible = 4,
}

public enum ClientActivity
{
    Active = 0,
    Idle = 1,
}

[GenerateSerializer, Immutable, Alias("lc.PresenceLease")]
public sealed record PresenceLease(
    [property: Id(0)] string ConnectionId,
    [property: Id(1)] ClientActivity Activity);

[GenerateSerializer, Immutable, Alias("lc.PresenceRenewal")]
public sealed record PresenceRenewal(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] IReadOnlyList<PresenceLease> Leases);

/// <summary>
/// <see cref="Status"/> as the user sees themselves (may be <c>Invisible</c>), <see cref="Chosen"/> the
/// preference, <see cref="Visible"/> as others see them (never <c>Invisible</c>).
/// </summary>
[GenerateSerializer, Immutable, Alias("lc.PresenceView")]
public sealed record PresenceView(
    [property: Id(0)] PresenceStatus Status,
    [property: Id(1)] PresenceStatus Chosen,
    [property: Id(2)] PresenceStatus Visible,
    [property: Id(3)] int Connections,
    [property: Id(4)] CustomStatus? Custom = null);

[GenerateSerializer, Immutable, Alias("lc.MemberPresence")]
public sealed record MemberPresence(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] PresenceStatus Status,
    [property: Id(2)] CustomStatus? Custom = null);

/// <summary>The aggregation rules, shared by the grain and its tests.</summary>
public static class PresenceRules
{
    public const string UpdateEvent = "presence:update";

    /// <summary>
    /// No live connection: offline. Otherwise the chosen status wins (invisible, dnd, idle), except
    /// <c>online</c>, which turns <c>idle</c> when every connection reports the user inactive.
    /// </summary>
    public static PresenceStatus Aggregate(PresenceStatus chosen, int connections, bool anyActive) =>
        connections == 0 ? PresenceStatus.Offline
        : chosen == PresenceStatus.Online && !anyActive ? PresenceStatus.Idle
        : chosen;

    /// <summary>What others see: invisible is offline.</summary>
    public static PresenceStatus Visible(PresenceStatus status) =>
        status == PresenceStatus.Invisible ? PresenceStatus.Offline : status;

    public static string Name(PresenceStatus status) => status switch
    {
        PresenceStatus.Online => "online",
        PresenceStatus.Idle => "idle",
        PresenceStatus.Dnd => "dnd",
        PresenceStatus.Invisible => "invisible",
        _ => "offline",
    };

    /// <summary>Visible statuses in the order <see cref="Grouped"/> lists them.</summary>
    private static readonly PresenceStatus[] GroupOrder = [PresenceStatus.Online, PresenceStatus.Idle, PresenceStatus.Dnd, PresenceStatus.Offline];

    /// <summary>
    /// User ids grouped by visible status, as <c>presence:update</c> and <c>GET …/presences</c> carry
    /// them: <c>{"online": [ids], "idle": [...], "dnd": [...], "offline": [...]}</c>, each id once,
    /// groups without ids left out. An id costs 39 bytes of JSON this way, a <c>{userId, status}</c>
    /// object per id 68.
    /// </summary>
    public static Dictionary<string, object> Grouped(IEnumerable<MemberPresence> presences)
    {
        var groups = new Dictionary<PresenceStatus, List<Guid>>();
        foreach (var p in presences)
        {
            var status = Visible(p.Status);
            if (!groups.TryGetValue(status, out var ids))
            {
                groups[status] = ids = [];
            }

            ids.Add(p.UserId);
        }

        var grouped = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var status in GroupOrder)
        {
            if (groups.TryGetValue(status, out var ids))
            {
                grouped[Name(status)] = ids;
            }
        }

        return grouped;
    }

    /// <summary>
    /// The custom statuses of those of <paramref name="presences"/> who are not offline and have one
    /// still running, by user id, as <c>presence:update</c> and <c>GET …/presences</c> carry them
    /// (<c>"customStatus": {id: {text, emoji, expiresAt}}</c>); null when there is none.
    /// </summary>
    public static Dictionary<string, CustomStatus>? CustomStatuses(IEnumerable<MemberPresence> presences, DateTimeOffset now)
    {
        Dictionary<string, CustomStatus>? found = null;
        foreach (var p in presences)
        {
            if (Visible(p.Status) != PresenceStatus.Offline && p.Custom is { } custom && custom.ActiveAt(now))
            {
                (found ??= new Dictionary<string, CustomStatus>(StringComparer.Ordinal))[p.UserId.ToString()] = custom;
            }
        }

        return found;
    }

    /// <summary>Parses a status a user may choose; <c>null</c> for anything else (including "offline").</summary>
    public static PresenceStatus? ParseChosen(string? value) => value switch
    {
        "online" => PresenceStatus.Online,
        "idle" => PresenceStatus.Idle,
        "dnd" => PresenceStatus.Dnd,
        "invisible" => PresenceStatus.Invisible,
        _ => null,
    };
}
