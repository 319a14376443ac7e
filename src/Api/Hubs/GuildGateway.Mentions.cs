using System.Text.Json;

namespace LesCopains.Api.Hubs;

/// <summary>Narrows <c>mention:create</c> to the mentioned local members.</summary>
public sealed partial class GuildGateway
{
    /// <summary>
    /// The channel's local viewers whom the message mentions (by id — <c>@here</c> arrives resolved to
    /// ids —, through a role they hold, or everyone), minus its author and, after an edit, minus those
    /// the message mentioned before it (<c>before</c>); the payload they get names the message only.
    /// </summary>
    private static (List<Guid> Audience, JsonElement Payload) Mentioned(GuildEntry entry, List<Guid> viewers, JsonElement payload)
    {
        var authorId = payload.GetProperty("authorId").GetGuid();
        var now = MentionSet.Read(payload);
        var before = payload.TryGetProperty("before", out var b) && b.ValueKind == JsonValueKind.Object ? MentionSet.Read(b) : null;
        var audience = viewers
            .Where(id => id != authorId && now.Concerns(entry, id) && before?.Concerns(entry, id) != true)
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

    private sealed record MentionSet(bool Everyone, HashSet<Guid> Users, HashSet<Guid> Roles)
    {
        public static MentionSet Read(JsonElement json) => new(
            json.GetProperty("everyone").GetBoolean(),
            json.GetProperty("users").EnumerateArray().Select(e => e.GetGuid()).ToHashSet(),
            json.GetProperty("roles").EnumerateArray().Select(e => e.GetGuid()).ToHashSet());

        public bool Concerns(GuildEntry entry, Guid userId) =>
            Everyone || Users.Contains(userId)
            || (Roles.Count > 0 && entry.Members.TryGetValue(userId, out var member) && member.RoleIds.Any(Roles.Contains));
    }
}
