using System.Text.Json;
using LesCopains.Grains.Guilds;

namespace LesCopains.Grains.Presence;

/// <summary>
/// Who is not offline in one guild, in memory. Changes are coalesced: the first change after a quiet
/// period is published at once, later ones wait for the next <see cref="IGuildPresenceGrain.FlushInterval"/>,
/// and a user who changes several times in between appears once with the last status (or not at all
/// when it ends where it started). A custom status rides along: a user of a batch who has one running
/// carries it, and a change of custom status alone puts the user in the next batch. A batch is one <c>presence:update</c> (ids grouped by status,
/// <see cref="PresenceRules.Grouped"/>) relayed through the guild
/// grain, so it reaches each Api node once, whatever the number of changes or members.
/// </summary>
public sealed class GuildPresenceGrain(TimeProvider time) : Grain, IGuildPresenceGrain
{
    private sealed record Entry(PresenceStatus Status, DateTimeOffset ExpiresAt, CustomStatus? Custom);

    private static readonly TimeSpan SweepPeriod = TimeSpan.FromSeconds(15);

    private readonly Dictionary<Guid, Entry> entries = [];

    /// <summary>
    /// Changes since the last batch: the status clients saw before, the latest one, and whether the
    /// custom status changed meanwhile.
    /// </summary>
    private readonly Dictionary<Guid, (PresenceStatus Before, PresenceStatus After, bool Custom)> pending = [];

    private IGrainTimer? flush;
    private IGrainTimer? sweeper;
    private DateTimeOffset flushedAt = DateTimeOffset.MinValue;

    private Guid GuildId => this.GetPrimaryKey();

    private DateTimeOffset Now => time.GetUtcNow();

    public Task Update(Guid userId, PresenceStatus visible, TimeSpan validFor, CustomStatus? custom)
    {
        visible = PresenceRules.Visible(visible);
        var known = entries.TryGetValue(userId, out var entry);
        var before = known ? entry!.Status : PresenceStatus.Offline;
        if (visible == PresenceStatus.Offline)
        {
            entries.Remove(userId);
            custom = null;
        }
        else
        {
            entries[userId] = new Entry(visible, Now + validFor, custom);
        }

        Changed(userId, before, visible, (known ? entry!.Custom : null) != custom);
        KeepAliveWhileOnline();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<MemberPresence>> GetPresences()
    {
        var now = Now;
        return Task.FromResult<IReadOnlyList<MemberPresence>>(entries
            .Where(e => e.Value.ExpiresAt > now)
            .Select(e => new MemberPresence(e.Key, e.Value.Status, e.Value.Custom))
            .ToList());
    }

    private void Changed(Guid userId, PresenceStatus before, PresenceStatus after, bool custom = false)
    {
        if (before == after && !custom)
        {
            return;
        }

        pending[userId] = pending.TryGetValue(userId, out var change) ? (change.Before, after, change.Custom || custom) : (before, after, custom);
        if (flush is null)
        {
            var due = flushedAt + IGuildPresenceGrain.FlushInterval - Now;
            flush = this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
    }

    private Task FlushAsync(CancellationToken cancellation)
    {
        flush?.Dispose();
        flush = null;
        flushedAt = Now;
        var changes = pending.Where(p => p.Value.Before != p.Value.After || p.Value.Custom)
            .Select(p => new MemberPresence(p.Key, p.Value.After, entries.TryGetValue(p.Key, out var entry) ? entry.Custom : null))
            .ToList();
        pending.Clear();
        if (changes.Count > 0)
        {
            var batch = new Dictionary<string, object>(StringComparer.Ordinal) { ["guildId"] = GuildId };
            foreach (var (status, ids) in PresenceRules.Grouped(changes))
            {
                batch[status] = ids;
            }

            // Each user of the batch who has a custom status running carries it; the others have none.
            if (PresenceRules.CustomStatuses(changes, Now) is { } customs)
            {
                batch["customStatus"] = customs;
            }

            var payload = JsonSerializer.Serialize(batch, JsonSerializerOptions.Web);
            GrainFactory.GetGrain<IGuildGrain>(GuildId).Relay(new GuildEvent(GuildId, PresenceRules.UpdateEvent, payload, null, null, 0)).Ignore();
        }

        return Task.CompletedTask;
    }

    private void KeepAliveWhileOnline()
    {
        if (entries.Count == 0)
        {
            sweeper?.Dispose();
            sweeper = null;
        }
        else
        {
            sweeper ??= this.RegisterGrainTimer(SweepAsync, new GrainTimerCreationOptions(SweepPeriod, SweepPeriod) { KeepAlive = true });
        }
    }

    /// <summary>Members whose presence grain stopped announcing (its silo died with their Api node) turn offline.</summary>
    private Task SweepAsync(CancellationToken cancellation)
    {
        var now = Now;
        foreach (var (userId, entry) in entries.Where(e => e.Value.ExpiresAt <= now).ToList())
        {
            entries.Remove(userId);
            Changed(userId, entry.Status, PresenceStatus.Offline);
        }

        KeepAliveWhileOnline();
        return Task.CompletedTask;
    }
}
