namespace LesCopains.Grains.Users;

/// <summary>
/// One activation per normalized username; makes registration race-free. Keyed by
/// <see cref="KeyFor"/> (a non-hex prefix, see docs/architecture.md on string keys).
/// </summary>
[Alias("lc.IUsernameGrain")]
public interface IUsernameGrain : IGrainWithStringKey
{
    /// <summary>Claims the name for <paramref name="userId"/>; throws <c>username_taken</c> if another user holds it.</summary>
    [Alias("Claim")]
    Task Claim(Guid userId);

    /// <summary>Gives the name back, only if <paramref name="userId"/> holds it.</summary>
    [Alias("Release")]
    Task Release(Guid userId);

    [Alias("GetOwner")]
    Task<Guid?> GetOwner();

    static string KeyFor(string normalizedUsername) => "name-" + normalizedUsername;
}
