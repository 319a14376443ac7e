using System.Text.Json.Serialization;
using LesCopains.Grains.Dms;
using LesCopains.Grains.Presence;

namespace LesCopains.Grains.Users;

/// <summary>
/// One person's friends and friend requests (docs/API.md "Friends"). A request to someone who sent
/// one already makes the two friends; removing ends a friendship, cancels a sent request or ignores a
/// received one. Both people's connections hear every change (<see cref="UpdateEvent"/>), and friends
/// hear each other's presence (<see cref="PresenceEvent"/>) whatever guilds they share.
/// </summary>
[Alias("lc.IFriendsGrain")]
public interface IFriendsGrain : IGrainWithGuidKey
{
    /// <summary><c>{user, type, since, status?, customStatus?}</c>, or <c>{user: {id}, type: null}</c> when the relationship ended.</summary>
    const string UpdateEvent = "relationship:update";

    /// <summary>To a person's friends when their visible status or custom status changes: <c>{userId, status, customStatus?}</c>.</summary>
    const string PresenceEvent = "presence:friend";

    /// <summary>Friends, then requests received, then requests sent, each by name; friends with their presence.</summary>
    [Alias("List")]
    Task<IReadOnlyList<RelationshipView>> List();

    /// <summary>The friends this person and <paramref name="otherId"/> have in common (at most 100).</summary>
    [Alias("MutualFriends")]
    Task<IReadOnlyList<LesCopains.Grains.Dms.ConversationMember>> MutualFriends(Guid otherId);

    /// <summary>Everyone the person has a relationship with (friends and both kinds of request): who hears a new name or picture.</summary>
    [Alias("RelatedIds")]
    Task<IReadOnlyList<Guid>> RelatedIds();

    /// <summary>Sends a friend request to <paramref name="otherId"/>, or accepts theirs; the caller's side of the result.</summary>
    [Alias("Request")]
    Task<RelationshipView> Request(Guid otherId);

    /// <summary>Removes a friend, cancels a request sent or ignores one received; false when there was nothing.</summary>
    [Alias("Remove")]
    Task<bool> Remove(Guid otherId);
}

public enum RelationshipType : short
{
    Friend = 1,
    Incoming = 3,
    Outgoing = 4,
}

/// <summary>One relationship as its owner sees it: <see cref="Type"/> is <c>friend</c>, <c>incoming</c> or <c>outgoing</c>.</summary>
[GenerateSerializer, Immutable, Alias("lc.RelationshipView")]
public sealed record RelationshipView(
    [property: Id(0)] ConversationMember User,
    [property: Id(1)] string Type,
    [property: Id(2)] DateTimeOffset Since,
    [property: Id(3), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Status = null,
    [property: Id(4), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CustomStatus? CustomStatus = null)
{
    public static string Name(RelationshipType type) => type switch
    {
        RelationshipType.Friend => "friend",
        RelationshipType.Incoming => "incoming",
        _ => "outgoing",
    };
}
