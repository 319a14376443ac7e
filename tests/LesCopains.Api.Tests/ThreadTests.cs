using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using LesCopains.Grains.Guilds;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class ThreadTests(InProcessCluster cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public sealed record ThreadView(Guid Id, Guid GuildId, Guid ParentId, Guid? StarterMessageId, Guid CreatorId, string Name, bool Archived,
        DateTimeOffset? ArchivedAt, DateTimeOffset CreatedAt, long MessageCount, DateTimeOffset LastActivityAt, int AutoArchiveDuration);

    public sealed record MessageView(Guid Id, Guid ChannelId, string Content, DateTimeOffset CreatedAt, ThreadView? Thread);

    private sealed record ThreadList(IReadOnlyList<ThreadView> Threads);

    private sealed record MessageList(IReadOnlyList<MessageView> Messages);

    [Fact]
    public async Task A_thread_uses_its_parent_channel_permissions_for_reading_sending_and_live_events()
    {
        using var owner = await GuildClient.NewAsync(cluster, "own");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var staff = await owner.CreateRoleAsync(guild.Id, "staff");
        var secret = await owner.CreatePrivateChannelAsync(guild.Id, "secret", staff.Id);
        var thread = await CreateThreadAsync(owner, secret.Id, "plans", null);
        await SendAsync(owner, thread.Id, "hidden thread words");

        // Denied VIEW_CHANNEL on the parent: the thread does not exist for them.
        await member.ExpectErrorAsync(HttpMethod.Get, $"/api/channels/{thread.Id}/messages", HttpStatusCode.NotFound, "channel_not_found");
        await member.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{thread.Id}/messages", HttpStatusCode.NotFound, "channel_not_found", new { content = "hi" });
        await member.ExpectErrorAsync(HttpMethod.Get, $"/api/threads/{thread.Id}", HttpStatusCode.NotFound, "channel_not_found");
        await member.ExpectErrorAsync(HttpMethod.Get, $"/api/channels/{secret.Id}/threads", HttpStatusCode.NotFound, "channel_not_found");
        await member.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{secret.Id}/threads", HttpStatusCode.NotFound, "channel_not_found", new { name = "mine" });

        // Nor do its live events reach them: a later event of #general does, the thread's before it did not.
        await using (var hub = await member.ConnectHubAsync())
        {
            var seen = new ConcurrentQueue<Guid>();
            var sentinel = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            hub.Connection.OnMessageCreate(e =>
            {
                seen.Enqueue(e.GetProperty("channelId").GetGuid());
                if (e.GetProperty("channelId").GetGuid() == guild.General.Id)
                {
                    sentinel.TrySetResult();
                }
            });
            hub.Connection.On<JsonElement>("thread:update", e => seen.Enqueue(e.GetProperty("thread").GetProperty("id").GetGuid()));
            await SendAsync(owner, thread.Id, "still hidden");
            await SendAsync(owner, guild.General.Id, "everyone");
            await sentinel.Task.WaitAsync(Deadline);
            Assert.DoesNotContain(thread.Id, seen);
        }

        // An allow on the parent opens the thread.
        await owner.SetOverwriteAsync(guild.Id, secret.Id, member.Id, "member", Permissions.ViewChannel, Permissions.None);
        var history = await member.ExpectAsync<MessageList>(HttpMethod.Get, $"/api/channels/{thread.Id}/messages");
        Assert.Equal(["hidden thread words", "still hidden"], history.Messages.Select(m => m.Content));
        await SendAsync(member, thread.Id, "now I am in");
        Assert.Equal("plans", (await member.ExpectAsync<ThreadView>(HttpMethod.Get, $"/api/threads/{thread.Id}")).Name);

        // Sending in threads is its own permission, taken from the parent's overwrites.
        await owner.SetOverwriteAsync(guild.Id, secret.Id, member.Id, "member", Permissions.ViewChannel, Permissions.SendMessagesInThreads);
        await member.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{thread.Id}/messages", HttpStatusCode.Forbidden, "missing_permission", new { content = "no" });
        await SendAsync(member, secret.Id, "the parent still takes messages");
    }

    [Fact]
    public async Task An_archived_thread_is_read_only_until_its_creator_or_a_thread_manager_unarchives_it()
    {
        using var owner = await GuildClient.NewAsync(cluster, "own");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 2);
        using var creator = members[0];
        using var other = members[1];
        var starter = await SendAsync(owner, guild.General.Id, "let us discuss");
        var thread = await CreateThreadAsync(creator, guild.General.Id, "discussion", starter.Id);
        var early = await SendAsync(creator, thread.Id, "first");

        await other.ExpectErrorAsync(HttpMethod.Patch, $"/api/threads/{thread.Id}", HttpStatusCode.Forbidden, "missing_permission", new { archived = true });
        var archived = await creator.ExpectAsync<ThreadView>(HttpMethod.Patch, $"/api/threads/{thread.Id}", new { archived = true });
        Assert.True(archived.Archived);
        Assert.NotNull(archived.ArchivedAt);

        await creator.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{thread.Id}/messages", HttpStatusCode.Forbidden, "thread_archived", new { content = "late" });
        await creator.ExpectErrorAsync(HttpMethod.Patch, $"/api/channels/{thread.Id}/messages/{early.Id}", HttpStatusCode.Forbidden, "thread_archived", new { content = "edited" });
        await owner.ExpectErrorAsync(HttpMethod.Delete, $"/api/channels/{thread.Id}/messages/{early.Id}", HttpStatusCode.Forbidden, "thread_archived");
        Assert.Single((await other.ExpectAsync<MessageList>(HttpMethod.Get, $"/api/channels/{thread.Id}/messages")).Messages);

        // Only the creator or MANAGE_THREADS reopens it; the owner holds every permission.
        await other.ExpectErrorAsync(HttpMethod.Patch, $"/api/threads/{thread.Id}", HttpStatusCode.Forbidden, "missing_permission", new { archived = false });
        var reopened = await owner.ExpectAsync<ThreadView>(HttpMethod.Patch, $"/api/threads/{thread.Id}", new { archived = false });
        Assert.False(reopened.Archived);
        Assert.Null(reopened.ArchivedAt);
        await SendAsync(creator, thread.Id, "back again");

        // A role with MANAGE_THREADS may archive someone else's thread.
        var mods = await owner.CreateRoleAsync(guild.Id, "mods", Permissions.ManageThreads);
        await owner.SetRolesAsync(guild.Id, other.Id, mods.Id);
        Assert.True((await other.ExpectAsync<ThreadView>(HttpMethod.Patch, $"/api/threads/{thread.Id}", new { archived = true })).Archived);
    }

    [Fact]
    public async Task A_thread_keeps_the_inactivity_limit_chosen_at_creation_until_its_manager_changes_it_to_another_allowed_value()
    {
        using var owner = await GuildClient.NewAsync(cluster, "own");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var general = guild.General.Id;

        Assert.Equal(1440, (await CreateThreadAsync(owner, general, "standard", null)).AutoArchiveDuration);
        var hourly = await CreateThreadAsync(owner, general, "hourly", null, 60);
        Assert.Equal(60, hourly.AutoArchiveDuration);

        // Only an hour, a day, three days or a week; a refused create stores nothing.
        foreach (var bad in new[] { 0, 90, -60, 20160 })
        {
            await owner.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{general}/threads", HttpStatusCode.BadRequest, "validation_failed", new { name = "odd", autoArchiveDuration = bad });
        }

        var listed = await owner.ExpectAsync<ThreadList>(HttpMethod.Get, $"/api/channels/{general}/threads");
        Assert.Equal(["hourly", "standard"], listed.Threads.Select(t => t.Name));

        // A refused update changes nothing, not even the valid part of it.
        await owner.ExpectErrorAsync(HttpMethod.Patch, $"/api/threads/{hourly.Id}", HttpStatusCode.BadRequest, "validation_failed", new { name = "renamed", autoArchiveDuration = 30 });
        await member.ExpectErrorAsync(HttpMethod.Patch, $"/api/threads/{hourly.Id}", HttpStatusCode.Forbidden, "missing_permission", new { autoArchiveDuration = 10080 });
        var unchanged = await owner.ExpectAsync<ThreadView>(HttpMethod.Get, $"/api/threads/{hourly.Id}");
        Assert.Equal(("hourly", 60), (unchanged.Name, unchanged.AutoArchiveDuration));

        await using var hub = await member.ConnectHubAsync();
        var updated = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Connection.On<JsonElement>("thread:update", e => updated.TrySetResult(e.GetProperty("thread")));
        var weekly = await owner.ExpectAsync<ThreadView>(HttpMethod.Patch, $"/api/threads/{hourly.Id}", new { autoArchiveDuration = 10080 });
        Assert.Equal(("hourly", 10080, false), (weekly.Name, weekly.AutoArchiveDuration, weekly.Archived));
        Assert.Equal(10080, (await updated.Task.WaitAsync(Deadline)).GetProperty("autoArchiveDuration").GetInt32());
        Assert.Equal(10080, (await member.ExpectAsync<ThreadView>(HttpMethod.Get, $"/api/threads/{hourly.Id}")).AutoArchiveDuration);
        Assert.Equal(10080, (await member.ExpectAsync<ThreadList>(HttpMethod.Get, $"/api/channels/{general}/threads")).Threads.Single(t => t.Id == hourly.Id).AutoArchiveDuration);
    }

    [Fact]
    public async Task A_channel_lists_its_active_and_archived_threads_and_starter_messages_show_their_thread()
    {
        using var owner = await GuildClient.NewAsync(cluster, "own");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var general = guild.General.Id;
        await using var hub = await member.ConnectHubAsync();
        var created = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var updates = new ConcurrentQueue<JsonElement>();
        var updated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Connection.On<JsonElement>("thread:create", e => created.TrySetResult(e));
        hub.Connection.On<JsonElement>("thread:update", e =>
        {
            updates.Enqueue(e);
            if (e.GetProperty("thread").GetProperty("messageCount").GetInt64() == 2)
            {
                updated.TrySetResult();
            }
        });

        var starter = await SendAsync(owner, general, "a topic worth a thread");
        var first = await CreateThreadAsync(owner, general, "first", starter.Id);
        var evt = await created.Task.WaitAsync(Deadline);
        Assert.Equal(general, evt.GetProperty("channelId").GetGuid());
        Assert.Equal(first.Id, evt.GetProperty("thread").GetProperty("id").GetGuid());
        Assert.Equal(starter.Id, evt.GetProperty("thread").GetProperty("starterMessageId").GetGuid());

        await SendAsync(member, first.Id, "reply one");
        var last = await SendAsync(owner, first.Id, "reply two");
        await updated.Task.WaitAsync(Deadline);

        var second = await CreateThreadAsync(member, general, "second", null);
        var third = await CreateThreadAsync(member, general, "third", null);
        await member.ExpectAsync<ThreadView>(HttpMethod.Patch, $"/api/threads/{second.Id}", new { archived = true });

        var active = await member.ExpectAsync<ThreadList>(HttpMethod.Get, $"/api/channels/{general}/threads");
        Assert.Equal([third.Id, first.Id], active.Threads.Select(t => t.Id));
        var archived = await member.ExpectAsync<ThreadList>(HttpMethod.Get, $"/api/channels/{general}/threads?archived=true");
        Assert.Equal([second.Id], archived.Threads.Select(t => t.Id));
        var page1 = await member.ExpectAsync<ThreadList>(HttpMethod.Get, $"/api/channels/{general}/threads?limit=1");
        var page2 = await member.ExpectAsync<ThreadList>(HttpMethod.Get, $"/api/channels/{general}/threads?limit=1&before={page1.Threads[0].Id}");
        Assert.Equal([third.Id], page1.Threads.Select(t => t.Id));
        Assert.Equal([first.Id], page2.Threads.Select(t => t.Id));

        // The starter message carries its thread: name, message count, last activity.
        var history = await member.ExpectAsync<MessageList>(HttpMethod.Get, $"/api/channels/{general}/messages");
        var shown = history.Messages.Single(m => m.Id == starter.Id).Thread;
        Assert.NotNull(shown);
        Assert.Equal(("first", 2L), (shown.Name, shown.MessageCount));
        Assert.Equal(last.CreatedAt, shown.LastActivityAt, TimeSpan.FromMilliseconds(1));
        Assert.All(history.Messages.Where(m => m.Id != starter.Id), m => Assert.Null(m.Thread));

        // One thread per message, none inside a thread, and names are checked.
        await member.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{general}/threads", HttpStatusCode.Conflict, "thread_exists", new { name = "again", messageId = starter.Id });
        await member.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{first.Id}/threads", HttpStatusCode.BadRequest, "validation_failed", new { name = "nested" });
        await member.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{general}/threads", HttpStatusCode.BadRequest, "validation_failed", new { name = "  " });
        await member.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{general}/threads", HttpStatusCode.NotFound, "message_not_found", new { name = "x", messageId = Guid.CreateVersion7() });
        Assert.Equal(3, (await member.ExpectAsync<ThreadList>(HttpMethod.Get, $"/api/channels/{general}/threads")).Threads.Count
            + (await member.ExpectAsync<ThreadList>(HttpMethod.Get, $"/api/channels/{general}/threads?archived=true")).Threads.Count);
    }

    [Fact]
    public async Task A_ban_that_deletes_messages_corrects_the_thread_message_count_and_tells_the_viewers()
    {
        using var owner = await GuildClient.NewAsync(cluster, "own");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        using var spammer = members[0];
        var thread = await CreateThreadAsync(owner, guild.General.Id, "ideas", null);
        await SendAsync(owner, thread.Id, "a real idea");
        var spam = new[] { await SendAsync(spammer, thread.Id, "spam one"), await SendAsync(spammer, thread.Id, "spam two") };
        var parentSpam = await SendAsync(spammer, guild.General.Id, "spam in the parent");
        Assert.Equal(3, (await owner.ExpectAsync<ThreadView>(HttpMethod.Get, $"/api/threads/{thread.Id}")).MessageCount);

        await using var hub = await owner.ConnectHubAsync();
        var deleted = new ConcurrentQueue<(Guid ChannelId, Guid Id)>();
        var counts = new ConcurrentQueue<long>();
        var corrected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Connection.On<JsonElement>("message:delete", e => deleted.Enqueue((e.GetProperty("channelId").GetGuid(), e.GetProperty("id").GetGuid())));
        hub.Connection.On<JsonElement>("thread:update", e =>
        {
            var view = e.GetProperty("thread");
            if (view.GetProperty("id").GetGuid() == thread.Id)
            {
                counts.Enqueue(view.GetProperty("messageCount").GetInt64());
                if (view.GetProperty("messageCount").GetInt64() == 1)
                {
                    corrected.TrySetResult();
                }
            }
        });

        await owner.ExpectStatusAsync(HttpMethod.Put, $"/api/guilds/{guild.Id}/bans/{spammer.Id}", new { reason = "spam", deleteMessageSeconds = 3600 });

        // The ban also ends the spammer's membership of the thread (a thread:update with the member
        // count, which may come before the correction): every update says the thread's state then.
        await corrected.Task.WaitAsync(Deadline);
        Assert.Equal(1L, counts.Last());
        Assert.All(counts, c => Assert.Contains(c, new[] { 1L, 3L }));
        await Poll.UntilAsync(() => Task.FromResult(deleted.Count == 3), Deadline, "the three deletions announced");
        Assert.Equal(spam.Select(m => (thread.Id, m.Id)).Append((guild.General.Id, parentSpam.Id)).Order(), deleted.Order());

        // The live count stays right: the next message makes two, as the stored count says.
        await SendAsync(owner, thread.Id, "another idea");
        Assert.Equal(2, (await owner.ExpectAsync<ThreadView>(HttpMethod.Get, $"/api/threads/{thread.Id}")).MessageCount);
        await Poll.UntilAsync(() => Task.FromResult(counts.Last() == 2), Deadline, "the update of the next message");
        var listed = (await owner.ExpectAsync<ThreadList>(HttpMethod.Get, $"/api/channels/{guild.General.Id}/threads")).Threads.Single(t => t.Id == thread.Id);
        Assert.Equal(2, listed.MessageCount);
    }

    // ------------------------------------------------------------------ helpers

    internal static Task<ThreadView> CreateThreadAsync(GuildClient client, Guid channelId, string name, Guid? messageId, int? autoArchiveDuration = null) =>
        client.ExpectAsync<ThreadView>(HttpMethod.Post, $"/api/channels/{channelId}/threads", new { name, messageId, autoArchiveDuration }, HttpStatusCode.Created);

    internal static Task<MessageView> SendAsync(GuildClient client, Guid channelId, string content) =>
        client.ExpectAsync<MessageView>(HttpMethod.Post, $"/api/channels/{channelId}/messages", new { content }, HttpStatusCode.Created);
}
