using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace LesCopains.Testing;

/// <summary>An SFU worker as deployed: a real Janus plus the worker adapter (in this process), registered with a cluster.</summary>
public sealed class SfuWorkerNode : IAsyncDisposable
{
    private WebApplication? adapter;

    private SfuWorkerNode(JanusProcess janus, string workerId)
    {
        Janus = janus;
        WorkerId = workerId;
    }

    public JanusProcess Janus { get; }

    public string WorkerId { get; }

    public Uri Url { get; private set; } = null!;

    public static async Task<SfuWorkerNode> StartAsync(string clusterId, string secret, string workerId)
    {
        var janus = await JanusProcess.StartAsync();
        var node = new SfuWorkerNode(janus, workerId);
        var port = TestEnvironment.FreePort();
        node.adapter = LesCopains.SfuWorker.SfuWorkerApplication.Build(
        [
            $"--REDIS_URL={TestEnvironment.RedisUrl}",
            $"--CLUSTER_ID={clusterId}",
            "--BIND_ADDRESS=127.0.0.1",
            $"--SFU_WORKER_PORT={port}",
            $"--SFU_WORKER_URL=http://127.0.0.1:{port}",
            $"--SFU_WORKER_SECRET={secret}",
            $"--SFU_WORKER_ID={workerId}",
            "--SFU_HEARTBEAT_SECONDS=1",
            $"--JANUS_URL={janus.Settings["JANUS_URL"]}",
            $"--JANUS_ADMIN_URL={janus.Settings["JANUS_ADMIN_URL"]}",
            $"--JANUS_ADMIN_SECRET={janus.Settings["JANUS_ADMIN_SECRET"]}",
            $"--JANUS_ADMIN_KEY={janus.Settings["JANUS_ADMIN_KEY"]}",
        ]);
        await node.adapter.StartAsync();
        var address = node.adapter.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        node.Url = new Uri(address);
        return node;
    }

    /// <summary>The worker host dies: Janus is killed and the adapter stops (no more heartbeats).</summary>
    public async Task KillAsync()
    {
        Janus.Kill();
        if (adapter is not null)
        {
            var app = adapter;
            adapter = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        await Janus.DisposeAsync();
    }
}
