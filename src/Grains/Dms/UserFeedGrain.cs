using Orleans.Concurrency;

namespace LesCopains.Grains.Dms;

/// <summary>Forwards a user's events to the Api nodes subscribed for them. Volatile: nodes re-subscribe.</summary>
[Reentrant]
public sealed class UserFeedGrain(TimeProvider time) : Grain, IUserFeedGrain
{
    private readonly Dictionary<IUserFeedObserver, DateTimeOffset> observers = [];

    public Task Subscribe(IUserFeedObserver observer)
    {
        observers[observer] = time.GetUtcNow() + IUserFeedGrain.SubscriptionLifetime;
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IUserFeedObserver observer)
    {
        observers.Remove(observer);
        return Task.CompletedTask;
    }

    public Task Publish(IReadOnlyList<UserEvent> events)
    {
        var now = time.GetUtcNow();
        foreach (var (observer, expires) in observers.ToList())
        {
            if (expires < now)
            {
                observers.Remove(observer);
                continue;
            }

            try
            {
                observer.OnUserEvents(this.GetPrimaryKey(), events).Ignore();
            }
            catch (Exception)
            {
                observers.Remove(observer);
            }
        }

        return Task.CompletedTask;
    }
}
