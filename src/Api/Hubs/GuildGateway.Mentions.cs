using System.Text.Json;

namespace LesCopains.Api.Hubs;

/// <summary>Narrows <c>mention:create</c> to the mentioned local members.</summary>
public sealed partial class GuildGateway
{
    /// <summary>
    /// The channel's local viewers whom the message mentions (by id, through a role they hold, or
    /// everyone), minus its author; the payload they get names the message only.
    /// </summary>
    private static (List<Guid> Audience, JsonElement Payload) Mentioned(GuildEntry entry, List<Guid> viewers, JsonElement payload)
    {
        var everyone = payload.GetProperty("everyone").GetBoolean();
        var authorId = payload.GetProperty("authorId").GetGuid();
        var users = payload.GetProperty("users").EnumerateArray().Select(e => e.GetGuid()).ToHashSet();
        var roles = payload.GetProperty("roles").EnumerateArray().Select(e => e.GetGuid()).ToHashSet();
        var audience = viewers
            .Where(id => id != authorId
                && (everyone || users.Contains(id) || (roles.Count > 0 && entry.Members.TryGetValue(id, out var member) && member.RoleIds.Any(roles.Contains))))
            .ToList();
        var trimmed = JsonSerializer.SerializeToElement(new
        {
            guildId = payload.GetProperty("guildId").GetGuid(),
            channelId = payload.GetProperty("channelId").GetGuid(),
            messageId = payload.GetProperty("messageId").GetGuid(),
            authorId,
        }, JsonSerializerOptions.Web);
        return (audience, trimmed);
    }
}
