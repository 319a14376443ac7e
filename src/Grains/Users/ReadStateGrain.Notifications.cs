using LesCopains.Grains.Guilds;

namespace LesCopains.Grains.Users;

/// <summary>The user's notification settings, per guild (<see cref="NotifyRules"/> checks and applies changes).</summary>
public sealed partial class ReadStateGrain
{
    /// <summary>Per guild id, loaded on first use; a guild missing here has the default settings.</summary>
    private Dictionary<Guid, GuildNotifySettings>? notifySettings;

    private async Task<GuildNotifySettings> NotifyAsync(Guid guildId)
    {
        notifySettings ??= await notifyStore.LoadAsync(UserId);
        return notifySettings.GetValueOrDefault(guildId) ?? GuildNotifySettings.Default(guildId);
    }

    public async Task<IReadOnlyList<GuildNotifySettings>> GetNotificationSettings()
    {
        var result = new List<GuildNotifySettings>();
        foreach (var guildId in await GrainFactory.GetGrain<IUserGrain>(UserId).GetGuilds())
        {
            result.Add(NotifyRules.AsOf(await NotifyAsync(guildId), time.GetUtcNow()));
        }

        return result;
    }

    public async Task<GuildNotifySettings> UpdateNotificationSettings(Guid guildId, NotifySettingsPatch patch)
    {
        var view = await GrainFactory.GetGrain<IGuildGrain>(guildId).GetView(UserId);
        var current = await NotifyAsync(guildId);

        // A thread (of a text channel the user can see) takes choices of its own too.
        var visible = view.Channels.Select(c => c.Id).ToHashSet();
        var textChannels = view.Channels.Where(c => c.Type == "text").Select(c => c.Id).ToList();
        if (textChannels.Count > 0)
        {
            visible.UnionWith((await threads.OfParentsAsync(textChannels)).Select(t => t.Id));
        }

        var next = NotifyRules.Apply(current, patch, visible, time.GetUtcNow());
        await notifyStore.SaveAsync(UserId, next, time.GetUtcNow());
        notifySettings![guildId] = next;
        return next;
    }
}
