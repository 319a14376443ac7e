using LesCopains.Grains.Users;

namespace LesCopains.Grains.Tests;

/// <summary>Notification settings changes (docs/API.md "Notification settings"): what runs out, what is dropped.</summary>
public sealed class NotifyRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid Guild = Guid.NewGuid();
    private static readonly Guid General = Guid.NewGuid();
    private static readonly Guid Random = Guid.NewGuid();

    [Fact]
    public void Mutes_that_ran_out_and_choices_for_channels_gone_since_are_dropped_at_the_next_change()
    {
        var current = GuildNotifySettings.Default(Guild) with
        {
            Muted = true,
            MuteUntil = Now.AddMinutes(-1),
            Channels = [new(General, null, true, Now.AddMinutes(-5)), new(Random, NotifyLevels.All, false, null), new(Guid.NewGuid(), null, true, null)],
        };

        var next = NotifyRules.Apply(current, new NotifySettingsPatch(NotifyLevels.Nothing, null, null, null, null, null), new HashSet<Guid> { General, Random }, Now);

        Assert.Equal((NotifyLevels.Nothing, false, (DateTimeOffset?)null), (next.Level, next.Muted, next.MuteUntil));
        Assert.Equal([new ChannelNotifySettings(Random, NotifyLevels.All, false, null)], next.Channels);
    }

    [Fact]
    public void Settings_read_after_a_mute_ran_out_show_it_off()
    {
        var stored = GuildNotifySettings.Default(Guild) with
        {
            Muted = true,
            MuteUntil = Now.AddMinutes(10),
            Channels = [new(General, null, true, Now.AddMinutes(5)), new(Random, null, true, Now.AddMinutes(30))],
        };

        var later = NotifyRules.AsOf(stored, Now.AddMinutes(20));

        Assert.Equal((false, (DateTimeOffset?)null), (later.Muted, later.MuteUntil));
        Assert.Equal([new ChannelNotifySettings(Random, null, true, Now.AddMinutes(30))], later.Channels);
        Assert.Equal(stored.Channels.Count, NotifyRules.AsOf(stored, Now).Channels.Count);
    }

    [Fact]
    public void A_timed_mute_is_on_until_its_time_and_muting_without_a_time_lasts()
    {
        var until = Now.AddHours(1);
        var timed = NotifyRules.Apply(GuildNotifySettings.Default(Guild), new NotifySettingsPatch(null, null, null, true, until, null), new HashSet<Guid>(), Now);
        Assert.True(NotifyRules.IsMuted(timed.Muted, timed.MuteUntil, Now.AddMinutes(59)));
        Assert.False(NotifyRules.IsMuted(timed.Muted, timed.MuteUntil, until));

        var lasting = NotifyRules.Apply(timed, new NotifySettingsPatch(null, null, null, true, null, null), new HashSet<Guid>(), Now);
        Assert.Equal((true, (DateTimeOffset?)null), (lasting.Muted, lasting.MuteUntil));
        Assert.True(NotifyRules.IsMuted(lasting.Muted, lasting.MuteUntil, Now.AddYears(5)));
    }

    [Theory]
    [InlineData("loud", null, null)]
    [InlineData(null, false, 10)]
    [InlineData(null, true, -10)]
    [InlineData(null, true, 60 * 24 * 367)]
    public void Bad_changes_are_refused_as_validation_failed(string? level, bool? muted, int? minutes)
    {
        var patch = new NotifySettingsPatch(level, null, null, muted, minutes is { } m ? Now.AddMinutes(m) : null, null);
        var error = Assert.Throws<DomainException>(() => NotifyRules.Apply(GuildNotifySettings.Default(Guild), patch, new HashSet<Guid>(), Now));
        Assert.Equal(ErrorCodes.ValidationFailed, error.Code);
    }
}
