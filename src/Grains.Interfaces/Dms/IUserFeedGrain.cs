using Orleans.Concurrency;

namespace LesCopains.Grains.Dms;

/// <summary>
/// Routes events meant for one user (or one of their devices) to the Api nodes where that user is
/// connected. Volatile: nodes subscribe while the user has a connection there and renew the
/// subscription within <see cref="SubscriptionLifetime"/>.
/// </summary>
[Alias("lc.IUserFeedGrain")]
public interface IUserFeedGrain : IGrainWithGuidKey
{
    [Alias("Subscribe")]
    Task Subscribe(IUserFeedObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(IUserFeedObserver observer);

    [Alias("Publish")]
    [OneWay]
    Task Publish(IReadOnlyList<UserEvent> events);

    static TimeSpan SubscriptionLifetime => TimeSpan.FromMinutes(3);
}

/// <summary>An Api node with live connections of a user.</summary>
[Alias("lc.IUserFeedObserver")]
public interface IUserFeedObserver : IGrainObserver
{
    [Alias("OnUserEvents")]
    [OneWay]
    Task OnUserEvents(Guid userId, IReadOnlyList<UserEvent> events);
}

/// <summary>A hub event for a user: for all their connections, or only those of <see cref="DeviceId"/>.</summary>
[GenerateSerializer, Immutable, Alias("lc.UserEvent")]
public sealed record UserEvent(
    [property: Id(0)] string Type,
    [property: Id(1)] string PayloadJson,
    [property: Id(2)] int? DeviceId);
