using System.Text.Json;

namespace LesCopains.Grains.Dms;

/// <summary>Publishes one event to several users' feeds, serialized once.</summary>
internal static class UserFeeds
{
    public static void Publish(IGrainFactory grains, IEnumerable<Guid> userIds, string type, object payload)
    {
        var events = new[] { new UserEvent(type, JsonSerializer.Serialize(payload, JsonSerializerOptions.Web), null) };
        foreach (var userId in userIds.Distinct())
        {
            grains.GetGrain<IUserFeedGrain>(userId).Publish(events).Ignore();
        }
    }
}
