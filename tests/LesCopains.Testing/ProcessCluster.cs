using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace LesCopains.Testing;

/// <summary>
/// Silos and Apis as separate processes (built binaries), sharing one database and a cluster id,
/// plus an Orleans client in the test process to look inside the cluster.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private readonly List<ManagedProcess> processes = [];
    private IHost? clientHost;

    public ProcessCluster(string databaseUrl)
    {
        DatabaseUrl = databaseUrl;
    }

    public string DatabaseUrl { get; }

    public string ClusterId { get; } = TestEnvironment.NewClusterId();

    public string JwtSecret { get; } = TestEnvironment.NewSecret();

    public List<SiloProcess> Silos { get; } = [];

    public sealed record SiloProcess(ManagedProcess Process, int SiloPort, int GatewayPort, int HttpPort)
    {
        public string HealthUrl => $"http://127.0.0.1:{HttpPort}/health";
    }

    public sealed record ApiProcess(ManagedProcess Process, int Port)
    {
        public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");
    }

    public SiloProcess StartSilo()
    {
        var silo = new SiloProcess(null!, TestEnvironment.FreePort(), TestEnvironment.FreePort(), TestEnvironment.FreePort());
        var process = ManagedProcess.Start($"silo-{Silos.Count}", RepoPaths.SiloDll, new Dictionary<string, string>(Common)
        {
            ["SILO_PORT"] = silo.SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GATEWAY_PORT"] = silo.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SILO_HTTP_PORT"] = silo.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ADMIN_PASSWORD"] = "test-admin-password",
        });
        processes.Add(process);
        silo = silo with { Process = process };
        Silos.Add(silo);
        return silo;
    }

    /// <summary>Starts an Api process; <paramref name="settings"/> adds or overrides environment settings.</summary>
    public ApiProcess StartApi(IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = TestEnvironment.FreePort();
        var environment = new Dictionary<string, string>(Common)
        {
            ["API_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["JWT_SECRET"] = JwtSecret,
            ["RATE_LIMIT_MAX"] = "100000",
            ["LOGIN_RATE_LIMIT"] = "100000",
            ["REGISTER_RATE_LIMIT"] = "100000",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        var process = ManagedProcess.Start("api", RepoPaths.ApiDll, environment);
        processes.Add(process);
        return new ApiProcess(process, port);
    }

    /// <summary>An Orleans client of this cluster inside the test process (management queries).</summary>
    public async Task<IClusterClient> ClientAsync()
    {
        if (clientHost is null)
        {
            var redis = LesCopains.Hosting.Configuration.RedisSettings.Load(
                new LesCopains.Hosting.Configuration.Settings(new Microsoft.Extensions.Configuration.ConfigurationBuilder()
                    .AddInMemoryCollection(new Dictionary<string, string?> { ["REDIS_URL"] = TestEnvironment.RedisUrl })
                    .Build()));
            clientHost = Host.CreateDefaultBuilder()
                .ConfigureLogging(l => l.ClearProviders())
                .UseOrleansClient(client =>
                {
                    client.Configure<ClusterOptions>(o =>
                    {
                        o.ClusterId = ClusterId;
                        o.ServiceId = "lescopains";
                    });
                    client.UseRedisClustering(o => o.ConfigurationOptions = redis.ToOptions());
                })
                .Build();
            await clientHost.StartAsync();
        }

        return clientHost.Services.GetRequiredService<IClusterClient>();
    }

    private Dictionary<string, string> Common => new()
    {
        ["DATABASE_URL"] = DatabaseUrl,
        ["REDIS_URL"] = TestEnvironment.RedisUrl,
        ["CLUSTER_ID"] = ClusterId,
        ["BIND_ADDRESS"] = "127.0.0.1",
        ["SILO_ADVERTISED_IP"] = "127.0.0.1",
    };

    public async ValueTask DisposeAsync()
    {
        if (clientHost is not null)
        {
            try
            {
                await clientHost.StopAsync(TimeSpan.FromSeconds(5));
            }
            catch (OperationCanceledException)
            {
            }

            clientHost.Dispose();
        }

        foreach (var process in processes)
        {
            await process.DisposeAsync();
        }
    }
}
