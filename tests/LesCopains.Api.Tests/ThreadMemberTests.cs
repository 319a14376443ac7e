using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using LesCopains.Grains.Guilds;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace LesCopains.Api.Tests;

/// <summary>Following threads: who joins a thread, who may, what it changes in the read states, and the events.</summary>
[Collection(ApiCollection.Name)]
public sealed class ThreadMemberTests(InProcessCluster cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private sealed record Followed(Guid Id, Guid ParentId, string Name, bool Archived, int MemberCount);

    private sealed record FollowedList(IReadOnlyList<Followed> Threads);

    [Fact]
    public async Task Creating_or_posting_in_a_thread_joins_it_and_anyone_who_sees_it_may_join_and_leave_it_idempotently()
    {
        using var owner = await GuildClient.NewAsync(cluster, "tm");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 3);
        using var poster = members[0];
        using var reader = members[1];
        using var outsider = members[2];
        var general = guild.General.Id;
        var thread = await ThreadTests.CreateThreadAsync(owner, general, "plans", null);

        // The creator follows it from the start.
        Assert.Equal(1, (await Thread(owner, thread.Id)).MemberCount);
        Assert.Equal([thread.Id], (await FollowedAsync(owner)).Select(t => t.Id));
        Assert.Empty(await FollowedAsync(poster));
        Assert.Equal([owner.Id], await MembersInDatabaseAsync(thread.Id));

        // Posting joins, once the message is committed (after the send's answer, so poll).
        await owner.PostAsync(general, "not in the thread");
        Assert.Equal([thread.Id], (await FollowedAsync(owner)).Select(t => t.Id));
        await ThreadTests.SendAsync(poster, thread.Id, "count me in");
        await ThreadTests.SendAsync(poster, thread.Id, "and again");
        await Until(async () => (await FollowedAsync(poster)).Any(t => t.Id == thread.Id));
        Assert.Equal(2, (await Thread(owner, thread.Id)).MemberCount);

        // Joining by hand: twice is once.
        var joined = await reader.ExpectAsync<Followed>(HttpMethod.Put, $"/api/threads/{thread.Id}/members/@me");
        Assert.Equal((thread.Id, 3), (joined.Id, joined.MemberCount));
        Assert.Equal(3, (await reader.ExpectAsync<Followed>(HttpMethod.Put, $"/api/threads/{thread.Id}/members/@me")).MemberCount);
        Assert.Equal([thread.Id], (await FollowedAsync(reader)).Select(t => t.Id));

        // Leaving: twice is once; the thread stays readable.
        await reader.ExpectStatusAsync(HttpMethod.Delete, $"/api/threads/{thread.Id}/members/@me");
        await reader.ExpectStatusAsync(HttpMethod.Delete, $"/api/threads/{thread.Id}/members/@me");
        Assert.Empty(await FollowedAsync(reader));
        Assert.Equal(2, (await Thread(reader, thread.Id)).MemberCount);
        Assert.Equal([owner.Id, poster.Id], (await MembersInDatabaseAsync(thread.Id)).Order());

        // A thread one cannot see, or a channel that is not a thread, cannot be joined or left.
        var staff = await owner.CreateRoleAsync(guild.Id, "staff");
        var secret = await owner.CreatePrivateChannelAsync(guild.Id, "secret", staff.Id);
        var hidden = await ThreadTests.CreateThreadAsync(owner, secret.Id, "hidden", null);
        await outsider.ExpectErrorAsync(HttpMethod.Put, $"/api/threads/{hidden.Id}/members/@me", HttpStatusCode.NotFound, "channel_not_found");
        await outsider.ExpectErrorAsync(HttpMethod.Delete, $"/api/threads/{hidden.Id}/members/@me", HttpStatusCode.NotFound, "channel_not_found");
        await outsider.ExpectErrorAsync(HttpMethod.Put, $"/api/threads/{general}/members/@me", HttpStatusCode.NotFound, "channel_not_found");
        await outsider.ExpectErrorAsync(HttpMethod.Put, $"/api/threads/{Guid.NewGuid()}/members/@me", HttpStatusCode.NotFound, "channel_not_found");
        Assert.Equal([owner.Id], await MembersInDatabaseAsync(hidden.Id));

        // An archived thread cannot be joined, can be left, and is not listed.
        await owner.ExpectAsync<JsonElement>(HttpMethod.Patch, $"/api/threads/{thread.Id}", new { archived = true });
        await outsider.ExpectErrorAsync(HttpMethod.Put, $"/api/threads/{thread.Id}/members/@me", HttpStatusCode.Forbidden, "thread_archived");
        Assert.DoesNotContain(await FollowedAsync(owner), t => t.Id == thread.Id);
        await poster.ExpectStatusAsync(HttpMethod.Delete, $"/api/threads/{thread.Id}/members/@me");
        Assert.Equal([owner.Id], await MembersInDatabaseAsync(thread.Id));

        // Unarchived, it is listed again for whoever still follows it.
        await owner.ExpectAsync<JsonElement>(HttpMethod.Patch, $"/api/threads/{thread.Id}", new { archived = false });
        Assert.Contains(await FollowedAsync(owner), t => t.Id == thread.Id && t.MemberCount == 1);
    }

    [Fact]
    public async Task A_followed_thread_is_listed_only_while_its_channel_is_visible_to_the_member()
    {
        using var owner = await GuildClient.NewAsync(cluster, "tm");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var side = await owner.CreateChannelAsync(guild.Id, "side");
        var thread = await ThreadTests.CreateThreadAsync(owner, side.Id, "talk", null);
        await member.ExpectAsync<Followed>(HttpMethod.Put, $"/api/threads/{thread.Id}/members/@me");
        Assert.Equal([thread.Id], (await FollowedAsync(member)).Select(t => t.Id));

        await owner.SetOverwriteAsync(guild.Id, side.Id, member.Id, "member", Permissions.None, Permissions.ViewChannel);
        Assert.Empty(await FollowedAsync(member));
        Assert.DoesNotContain(await member.ReadStatesAsync(), r => r.ChannelId == thread.Id);

        await owner.SetOverwriteAsync(guild.Id, side.Id, member.Id, "member", Permissions.None, Permissions.None);
        Assert.Equal([thread.Id], (await FollowedAsync(member)).Select(t => t.Id));
    }

    [Fact]
    public async Task A_followed_thread_counts_every_unread_message_since_joining_where_one_not_followed_counts_only_mentions()
    {
        using var owner = await GuildClient.NewAsync(cluster, "tm");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 2);
        using var follower = members[0];
        using var bystander = members[1];
        var thread = await ThreadTests.CreateThreadAsync(owner, guild.General.Id, "news", null);
        await owner.PostAsync(thread.Id, "before anyone joined");
        await owner.PostAsync(thread.Id, "still before");

        await follower.ExpectAsync<Followed>(HttpMethod.Put, $"/api/threads/{thread.Id}/members/@me");
        await owner.PostAsync(thread.Id, "after the join");
        await owner.PostAsync(thread.Id, $"<@{follower.Id}> <@{bystander.Id}> look");

        // Followed, never read: the messages since joining (not the two before), one mentioning them.
        var followed = await follower.ReadStateAsync(thread.Id);
        Assert.Equal((2, 1, (Guid?)guild.General.Id), (followed.Unread, followed.Mentions, followed.ParentId));
        // Not followed, never read: only the mention.
        var other = await bystander.ReadStateAsync(thread.Id);
        Assert.Equal((1, 1), (other.Unread, other.Mentions));

        // Acking one message of a followed thread counts the rest as in a channel.
        var history = (await follower.HistoryAsync(thread.Id)).OrderBy(m => m.Seq).ToList();
        var acked = await follower.AckAsync(thread.Id, history[2].Id);
        Assert.Equal((1, 1), (acked.Unread, acked.Mentions));

        // Leaving a thread never read falls back to mentions only.
        await bystander.ExpectAsync<Followed>(HttpMethod.Put, $"/api/threads/{thread.Id}/members/@me");
        await owner.PostAsync(thread.Id, "for the followers");
        Assert.Equal((1, 0), (await bystander.ReadStateAsync(thread.Id)) is var s ? (s.Unread, s.Mentions) : default);
        await bystander.ExpectStatusAsync(HttpMethod.Delete, $"/api/threads/{thread.Id}/members/@me");
        Assert.Equal((1, 1), (await bystander.ReadStateAsync(thread.Id)) is var t ? (t.Unread, t.Mentions) : default);
    }

    [Fact]
    public async Task Joining_and_leaving_reach_the_members_own_connections_and_the_viewers_see_the_member_count()
    {
        using var owner = await GuildClient.NewAsync(cluster, "tm");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 2);
        using var member = members[0];
        using var viewer = members[1];
        await using var memberHub = await member.ConnectHubAsync();
        await using var viewerHub = await viewer.ConnectHubAsync();
        var own = new ConcurrentQueue<JsonElement>();
        var ownSeen = new SemaphoreSlim(0);
        memberHub.Connection.On<JsonElement>("thread:member:update", e =>
        {
            own.Enqueue(e);
            ownSeen.Release();
        });
        var others = new ConcurrentQueue<JsonElement>();
        viewerHub.Connection.On<JsonElement>("thread:member:update", e => others.Enqueue(e));
        var counts = new ConcurrentQueue<int>();
        var countSeen = new SemaphoreSlim(0);
        viewerHub.Connection.On<JsonElement>("thread:update", e =>
        {
            counts.Enqueue(e.GetProperty("thread").GetProperty("memberCount").GetInt32());
            countSeen.Release();
        });

        // Creating joins: the creator's connection hears it, with the thread whole.
        var thread = await ThreadTests.CreateThreadAsync(member, guild.General.Id, "ideas", null);
        Assert.True(await ownSeen.WaitAsync(Deadline));
        Assert.True(own.TryDequeue(out var created));
        Assert.Equal((thread.Id, guild.General.Id, true, "ideas", 1),
            (created.GetProperty("threadId").GetGuid(), created.GetProperty("parentId").GetGuid(), created.GetProperty("joined").GetBoolean(),
             created.GetProperty("thread").GetProperty("name").GetString(), created.GetProperty("thread").GetProperty("memberCount").GetInt32()));

        // Leaving and joining again: the member hears both; the viewer sees the count move, not the member's events.
        await member.ExpectStatusAsync(HttpMethod.Delete, $"/api/threads/{thread.Id}/members/@me");
        Assert.True(await ownSeen.WaitAsync(Deadline));
        Assert.True(own.TryDequeue(out var left));
        Assert.False(left.GetProperty("joined").GetBoolean());
        Assert.Equal(0, left.GetProperty("thread").GetProperty("memberCount").GetInt32());
        Assert.True(await countSeen.WaitAsync(Deadline));

        // A post joins the poster again.
        await ThreadTests.SendAsync(member, thread.Id, "back");
        Assert.True(await ownSeen.WaitAsync(Deadline));
        Assert.True(own.TryDequeue(out var rejoined));
        Assert.True(rejoined.GetProperty("joined").GetBoolean());
        while (!counts.Contains(1))
        {
            Assert.True(await countSeen.WaitAsync(Deadline));
        }

        Assert.Contains(0, counts);
        Assert.Empty(others);
    }

    [Fact]
    public async Task Leaving_the_guild_or_being_kicked_ends_every_thread_membership_there_and_the_threads_count_it()
    {
        using var owner = await GuildClient.NewAsync(cluster, "tm");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 2);
        using var leaver = members[0];
        using var kicked = members[1];
        var first = await ThreadTests.CreateThreadAsync(owner, guild.General.Id, "first", null);
        var second = await ThreadTests.CreateThreadAsync(owner, guild.General.Id, "second", null);
        foreach (var user in new[] { leaver, kicked })
        {
            foreach (var thread in new[] { first, second })
            {
                await user.ExpectAsync<Followed>(HttpMethod.Put, $"/api/threads/{thread.Id}/members/@me");
            }
        }

        Assert.Equal(3, (await Thread(owner, first.Id)).MemberCount);

        await leaver.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/members/@me");
        await owner.KickAsync(guild.Id, kicked.Id);

        Assert.Equal([owner.Id], await MembersInDatabaseAsync(first.Id));
        Assert.Equal([owner.Id], await MembersInDatabaseAsync(second.Id));
        // The threads' grains, active since the joins, count them out too (one-way calls: poll).
        await Until(async () => (await Thread(owner, first.Id)).MemberCount == 1 && (await Thread(owner, second.Id)).MemberCount == 1);
    }

    private static async Task<IReadOnlyList<Followed>> FollowedAsync(GuildClient user) =>
        (await user.ExpectAsync<FollowedList>(HttpMethod.Get, "/api/users/@me/threads")).Threads;

    private static Task<Followed> Thread(GuildClient user, Guid threadId) =>
        user.ExpectAsync<Followed>(HttpMethod.Get, $"/api/threads/{threadId}");

    private async Task<List<Guid>> MembersInDatabaseAsync(Guid threadId)
    {
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var command = db.CreateCommand("SELECT user_id FROM thread_members WHERE thread_id = $1");
        command.Parameters.AddWithValue(threadId);
        var list = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add(reader.GetGuid(0));
        }

        return list;
    }

    private static async Task Until(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not become true in time.");
            await Task.Delay(50);
        }
    }
}
