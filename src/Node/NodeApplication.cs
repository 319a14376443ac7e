using LesCopains.Api;
using LesCopains.Hosting.Configuration;
using LesCopains.Silo;

namespace LesCopains.Node;

/// <summary>
/// One process that is both a silo and an Api node: the Api's REST routes, SignalR hub and web client
/// in front of a silo it hosts itself. Its grain calls and the silo's calls back to the gateway stay
/// in the process (no Orleans client → gateway TCP hop, no serialisation when the grain is local).
/// A single-box install can run one of these instead of a silo and an Api; more nodes, silos or Api
/// processes join the same cluster through Redis as usual. The Api's settings and the silo's apply
/// (<c>API_PORT</c> for HTTP, <c>SILO_PORT</c>/<c>GATEWAY_PORT</c> for the cluster); the Orleans
/// Dashboard is on the Api's port under <c>/dashboard</c>, guarded by <c>ADMIN_PASSWORD</c>.
/// </summary>
public static class NodeApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null) =>
        ApiApplication.Build(args, configure, new CoHostedCluster(
            AddCluster: builder => SiloApplication.AddSilo(builder, SiloOnly(SiloSettings.Load(new Settings(builder.Configuration)))),
            UseAdmin: SiloApplication.UseAdmin));

    /// <summary>
    /// <c>BIND_ADDRESS</c> is the Api's here (it may serve the LAN on 0.0.0.0); the silo and gateway
    /// ports listen on the address the silo advertises only, as a separate loopback silo does.
    /// </summary>
    private static SiloSettings SiloOnly(SiloSettings settings) => settings with { HttpBindAddress = settings.AdvertisedAddress };
}
