using LesCopains.Grains;
using LesCopains.Hosting;
using LesCopains.Hosting.Configuration;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace LesCopains.Silo;

/// <summary>Builds the silo process: Orleans on Redis + PostgreSQL, and its admin HTTP port.</summary>
public static class SiloApplication
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var settings = SiloSettings.Load(new Settings(builder.Configuration));

        builder.AddServiceDefaults(settings.Database, settings.Redis, settings.AdminPassword);
        builder.WebHost.UseUrls($"http://{Format(settings.HttpBindAddress)}:{settings.HttpPort}");
        AddSilo(builder, settings);

        var app = builder.Build();
        UseAdmin(app);
        app.MapServiceDefaults();
        app.MapGet("/", () => Results.Redirect("/dashboard"));
        return app;
    }

    /// <summary>
    /// The silo itself: grains, their services, schema migrations, membership in Redis and storage in
    /// PostgreSQL. Used by this process and by the single-process node (<c>src/Node</c>), which hosts the
    /// Api in the same process. Expects <c>AddServiceDefaults</c> to have run on <paramref name="builder"/>.
    /// </summary>
    public static void AddSilo(WebApplicationBuilder builder, SiloSettings settings)
    {
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
                o.ServiceId = ClusterClient.ServiceId;
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
    }

    /// <summary>
    /// What the dashboard's own page needs (its inline styles and embedded fonts), and nothing from
    /// elsewhere. On a node this replaces the web client's stricter policy for <c>/dashboard</c> only.
    /// </summary>
    public const string DashboardContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>The Orleans Dashboard on <c>/dashboard</c>, for admins only (<c>ADMIN_PASSWORD</c>).</summary>
    public static void UseAdmin(WebApplication app)
    {
        var admin = app.Services.GetRequiredService<AdminAccess>();
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/dashboard"))
            {
                context.Response.Headers.ContentSecurityPolicy = DashboardContentSecurityPolicy;
            }

            return admin.Middleware(context, () => next(context), "/dashboard");
        });
        app.MapOrleansDashboard(routePrefix: "/dashboard");
    }

    private static string Format(System.Net.IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
