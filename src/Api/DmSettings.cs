using LesCopains.Hosting.Configuration;

namespace LesCopains.Api;

/// <summary>
/// Direct-message limits: <c>PREKEY_FETCH_LIMIT</c> prekey bundle fetches per requester per
/// <c>PREKEY_FETCH_WINDOW_SECONDS</c> (draining one-time prekeys is an attack, X3DH §4.7).
/// </summary>
public sealed record DmSettings(int BundleFetches, TimeSpan BundleWindow)
{
    public static DmSettings Load(Settings settings) => new(
        settings.Int("PREKEY_FETCH_LIMIT", 100, 1, 1_000_000),
        TimeSpan.FromSeconds(settings.Int("PREKEY_FETCH_WINDOW_SECONDS", 600, 1, 86_400)));
}
