namespace LesCopains.Grains.Users;

/// <summary>
/// How a member wants to hear about one guild (docs/API.md "Notification settings"): which
/// messages raise a notification (<see cref="Level"/>), whether <c>@everyone</c>/<c>@here</c> and role
/// mentions count as mentions at all, and whether the guild, or some of its channels and
/// categories, are muted (no unread marks, no notifications except for mentions). Only the first
/// two switches change what the server counts; the rest is applied by the member's clients.
/// </summary>
[GenerateSerializer, Immutable, Alias("lc.GuildNotifySettings")]
public sealed record GuildNotifySettings(
    [property: Id(0)] Guid GuildId,
    [property: Id(1)] string Level,
    [property: Id(2)] bool SuppressEveryone,
    [property: Id(3)] bool SuppressRoles,
    [property: Id(4)] bool Muted,
    [property: Id(5)] DateTimeOffset? MuteUntil,
    [property: Id(6)] IReadOnlyList<ChannelNotifySettings> Channels)
{
    /// <summary>The settings of a guild nobody changed anything in: notify for mentions only.</summary>
    public static GuildNotifySettings Default(Guid guildId) => new(guildId, NotifyLevels.Mentions, false, false, false, null, []);
}

/// <summary>A channel's (or a category's) own choices; <see cref="Level"/> <c>null</c> follows its category, then the guild.</summary>
[GenerateSerializer, Immutable, Alias("lc.ChannelNotifySettings")]
public sealed record ChannelNotifySettings(
    [property: Id(0)] Guid ChannelId,
    [property: Id(1)] string? Level,
    [property: Id(2)] bool Muted,
    [property: Id(3)] DateTimeOffset? MuteUntil);

/// <summary>A change: what is left out (null) stays as it is.</summary>
[GenerateSerializer, Immutable, Alias("lc.NotifySettingsPatch")]
public sealed record NotifySettingsPatch(
    [property: Id(0)] string? Level,
    [property: Id(1)] bool? SuppressEveryone,
    [property: Id(2)] bool? SuppressRoles,
    [property: Id(3)] bool? Muted,
    [property: Id(4)] DateTimeOffset? MuteUntil,
    [property: Id(5)] IReadOnlyList<ChannelNotifyPatch>? Channels);

/// <summary>A channel's change. <see cref="Level"/> <c>"default"</c> goes back to following the guild.</summary>
[GenerateSerializer, Immutable, Alias("lc.ChannelNotifyPatch")]
public sealed record ChannelNotifyPatch(
    [property: Id(0)] Guid ChannelId,
    [property: Id(1)] string? Level,
    [property: Id(2)] bool? Muted,
    [property: Id(3)] DateTimeOffset? MuteUntil);

public static class NotifyLevels
{
    /// <summary>Every message.</summary>
    public const string All = "all";

    /// <summary>Only messages that mention the member (the default).</summary>
    public const string Mentions = "mentions";

    /// <summary>Nothing.</summary>
    public const string Nothing = "nothing";

    /// <summary>In a channel's change: follow the guild again.</summary>
    public const string Default = "default";

    public static bool IsLevel(string value) => value is All or Mentions or Nothing;
}

/// <summary>Validation and application of <see cref="NotifySettingsPatch"/>: all of it is checked before any of it applies.</summary>
public static class NotifyRules
{
    /// <summary>Longest timed mute; longer is "until I turn it back on" (no <c>muteUntil</c>).</summary>
    public static readonly TimeSpan MaxMute = TimeSpan.FromDays(366);

    /// <summary>Most channels one change may name.</summary>
    public const int MaxChannelsPerChange = 500;

    /// <summary>
    /// The settings after <paramref name="patch"/>. <paramref name="channelIds"/> are the guild's
    /// channels the member can see: others are <c>channel_not_found</c>, and stored choices for
    /// channels gone since are dropped. Mutes that have run out are dropped too.
    /// </summary>
    public static GuildNotifySettings Apply(GuildNotifySettings current, NotifySettingsPatch patch, IReadOnlySet<Guid> channelIds, DateTimeOffset now)
    {
        if (patch.Level is { } level && !NotifyLevels.IsLevel(level))
        {
            throw Invalid("level", "must be all, mentions or nothing.");
        }

        CheckMute("", patch.Muted, patch.MuteUntil, now);
        var changes = patch.Channels ?? [];
        if (changes.Count > MaxChannelsPerChange)
        {
            throw Invalid("channels", $"at most {MaxChannelsPerChange} per change.");
        }

        var seen = new HashSet<Guid>();
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i] ?? throw Invalid($"channels[{i}]", "must be an object.");
            if (!seen.Add(change.ChannelId))
            {
                throw Invalid($"channels[{i}].channelId", "is named twice.");
            }

