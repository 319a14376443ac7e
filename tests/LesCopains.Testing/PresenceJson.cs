using System.Text.Json;

namespace LesCopains.Testing;

/// <summary>
/// Reads presences as <c>presence:update</c> and <c>GET …/presences</c> carry them: user ids grouped
/// by status (<c>{"online": [ids], "idle": [...], "dnd": [...], "offline": [...]}</c>).
/// </summary>
public static class PresenceJson
{
    private static readonly string[] Statuses = ["online", "idle", "dnd", "offline"];

    /// <summary>Every (user, status) pair in <paramref name="groups"/>.</summary>
    public static IEnumerable<(Guid UserId, string Status)> Entries(JsonElement groups) =>
        Statuses.SelectMany(status => groups.TryGetProperty(status, out var ids)
            ? ids.EnumerateArray().Select(id => (id.GetGuid(), status))
            : []);

    /// <summary>The status <paramref name="groups"/> gives <paramref name="userId"/>, or "offline" when it does not list them.</summary>
    public static string StatusOf(JsonElement groups, Guid userId) =>
        Entries(groups).Where(e => e.UserId == userId).Select(e => e.Status).FirstOrDefault() ?? "offline";
}
