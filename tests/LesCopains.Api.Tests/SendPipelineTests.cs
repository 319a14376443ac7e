using System.Diagnostics;
using System.Text.Json;
using LesCopains.Grains.Channels;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LesCopains.Api.Tests;

/// <summary>
/// One connection may have several sends in flight (their commits overlap) and they are still
/// stored in the order it made them; its other calls still run one at a time, in order.
/// </summary>
[Collection(ApiCollection.Name)]
public class SendPipelineTests(InProcessCluster cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Sends_waiting_for_their_commit_do_not_hold_up_the_connection_and_are_stored_in_the_order_sent()
    {
        var (owner, _, general) = await MessageTests.GuildAsync(cluster);
        await using var hub = await HubClient.ConnectAsync(cluster, owner.AccessToken);
        await hub.Connection.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = "warm" });

        // Hold every INSERT into messages: the first send's commit waits, the others queue behind it.
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var hold = new Npgsql.NpgsqlCommand("LOCK TABLE messages IN SHARE ROW EXCLUSIVE MODE", connection, transaction))
        {
            await hold.ExecuteNonQueryAsync();
        }

        const int Count = 20;
        var sends = Enumerable.Range(0, Count)
            .Select(i => hub.Connection.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = $"p{i}", nonce = $"p{i}" }))
            .ToList();

        // With one call at a time per connection, this would wait for the first commit.
        await hub.Connection.InvokeAsync<DateTimeOffset>("Ping").WaitAsync(Deadline);
        Assert.All(sends, s => Assert.False(s.IsCompleted));

        await transaction.RollbackAsync();
        var acks = await Task.WhenAll(sends).WaitAsync(Deadline);
        var seqs = acks.Select(a => a.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(Count, seqs.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"p{i}"), acks.Select(a => a.GetProperty("content").GetString()));
    }

    [Fact]
    public async Task A_call_that_is_not_a_send_keeps_its_turn_until_it_completes()
    {
        var (owner, _, general) = await MessageTests.GuildAsync(cluster);
        await using var hub = await HubClient.ConnectAsync(cluster, owner.AccessToken);
        var message = await hub.Connection.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = "react to me" });

        // Hold every INSERT into reactions: the reaction's call waits inside its turn.
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var hold = new Npgsql.NpgsqlCommand("LOCK TABLE reactions IN SHARE ROW EXCLUSIVE MODE", connection, transaction))
        {
            await hold.ExecuteNonQueryAsync();
        }

        var reaction = hub.Connection.InvokeAsync<JsonElement>("AddReaction", new { channelId = general, messageId = message.GetProperty("id").GetGuid(), emoji = "👍" });
        var ping = hub.Connection.InvokeAsync<DateTimeOffset>("Ping");
        await Task.Delay(500);
        Assert.False(reaction.IsCompleted);
        Assert.False(ping.IsCompleted, "a later call ran while the reaction still had its turn");

        await transaction.RollbackAsync();
        await reaction.WaitAsync(Deadline);
        await ping.WaitAsync(Deadline);
    }

    [Fact]
    public async Task A_failed_send_in_the_pipeline_fails_alone_and_the_next_ones_are_stored()
    {
        var (owner, _, general) = await MessageTests.GuildAsync(cluster);
        await using var hub = await HubClient.ConnectAsync(cluster, owner.AccessToken);
        var first = hub.Connection.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = "before" });
        var blank = hub.Connection.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = "   " });
        var last = hub.Connection.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = "after" });

        var error = await Assert.ThrowsAsync<HubException>(() => blank.WaitAsync(Deadline));
        Assert.StartsWith("validation_failed:", error.Message.Split("HubException: ")[^1], StringComparison.Ordinal);
        var (a, b) = (await first.WaitAsync(Deadline), await last.WaitAsync(Deadline));
        Assert.Equal(a.GetProperty("seq").GetInt64() + 1, b.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task A_channel_takes_a_streams_sends_in_their_numbers_order_whatever_order_the_calls_arrive_in()
    {
        var (owner, member, general) = await MessageTests.GuildAsync(cluster);
        var channel = cluster.ApiServices.GetRequiredService<IClusterClient>().GetGrain<IChannelGrain>(general);
        var stream = Guid.NewGuid();
        Task<MessageDto> Send(long number, string content) =>
            channel.SendMessageInOrder(Guid.Parse(owner.User.Id), content, null, null, [], true, new SendOrder(stream, number));

        // The stream's third send reaches the channel before its first two (none answered yet):
        // the channel has not seen this stream, and still waits for them.
        var early = Send(3, "three first");
        await Task.Delay(200);
        Assert.False(early.IsCompleted);
        var first = Send(1, "one first");
        var second = Send(2, "two first");
        Assert.Equal(["one first", "two first", "three first"], (await Task.WhenAll(first, second, early).WaitAsync(Deadline)).OrderBy(m => m.Seq).Select(m => m.Content));

        // The rest on a fresh stream (Send uses the current one).
        stream = Guid.NewGuid();
        var one = await Send(1, "one");

        // 4 and 3 come before 2: each waits for the one numbered before it.
        var four = Send(4, "four");
        var three = Send(3, "three");
        await Task.Delay(200);
        Assert.False(four.IsCompleted);
        Assert.False(three.IsCompleted);
        var two = Send(2, "two");
        var seqs = (await Task.WhenAll(two, three, four).WaitAsync(Deadline)).Select(m => m.Seq).ToList();
        Assert.Equal([one.Seq + 1, one.Seq + 2, one.Seq + 3], seqs);

        // Another stream (another connection) is not held up by this one's missing send.
        var waited = Stopwatch.StartNew();
        var gap = Send(6, "six");
        var other = await channel.SendMessageInOrder(Guid.Parse(member.User.Id), "other", null, null, [], true, new SendOrder(Guid.NewGuid(), 1)).WaitAsync(Deadline);
        Assert.False(gap.IsCompleted);

        // 5 never comes (its call was lost): 6 goes ahead after the wait, and 5 is not waited for later.
        var six = await gap.WaitAsync(Deadline);
        Assert.True(six.Seq > other.Seq);
        Assert.True(waited.Elapsed >= SendOrdering.MaxWait - TimeSpan.FromMilliseconds(50), $"went ahead after {waited.Elapsed}");
        var five = await Send(5, "five").WaitAsync(Deadline);
        Assert.Equal(six.Seq + 1, five.Seq);
    }
}