            if (change.Level is { } l && !NotifyLevels.IsLevel(l) && l != NotifyLevels.Default)
            {
                throw Invalid($"channels[{i}].level", "must be all, mentions, nothing or default.");
            }

            CheckMute($"channels[{i}].", change.Muted, change.MuteUntil, now);
        }

        if (changes.FirstOrDefault(c => !channelIds.Contains(c.ChannelId)) is { } unknown)
        {
            throw new DomainException(ErrorCodes.ChannelNotFound, $"No channel {unknown.ChannelId} in this guild.");
        }

        var channels = current.Channels
            .Where(c => channelIds.Contains(c.ChannelId))
            .ToDictionary(c => c.ChannelId);
        foreach (var change in changes)
        {
            var before = channels.GetValueOrDefault(change.ChannelId) ?? new ChannelNotifySettings(change.ChannelId, null, false, null);
            var (muted, until) = Mute(before.Muted, before.MuteUntil, change.Muted, change.MuteUntil);
            channels[change.ChannelId] = before with
            {
                Level = change.Level switch { null => before.Level, NotifyLevels.Default => null, var l => l },
                Muted = muted,
                MuteUntil = until,
            };
        }

        var (guildMuted, guildUntil) = Mute(current.Muted, current.MuteUntil, patch.Muted, patch.MuteUntil);
        return AsOf(current with
        {
            Level = patch.Level ?? current.Level,
            SuppressEveryone = patch.SuppressEveryone ?? current.SuppressEveryone,
            SuppressRoles = patch.SuppressRoles ?? current.SuppressRoles,
            Muted = guildMuted,
            MuteUntil = guildUntil,
            Channels = [.. channels.Values],
        }, now);
    }

    /// <summary>The settings as they read at <paramref name="now"/>: mutes that ran out are off, channels back at the default are left out.</summary>
    public static GuildNotifySettings AsOf(GuildNotifySettings settings, DateTimeOffset now)
    {
        var (muted, until) = Expired(settings.Muted, settings.MuteUntil, now);
        var channels = new List<ChannelNotifySettings>();
        foreach (var c in settings.Channels.OrderBy(c => c.ChannelId))
        {
            var (m, u) = Expired(c.Muted, c.MuteUntil, now);
            if (c.Level is not null || m)
            {
                channels.Add(c with { Muted = m, MuteUntil = u });
            }
        }

        return settings with { Muted = muted, MuteUntil = until, Channels = channels };
    }

    /// <summary>Whether a mute is on at <paramref name="now"/>.</summary>
    public static bool IsMuted(bool muted, DateTimeOffset? until, DateTimeOffset now) => muted && (until is null || until > now);

    private static (bool, DateTimeOffset?) Mute(bool muted, DateTimeOffset? until, bool? newMuted, DateTimeOffset? newUntil) =>
        newMuted switch
        {
            true => (true, newUntil),
            false => (false, null),
            null => (muted, until),
        };

    private static (bool, DateTimeOffset?) Expired(bool muted, DateTimeOffset? until, DateTimeOffset now) =>
        IsMuted(muted, until, now) ? (muted, until) : (false, null);

    private static void CheckMute(string prefix, bool? muted, DateTimeOffset? until, DateTimeOffset now)
    {
        if (until is not { } u)
        {
            return;
        }

        if (muted != true)
        {
            throw Invalid($"{prefix}muteUntil", "goes only with muted: true.");
        }

        if (u <= now)
        {
            throw Invalid($"{prefix}muteUntil", "must be in the future.");
        }

        if (u - now > MaxMute)
        {
            throw Invalid($"{prefix}muteUntil", "must be within a year; leave it out to mute until turned back on.");
        }
    }

    private static DomainException Invalid(string field, string message) => new(ErrorCodes.ValidationFailed, $"{field}: {message}");
}
