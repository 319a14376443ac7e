namespace LesCopains.Grains.Guilds;

/// <summary>Which guild an invite code belongs to.</summary>
public sealed class InviteCodeGrain(
    [PersistentState("invite", StorageNames.Postgres)] IPersistentState<InviteCodeState> state) : Grain, IInviteCodeGrain
{
    public Task<Guid?> Resolve() => Task.FromResult(state.State.GuildId);

    public async Task Assign(Guid guildId)
    {
        if (state.State.GuildId is { } existing && existing != guildId)
        {
            throw new DomainException(ErrorCodes.Internal, "Invite code collision.");
        }

        state.State.GuildId = guildId;
        await state.WriteStateAsync();
    }

    public async Task Clear()
    {
        if (state.State.GuildId is not null)
        {
            state.State.GuildId = null;
            await state.WriteStateAsync();
        }
    }
}

[GenerateSerializer, Alias("lc.InviteCodeState")]
public sealed class InviteCodeState
{
    [Id(0)]
    public Guid? GuildId { get; set; }
}
