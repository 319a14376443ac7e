using LesCopains.Grains.Dms;
using LesCopains.Grains.Presence;

namespace LesCopains.Grains.Users;

/// <summary>
/// A person's friends and requests, read through to the <c>relationships</c> table (the store keeps
/// the two sides of a pair in step); every change is announced to both people's feeds.
/// </summary>
public sealed class FriendsGrain(RelationshipStore store, TimeProvider time) : Grain, IFriendsGrain
{
    private Guid UserId => this.GetPrimaryKey();

    public async Task<IReadOnlyList<RelationshipView>> List()
    {
        var rows = await store.ListAsync(UserId);
        var views = await Task.WhenAll(rows.Select(async row => row.Type == RelationshipType.Friend
            ? WithPresence(ViewOf(row.User, row.Type, row.Since), await GrainFactory.GetGrain<IPresenceGrain>(row.User.Id).Get())
            : ViewOf(row.User, row.Type, row.Since)));
        return views;
    }

    public Task<IReadOnlyList<ConversationMember>> MutualFriends(Guid otherId) => store.MutualFriendsAsync(UserId, otherId);

    public async Task<IReadOnlyList<Guid>> RelatedIds() => [.. (await store.ListAsync(UserId)).Select(r => r.User.Id)];

    public async Task<RelationshipView> Request(Guid otherId)
    {
        if (otherId == UserId)
        {
            throw new DomainException(ErrorCodes.ValidationFailed, "userId: you cannot add yourself as a friend.");
        }

        var me = Member(await GrainFactory.GetGrain<IUserGrain>(UserId).GetProfile());
        var target = GrainFactory.GetGrain<IUserGrain>(otherId);
        var otherProfile = await target.GetProfile();
        if (otherProfile.Deleted)
        {
            throw new DomainException(ErrorCodes.UserNotFound, "No such user.");
        }

        var other = Member(otherProfile);
        var outcome = await store.RequestAsync(UserId, otherId, time.GetUtcNow(), await target.GetFriendRequestPolicy());
        var mine = ViewOf(other, outcome.Type, outcome.Since);
        if (!outcome.Changed)
        {
            return mine;
        }

        var theirs = ViewOf(me, outcome.Type == RelationshipType.Friend ? RelationshipType.Friend : RelationshipType.Incoming, outcome.Since);
        if (outcome.Type == RelationshipType.Friend)
        {
            // New friends see each other's presence at once, not at the next change.
            var presences = await Task.WhenAll(GrainFactory.GetGrain<IPresenceGrain>(otherId).Get(), GrainFactory.GetGrain<IPresenceGrain>(UserId).Get());
            mine = WithPresence(mine, presences[0]);
            theirs = WithPresence(theirs, presences[1]);
        }

        UserFeeds.Publish(GrainFactory, [UserId], IFriendsGrain.UpdateEvent, mine);
        UserFeeds.Publish(GrainFactory, [otherId], IFriendsGrain.UpdateEvent, theirs);
        return mine;
    }

    public async Task<bool> Remove(Guid otherId)
    {
        if (!await store.RemoveAsync(UserId, otherId))
        {
            return false;
        }

        UserFeeds.Publish(GrainFactory, [UserId], IFriendsGrain.UpdateEvent, Ended(otherId));
        UserFeeds.Publish(GrainFactory, [otherId], IFriendsGrain.UpdateEvent, Ended(UserId));
        return true;
    }

    /// <summary>The payload of <see cref="IFriendsGrain.UpdateEvent"/> when a relationship ended.</summary>
    internal static object Ended(Guid userId) => new { user = new { id = userId }, type = (string?)null };

    private static ConversationMember Member(UserProfile profile) => new(profile.Id, profile.Username, profile.DisplayName);

    private static RelationshipView ViewOf(ConversationMember user, RelationshipType type, DateTimeOffset since) =>
        new(user, RelationshipView.Name(type), since);

    /// <summary>What a friend sees of a person's presence: never invisible, no custom status while offline.</summary>
    private RelationshipView WithPresence(RelationshipView view, PresenceView presence) =>
        view with
        {
            Status = PresenceRules.Name(presence.Visible),
            CustomStatus = presence.Visible == PresenceStatus.Offline ? null : presence.Custom is { } c && c.ActiveAt(time.GetUtcNow()) ? c : null,
        };
}
