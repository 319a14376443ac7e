using System.Collections.Concurrent;

namespace LesCopains.Api.Infrastructure;

/// <summary>
/// Grain references of the hot paths, reused: Orleans resolves a reference's interface type by
/// reflection over its attributes on every <c>GetGrain</c>, which took ~4 % of the Api's CPU under
/// message load. References are immutable and location-free, so a cached one stays valid; the
/// cache is emptied when it grows past <see cref="MaxEntries"/>.
/// </summary>
public sealed class GrainReferences(IClusterClient cluster)
{
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<(Type Interface, Guid Key), IAddressable> references = new();

    public T Get<T>(Guid key)
        where T : IGrainWithGuidKey
    {
        if (references.TryGetValue((typeof(T), key), out var cached))
        {
            return (T)cached;
        }

        if (references.Count >= MaxEntries)
        {
            references.Clear();
        }

        var reference = cluster.GetGrain<T>(key);
        references[(typeof(T), key)] = reference;
        return reference;
    }
}
