using System.Text.Json;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace LesCopains.Api.Tests;

/// <summary>A gateway connection with its server events captured as signals to await.</summary>
public sealed class HubClient : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly TaskCompletionSource<JsonElement> ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<JsonElement> revoked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<JsonElement> expired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Exception?> closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HubClient(HubConnection connection)
    {
        Connection = connection;
        connection.On<JsonElement>("ready", e => ready.TrySetResult(e));
        connection.On<JsonElement>("session:revoked", e => revoked.TrySetResult(e));
        connection.On<JsonElement>("token:expired", e => expired.TrySetResult(e));
        connection.Closed += ex =>
        {
            closed.TrySetResult(ex);
            return Task.CompletedTask;
        };
    }

    public HubConnection Connection { get; }

    public bool IsConnected => Connection.State == HubConnectionState.Connected;

    public bool WasRevoked => revoked.Task.IsCompleted;

    public bool IsClosed => closed.Task.IsCompleted;

    /// <summary>Connects with <paramref name="accessToken"/> and waits for <c>ready</c>.</summary>
    public static async Task<HubClient> ConnectAsync(InProcessCluster cluster, string accessToken, Uri? node = null)
    {
        var client = new HubClient(cluster.CreateHubConnection(() => accessToken, node));
        await client.Connection.StartAsync();
        await client.ReadyAsync();
        return client;
    }

    public Task<JsonElement> ReadyAsync() => ready.Task.WaitAsync(Deadline);

    public Task<JsonElement> RevokedAsync() => revoked.Task.WaitAsync(Deadline);

    public Task<JsonElement> TokenExpiredAsync() => expired.Task.WaitAsync(Deadline);

    public Task<Exception?> ClosedAsync() => closed.Task.WaitAsync(Deadline);

    public Task<DateTimeOffset> PingAsync() => Connection.InvokeAsync<DateTimeOffset>("Ping");

    public Task<JsonElement> ReauthenticateAsync(string accessToken) => Connection.InvokeAsync<JsonElement>("Reauthenticate", accessToken);

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
