using LesCopains.Grains.Guilds;

namespace LesCopains.Grains.Channels;

/// <summary>
/// Slowmode (docs/API.md "Slowmode"): a member without <c>MANAGE_MESSAGES</c> or <c>MANAGE_CHANNELS</c>
/// sends at most one message per <see cref="Guilds.Channel.RateLimitPerUser"/> seconds in the channel. A
/// thread takes its parent's setting and counts on its own. The last send of each member is kept in
/// the activation: a channel that deactivates (idle for a while) or moves to another silo forgets
/// it, which at worst lets one message through early.
/// </summary>
public sealed partial class ChannelGrain
{
    private const int SlowmodeSweepAbove = 4096;

    private readonly Dictionary<Guid, DateTimeOffset> lastSendAt = [];

    /// <summary>Refuses a send that comes too soon (<c>slowmode</c>, 429); otherwise counts it. Synchronous: interleaved sends of one author cannot both pass.</summary>
    private void RequireSlowmodeWaited(ChannelAccess access, Guid authorId)
    {
        var seconds = access.RateLimitPerUser;
        if (seconds <= 0 || Has(access, Permissions.ManageMessages) || Has(access, Permissions.ManageChannels))
        {
            return;
        }

        var now = time.GetUtcNow();
        if (lastSendAt.TryGetValue(authorId, out var last) && now < last.AddSeconds(seconds))
        {
            var wait = (int)Math.Ceiling((last.AddSeconds(seconds) - now).TotalSeconds);
            throw new DomainException(ErrorCodes.Slowmode, $"Slowmode is on here ({seconds} s between messages): you can send again in {wait} s.");
        }

        if (lastSendAt.Count >= SlowmodeSweepAbove)
        {
            foreach (var user in lastSendAt.Where(e => now >= e.Value.AddSeconds(seconds)).Select(e => e.Key).ToList())
            {
                lastSendAt.Remove(user);
            }
        }

        lastSendAt[authorId] = now;
    }
}
