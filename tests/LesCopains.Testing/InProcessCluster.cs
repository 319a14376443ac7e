using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LesCopains.Testing;

/// <summary>
/// One silo and one Api in this process, on real PostgreSQL and Redis, on free loopback ports.
/// Shared by a test collection through <c>ICollectionFixture</c>. With <see cref="SingleProcess"/>,
/// the first Api node is a single-process node (<c>src/Node</c>: the silo and the Api in one host)
/// instead; nodes from <see cref="AddApiNodeAsync"/> are separate Api nodes joining its cluster.
/// </summary>
public class InProcessCluster : IAsyncLifetime
{
    private readonly List<WebApplication> extraApis = [];
    private WebApplication? silo;
    private WebApplication? api;
    private string[] apiArguments = [];

    public string DatabaseUrl { get; private set; } = "";

    public string ClusterId { get; } = TestEnvironment.NewClusterId();

    public string JwtSecret { get; } = TestEnvironment.NewSecret();

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider ApiServices => api!.Services;

    /// <summary>Extra settings for the Api (e.g. tighter rate limits); <c>--NAME=value</c>.</summary>
    protected virtual IEnumerable<string> ApiArguments => [];

    /// <summary>Extra settings for the silo; <c>--NAME=value</c>.</summary>
    protected virtual IEnumerable<string> SiloArguments => [];

    /// <summary>Run the silo and the first Api node as one host (<c>src/Node</c>).</summary>
    protected virtual bool SingleProcess => false;

    public async Task InitializeAsync()
    {
        DatabaseUrl = await TestEnvironment.CreateDatabaseAsync();
        string[] common =
        [
            $"--DATABASE_URL={DatabaseUrl}",
            $"--REDIS_URL={TestEnvironment.RedisUrl}",
            $"--CLUSTER_ID={ClusterId}",
            "--BIND_ADDRESS=127.0.0.1",
        ];
        string[] siloArguments =
        [
            $"--SILO_PORT={TestEnvironment.FreePort()}",
            $"--GATEWAY_PORT={TestEnvironment.FreePort()}",
            "--SILO_HTTP_PORT=0",
            $"--ADMIN_PASSWORD={AdminPassword}",
            .. SiloArguments,
        ];
        apiArguments =
        [
            .. common,
            "--API_PORT=0",
            $"--JWT_SECRET={JwtSecret}",
            "--RATE_LIMIT_MAX=100000",
            "--LOGIN_RATE_LIMIT=100000",
            "--REGISTER_RATE_LIMIT=100000",
            .. ApiArguments,
        ];
        if (SingleProcess)
        {
            // One host, both sets of settings (where both name one, the Api's comes last and wins).
            (api, BaseAddress) = await StartAsync(LesCopains.Node.NodeApplication.Build([.. siloArguments, .. apiArguments]));
            return;
        }

        silo = LesCopains.Silo.SiloApplication.Build([.. common, .. siloArguments]);
        await silo.StartAsync();
        (api, BaseAddress) = await StartApiAsync();
    }

    /// <summary>The admin password of the silo (and of the single-process node): HTTP Basic user <c>admin</c>.</summary>
    public const string AdminPassword = "test-admin-password";

    /// <summary>Starts one more Api node on the same cluster, PostgreSQL, Redis and settings; stopped with the fixture.</summary>
    public async Task<Uri> AddApiNodeAsync()
    {
        var (node, address) = await StartApiAsync();
        lock (extraApis)
        {
            extraApis.Add(node);
        }

        return address;
    }

    private Task<(WebApplication App, Uri Address)> StartApiAsync() => StartAsync(LesCopains.Api.ApiApplication.Build(apiArguments));

    private static async Task<(WebApplication App, Uri Address)> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)));
    }

    /// <summary>An HTTP client on the first Api node, or on <paramref name="node"/> (from <see cref="AddApiNodeAsync"/>).</summary>
    public HttpClient CreateClient(string? accessToken = null, Uri? node = null)
    {
        var client = new HttpClient { BaseAddress = node ?? BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (accessToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", accessToken);
        }

        return client;
    }

    /// <summary>
    /// A SignalR client on <c>/hubs/gateway</c> with the given token (WebSockets only, without
    /// negotiation), or with <paramref name="direct"/> on the direct transport (<c>/hubs/gateway/ws</c>,
    /// <c>DIRECT_WEBSOCKETS</c>), or with <paramref name="transport"/> negotiated and only that
    /// transport (e.g. long polling, as where WebSockets are blocked).
    /// </summary>
    public HubConnection CreateHubConnection(Func<string?> accessToken, Uri? node = null, bool direct = false, HttpTransportType? transport = null) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(node ?? BaseAddress, direct ? "/hubs/gateway/ws" : "/hubs/gateway"), o =>
            {
                o.AccessTokenProvider = () => Task.FromResult(accessToken());
                o.Transports = transport ?? HttpTransportType.WebSockets;
                o.SkipNegotiation = transport is null;
            })
            // Twice the Api's default keep-alive (30 s), as ready.keepAliveMs tells browsers to wait.
            .WithServerTimeout(TimeSpan.FromMinutes(1))
            .Build();

    public async Task DisposeAsync()
    {
        foreach (var node in extraApis)
        {
            await node.StopAsync();
            await node.DisposeAsync();
        }

        if (api is not null)
        {
            await api.StopAsync();
            await api.DisposeAsync();
        }

        if (silo is not null)
        {
            await silo.StopAsync();
            await silo.DisposeAsync();
        }
    }
}
