using System.Text.Json;
using LesCopains.Api.Hubs;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LesCopains.Api.Tests;

/// <summary><c>MAX_CONNECTIONS_PER_USER</c> (1 in this cluster): one account cannot multiply a guild's fan-out on a node.</summary>
[Collection(GatewayLimitsCollection.Name)]
public sealed class ConnectionLimitTests(GatewayLimitsCluster cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_connection_past_the_limit_is_refused_with_its_code_and_the_open_one_keeps_working()
    {
        var (owner, member, general) = await MessageTests.GuildAsync(cluster);
        var connections = cluster.ApiServices.GetRequiredService<GatewayConnections>();
        var memberId = Guid.Parse(member.User.Id);

        await using var first = cluster.CreateHubConnection(() => member.AccessToken);
        var firstGot = Inbox();
        first.OnMessageCreate(e => firstGot.Writer.TryWrite(e.GetProperty("message").GetProperty("content").GetString()!));
        await first.StartAsync();

        // The second is closed by the server with the code, and (allowReconnect false) not retried.
        var refusal = await RefusalAsync(member.AccessToken);
        Assert.Contains($"{GatewayConnections.TooManyConnections}:", refusal, StringComparison.Ordinal);
        Assert.Equal(1, connections.CountOf(memberId));

        // Another account is not affected, and the open connection still gets the guild's events
        // (the refused one did not count as this user leaving the node).
        await using var ownerHub = cluster.CreateHubConnection(() => owner.AccessToken);
        await ownerHub.StartAsync();
        await ownerHub.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = "still here" });
        Assert.Equal("still here", await firstGot.Reader.ReadAsync().AsTask().WaitAsync(Deadline));

        // Once the first one closes, the account may connect again.
        await first.StopAsync();
        await Poll.UntilAsync(() => Task.FromResult(connections.CountOf(memberId) == 0), Deadline, "the first connection's disconnect");

        await using var again = cluster.CreateHubConnection(() => member.AccessToken);
        var againGot = Inbox();
        again.OnMessageCreate(e => againGot.Writer.TryWrite(e.GetProperty("message").GetProperty("content").GetString()!));
        await again.StartAsync();
        await ownerHub.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = "welcome back" });
        Assert.Equal("welcome back", await againGot.Reader.ReadAsync().AsTask().WaitAsync(Deadline));
        Assert.Equal(HubConnectionState.Connected, again.State);
    }

    private static System.Threading.Channels.Channel<string> Inbox() => System.Threading.Channels.Channel.CreateUnbounded<string>();

    /// <summary>Connects as the account; returns the error the server closed the connection with.</summary>
    private async Task<string> RefusalAsync(string accessToken)
    {
        await using var extra = cluster.CreateHubConnection(() => accessToken);
        var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        extra.Closed += error =>
        {
            closed.TrySetResult(error?.Message ?? "(closed without an error)");
            return Task.CompletedTask;
        };
        try
        {
            await extra.StartAsync();
        }
        catch (Exception ex)
        {
            return ex.Message;
        }

        return await closed.Task.WaitAsync(Deadline);
    }
}
