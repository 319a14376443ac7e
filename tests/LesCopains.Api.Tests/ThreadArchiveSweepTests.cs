using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;
using static LesCopains.Api.Tests.ThreadTests;

namespace LesCopains.Api.Tests;

/// <summary>A cluster whose silo looks for inactive threads every second.</summary>
public sealed class ThreadArchiveCluster : InProcessCluster
{
    protected override IEnumerable<string> SiloArguments => ["--THREAD_ARCHIVE_SWEEP_SECONDS=1"];
}

[CollectionDefinition(Name)]
public sealed class ThreadArchiveCollection : ICollectionFixture<ThreadArchiveCluster>
{
    public const string Name = "thread-archive";
}

/// <summary>
/// Inactivity is made by moving a thread's stored times (its row and its messages) into the past;
/// the channel grains keep what they cached, so only the sweep can tell them.
/// </summary>
[Collection(ThreadArchiveCollection.Name)]
public sealed class ThreadArchiveSweepTests(ThreadArchiveCluster cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_thread_inactive_past_its_limit_is_archived_for_everyone_and_refuses_sends_while_active_ones_stay_open()
    {
        using var owner = await GuildClient.NewAsync(cluster, "own");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var general = guild.General.Id;
        var stale = await CreateThreadAsync(owner, general, "stale", null, 60);
        await SendAsync(owner, stale.Id, "said long ago");
        var busy = await CreateThreadAsync(owner, general, "busy", null, 60);
        await SendAsync(owner, busy.Id, "said just now");
        var fresh = await CreateThreadAsync(owner, general, "fresh", null, 60);
        var sentinel = await CreateThreadAsync(owner, general, "sentinel", null, 60);

        await using var hub = await member.ConnectHubAsync();
        var archivedEvents = new ConcurrentDictionary<Guid, TaskCompletionSource<JsonElement>>();
        Task<JsonElement> ArchivedEvent(Guid id) => archivedEvents.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        hub.Connection.On<JsonElement>("thread:update", e =>
        {
            var thread = e.GetProperty("thread");
            if (thread.GetProperty("archived").GetBoolean())
            {
                archivedEvents.GetOrAdd(thread.GetProperty("id").GetGuid(), _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(e);
            }
        });

        // Two hours pass for the stale thread. The busy thread's row says it is due too, but its
        // newest message is recent; the fresh thread was just created.
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await AgeMessagesAsync(db, stale.Id);
        await AgeThreadAsync(db, stale.Id);
        await AgeThreadAsync(db, busy.Id);

        var evt = await ArchivedEvent(stale.Id).WaitAsync(Deadline);
        Assert.Equal(general, evt.GetProperty("channelId").GetGuid());
        Assert.Equal(JsonValueKind.String, evt.GetProperty("thread").GetProperty("archivedAt").ValueKind);
        var stored = await member.ExpectAsync<ThreadView>(HttpMethod.Get, $"/api/threads/{stale.Id}");
        Assert.True(stored.Archived);
        Assert.NotNull(stored.ArchivedAt);
        Assert.Contains(stale.Id, (await member.ExpectAsync<ThreadListView>(HttpMethod.Get, $"/api/channels/{general}/threads?archived=true")).Threads.Select(t => t.Id));

        // Its grain was active with a recent message in memory: it refuses because the sweep told it.
        await owner.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{stale.Id}/messages", HttpStatusCode.Forbidden, "thread_archived", new { content = "too late" });

        // Unarchiving restarts the clock: its last message is still two hours old, yet it stays open.
        Assert.False((await owner.ExpectAsync<ThreadView>(HttpMethod.Patch, $"/api/threads/{stale.Id}", new { archived = false })).Archived);

        // A sweep that archives the sentinel, made due only now, has also looked at every thread above.
        await AgeThreadAsync(db, sentinel.Id);
        await ArchivedEvent(sentinel.Id).WaitAsync(Deadline);
        foreach (var open in new[] { stale, busy, fresh })
        {
            Assert.False((await member.ExpectAsync<ThreadView>(HttpMethod.Get, $"/api/threads/{open.Id}")).Archived, open.Name);
        }

        Assert.False(ArchivedEvent(busy.Id).IsCompleted);
        Assert.False(ArchivedEvent(fresh.Id).IsCompleted);

        await SendAsync(owner, stale.Id, "back again");
        await SendAsync(member, busy.Id, "still talking");
        await SendAsync(member, fresh.Id, "first words");
    }

    [Fact]
    public async Task A_send_whose_commit_the_sweep_could_not_see_yet_keeps_its_thread_open()
    {
        using var owner = await GuildClient.NewAsync(cluster, "own");
        var guild = await owner.CreateGuildAsync();
        var thread = await CreateThreadAsync(owner, guild.General.Id, "racing", null, 60);
        await SendAsync(owner, thread.Id, "said long ago");
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await AgeMessagesAsync(db, thread.Id);

        await using var hub = await owner.ConnectHubAsync();
        var updated = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Connection.On<JsonElement>("thread:update", e =>
        {
            if (e.GetProperty("thread").GetProperty("id").GetGuid() == thread.Id)
            {
                updated.TrySetResult(e.GetProperty("thread"));
            }
        });

        // Inserts wait behind this lock (reads do not): the send is accepted, its row not committed.
        await using var blocker = await db.OpenConnectionAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await using (var lockMessages = new NpgsqlCommand("LOCK TABLE messages IN SHARE MODE", blocker, transaction))
        {
            await lockMessages.ExecuteNonQueryAsync();
        }

        var send = SendAsync(owner, thread.Id, "just in time");
        await Poll.UntilAsync(
            async () =>
            {
                await using var waiting = db.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO messages%'");
                return (long)(await waiting.ExecuteScalarAsync())!;
            },
            n => n > 0,
            Deadline,
            "the send's insert waiting for the lock");

        // Now the thread's row says it is due; the sweep sees only the old message and archives it.
        await AgeThreadAsync(db, thread.Id);
        var afterSweep = await updated.Task.WaitAsync(Deadline);
        await transaction.CommitAsync();
        var sent = await send.WaitAsync(Deadline);

        Assert.False(afterSweep.GetProperty("archived").GetBoolean());
        var stored = await owner.ExpectAsync<ThreadView>(HttpMethod.Get, $"/api/threads/{thread.Id}");
        Assert.False(stored.Archived);
        Assert.Null(stored.ArchivedAt);
        await SendAsync(owner, thread.Id, "and still talking");
        Assert.Equal("just in time", sent.Content);
    }

    private sealed record ThreadListView(IReadOnlyList<ThreadView> Threads);

    private static async Task AgeMessagesAsync(NpgsqlDataSource db, Guid threadId)
    {
        await using var command = db.CreateCommand("UPDATE messages SET created_at = created_at - interval '2 hours' WHERE channel_id = $1");
        command.Parameters.AddWithValue(threadId);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task AgeThreadAsync(NpgsqlDataSource db, Guid threadId)
    {
        await using var command = db.CreateCommand(
            """
            UPDATE threads
               SET created_at = created_at - interval '2 hours',
                   activity_at = activity_at - interval '2 hours',
                   archive_due_at = archive_due_at - interval '2 hours'
             WHERE id = $1
            """);
        command.Parameters.AddWithValue(threadId);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
