using LesCopains.Grains;
using LesCopains.Hosting;
using LesCopains.Hosting.Configuration;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace LesCopains.Silo;

/// <summary>Builds the silo process: Orleans on Redis + PostgreSQL, and its admin HTTP port.</summary>
public static class SiloApplication
{
    public const string ServiceId = "lescopains";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var settings = SiloSettings.Load(new Settings(builder.Configuration));

        builder.AddServiceDefaults(settings.Database, settings.Redis, settings.AdminPassword);
        builder.WebHost.UseUrls($"http://{Format(settings.HttpBindAddress)}:{settings.HttpPort}");
        builder.Services.AddSingleton(settings.Voice);
        builder.Services.AddSingleton(settings.ThreadArchive);
        builder.Services.AddGrainServices();
        builder.Services.AddHostedService<MigrationHostedService>();
        builder.Services.AddHealthChecks().AddOrleansCheck<OrleansSiloHealthCheck>();

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = ServiceId;
            });
            // Detect a dead silo in ~10 s instead of ~30 s (3 missed 3-second probes, 2 votes).
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(3);
                o.NumMissedProbesLimit = 3;
            });
            // Interactive requests: fail in 10 s rather than hang for the default 30 s.
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            silo.UseRedisClustering(o => o.ConfigurationOptions = settings.Redis.ToOptions());
            silo.ConfigureEndpoints(settings.AdvertisedAddress, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: settings.HttpBindAddress.Equals(System.Net.IPAddress.Any));
            silo.AddAdoNetGrainStorage(StorageNames.Postgres, o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = settings.Database.ConnectionString;
            });
            silo.UseSystemTextJsonGrainStorageSerializer();
            silo.AddDashboard();
        });

        var app = builder.Build();
        var admin = app.Services.GetRequiredService<AdminAccess>();
        app.Use((context, next) => admin.Middleware(context, () => next(context), "/dashboard"));
        app.MapServiceDefaults();
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        app.MapGet("/", () => Results.Redirect("/dashboard"));
        return app;
    }

    private static string Format(System.Net.IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
