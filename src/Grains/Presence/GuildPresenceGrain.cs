using System.Text.Json;
using LesCopains.Grains.Guilds;

namespace LesCopains.Grains.Presence;

/// <summary>
/// Who is not offline in one guild, in memory. Changes are coalesced: the first change after a quiet
/// period is published at once, later ones wait for the next <see cref="IGuildPresenceGrain.FlushInterval"/>,
/// and a user who changes several times in between appears once with the last status (or not at all
/// when it ends where it started). A batch is one <c>presence:update</c> (ids grouped by status,
/// <see cref="PresenceRules.Grouped"/>) relayed through the guild
/// grain, so it reaches each Api node once, whatever the number of changes or members.
/// </summary>
public sealed class GuildPresenceGrain(TimeProvider time) : Grain, IGuildPresenceGrain
{
    private sealed record Entry(PresenceStatus Status, DateTimeOffset ExpiresAt);

    private static readonly TimeSpan SweepPeriod = TimeSpan.FromSeconds(15);

    private readonly Dictionary<Guid, Entry> entries = [];

    /// <summary>Changes since the last batch: the status clients saw before, and the latest one.</summary>
    private readonly Dictionary<Guid, (PresenceStatus Before, PresenceStatus After)> pending = [];

    private IGrainTimer? flush;
    private IGrainTimer? sweeper;
    private DateTimeOffset flushedAt = DateTimeOffset.MinValue;

    private Guid GuildId => this.GetPrimaryKey();

    private DateTimeOffset Now => time.GetUtcNow();

    public Task Update(Guid userId, PresenceStatus visible, TimeSpan validFor)
    {
        visible = PresenceRules.Visible(visible);
        var before = entries.TryGetValue(userId, out var entry) ? entry.Status : PresenceStatus.Offline;
        if (visible == PresenceStatus.Offline)
        {
            entries.Remove(userId);
        }
        else
        {
            entries[userId] = new Entry(visible, Now + validFor);
        }

        Changed(userId, before, visible);
        KeepAliveWhileOnline();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<MemberPresence>> GetPresences()
    {
        var now = Now;
        return Task.FromResult<IReadOnlyList<MemberPresence>>(entries
            .Where(e => e.Value.ExpiresAt > now)
            .Select(e => new MemberPresence(e.Key, e.Value.Status))
            .ToList());
    }

    private void Changed(Guid userId, PresenceStatus before, PresenceStatus after)
    {
        if (before == after)
        {
            return;
        }

        pending[userId] = pending.TryGetValue(userId, out var change) ? (change.Before, after) : (before, after);
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
        var changes = pending.Where(p => p.Value.Before != p.Value.After)
            .Select(p => new MemberPresence(p.Key, p.Value.After))
            .ToList();
        pending.Clear();
        if (changes.Count > 0)
        {
            var batch = new Dictionary<string, object>(StringComparer.Ordinal) { ["guildId"] = GuildId };
            foreach (var (status, ids) in PresenceRules.Grouped(changes))
            {
                batch[status] = ids;
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
