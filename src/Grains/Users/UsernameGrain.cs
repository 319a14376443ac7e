namespace LesCopains.Grains.Users;

/// <summary>Holds which user claimed one normalized username.</summary>
public sealed class UsernameGrain(
    [PersistentState("username", StorageNames.Postgres)] IPersistentState<UsernameState> state) : Grain, IUsernameGrain
{
    public async Task Claim(Guid userId)
    {
        if (state.State.OwnerId is { } owner)
        {
            if (owner == userId)
            {
                return;
            }

            throw new DomainException(ErrorCodes.UsernameTaken, "This username is already taken.");
        }

        state.State.OwnerId = userId;
        await state.WriteStateAsync();
    }

    public async Task Release(Guid userId)
    {
        if (state.State.OwnerId == userId)
        {
            // The row goes: a released name (e.g. of a deleted account) is not kept anywhere.
            state.State.OwnerId = null;
            await state.ClearStateAsync();
        }
    }

    public Task<Guid?> GetOwner() => Task.FromResult(state.State.OwnerId);
}

[GenerateSerializer, Alias("lc.UsernameState")]
public sealed class UsernameState
{
    [Id(0)]
    public Guid? OwnerId { get; set; }
}
