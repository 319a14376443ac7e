using System.Text.Json;

namespace LesCopains.Api.Hubs;

/// <summary>Narrows <c>mention:create</c> to the mentioned local members.</summary>
public sealed partial class GuildGateway
{
    /// <summary>
    /// The channel's local viewers whom the message mentions (by id, through a role they hold,
    /// through <c>@here</c> — it arrives resolved to ids — or everyone), minus its author and, after an
    /// edit, minus those the message mentioned before it (<c>before</c>). They are grouped by how the
    /// message reaches them (<c>via</c>: <c>user</c>, then <c>role</c>, then <c>everyone</c> for
    /// <c>@everyone</c> and <c>@here</c>), since a person can choose to ignore the last two; each group's
    /// payload names the message only.
    /// </summary>
    private static List<(List<Guid> Audience, JsonElement Payload)> Mentioned(GuildEntry entry, List<Guid> viewers, JsonElement payload)
    {
        var authorId = payload.GetProperty("authorId").GetGuid();
        var now = MentionSet.Read(payload);
        var before = payload.TryGetProperty("before", out var b) && b.ValueKind == JsonValueKind.Object ? MentionSet.Read(b) : null;
        var groups = new Dictionary<string, List<Guid>>(3);
        foreach (var id in viewers)
        {
            if (id != authorId && now.Via(entry, id) is { } via && before?.Via(entry, id) is null)
            {
                (groups.TryGetValue(via, out var list) ? list : groups[via] = []).Add(id);
            }
        }

        return [.. groups.Select(g => (g.Value, JsonSerializer.SerializeToElement(new
        {
            guildId = payload.GetProperty("guildId").GetGuid(),
            channelId = payload.GetProperty("channelId").GetGuid(),
            messageId = payload.GetProperty("messageId").GetGuid(),
            authorId,
            via = g.Key,
        }, JsonSerializerOptions.Web)))];
    }

    private sealed record MentionSet(bool Everyone, HashSet<Guid> Users, HashSet<Guid> Here, HashSet<Guid> Roles)
    {
        public static MentionSet Read(JsonElement json) => new(
            json.GetProperty("everyone").GetBoolean(),
            Ids(json, "users"),
            Ids(json, "here"),
            Ids(json, "roles"));

        private static HashSet<Guid> Ids(JsonElement json, string name) =>
            json.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().Select(e => e.GetGuid()).ToHashSet() : [];

        /// <summary>How the message mentions <paramref name="userId"/>, the most direct way first; null when it does not.</summary>
        public string? Via(GuildEntry entry, Guid userId) =>
            Users.Contains(userId) ? "user"
            : Roles.Count > 0 && entry.Members.TryGetValue(userId, out var member) && member.RoleIds.Any(Roles.Contains) ? "role"
            : Everyone || Here.Contains(userId) ? "everyone"
            : null;
    }
}
