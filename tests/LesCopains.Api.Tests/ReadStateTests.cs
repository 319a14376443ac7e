using System.Text.Json;
using System.Net;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class ReadStateTests(InProcessCluster cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Unread_and_mention_counts_come_from_the_server_and_drop_to_zero_after_an_ack()
    {
        using var owner = await GuildClient.NewAsync(cluster, "rs");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        var member = members[0];
        var general = guild.General.Id;
        var crew = await owner.CreateRoleAsync(guild.Id, "crew");
        await owner.SetRolesAsync(guild.Id, member.Id, crew.Id);

        await member.PostAsync(general, "my own message is never unread for me");
        await owner.PostAsync(general, "plain");
        await owner.PostAsync(general, $"hey <@{member.Id}>");
        await owner.PostAsync(general, $"crew <@&{crew.Id}>");
        var last = await owner.PostAsync(general, "@everyone meeting");

        var before = await member.ReadStateAsync(general);
        Assert.Equal((4, 3), (before.Unread, before.Mentions));
        Assert.Null(before.LastMessageId);
        var ownerView = await owner.ReadStateAsync(general);
        Assert.Equal((1, 0), (ownerView.Unread, ownerView.Mentions));

        var acked = await member.AckAsync(general, last.Id);
        Assert.Equal((0, 0, last.Id, last.Seq), (acked.Unread, acked.Mentions, acked.LastMessageId, acked.LastSeq));
        var after = await member.ReadStateAsync(general);
        Assert.Equal((0, 0, last.Id), (after.Unread, after.Mentions, after.LastMessageId));

        var next = await owner.PostAsync(general, $"<@{member.Id}> again");
        var later = await member.ReadStateAsync(general);
        Assert.Equal((1, 1), (later.Unread, later.Mentions));

        // Persisted in read_states (coalesced, so within a flush delay).
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            await using var query = db.CreateCommand("SELECT last_seq FROM read_states WHERE user_id = $1 AND channel_id = $2");
            query.Parameters.AddWithValue(member.Id);
            query.Parameters.AddWithValue(general);
            if (await query.ExecuteScalarAsync() is long seq && seq == last.Seq)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the ack never reached read_states");
            await Task.Delay(100);
        }

        Assert.Equal(0, (await member.AckAsync(general, next.Id)).Unread);
    }

    [Fact]
    public async Task Messages_and_mentions_by_someone_the_reader_blocked_do_not_count_and_count_again_once_unblocked()
    {
        using var owner = await GuildClient.NewAsync(cluster, "rs");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 2);
        var reader = members[0];
        var pest = members[1];
        var general = guild.General.Id;
        await owner.PostAsync(general, $"hello <@{reader.Id}>");
        await pest.PostAsync(general, $"oi <@{reader.Id}>");
        await pest.PostAsync(general, $"<@{reader.Id}> <@{reader.Id}> spam");
        await pest.PostAsync(general, "more spam");
        Assert.Equal((4, 3), await CountsAsync());

        await reader.ExpectStatusAsync(HttpMethod.Put, $"/api/dm/blocks/{pest.Id}");
        Assert.Equal((1, 1), await CountsAsync());
        // The others' counts do not change.
        Assert.Equal((3, 0), ((await owner.ReadStateAsync(general)).Unread, (await owner.ReadStateAsync(general)).Mentions));

        await reader.ExpectStatusAsync(HttpMethod.Delete, $"/api/dm/blocks/{pest.Id}");
        Assert.Equal((4, 3), await CountsAsync());

        async Task<(int, int)> CountsAsync()
        {
            var state = await reader.ReadStateAsync(general);
            return (state.Unread, state.Mentions);
        }
    }

    [Fact]
    public async Task Marking_a_guild_read_acks_every_channel_the_member_sees_up_to_its_newest_message()
    {
        using var owner = await GuildClient.NewAsync(cluster, "rs");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        var member = members[0];
        var general = guild.General.Id;
        var random = (await owner.CreateChannelAsync(guild.Id, "random")).Id;
        var quiet = (await owner.CreateChannelAsync(guild.Id, "quiet")).Id;
        var staffRole = await owner.CreateRoleAsync(guild.Id, "staff");
        var staff = (await owner.CreatePrivateChannelAsync(guild.Id, "staff", staffRole.Id)).Id;
        await owner.PostAsync(general, "one");
        var lastGeneral = await owner.PostAsync(general, $"<@{member.Id}> two");
        var lastRandom = await owner.PostAsync(random, "@everyone three");
        await owner.PostAsync(staff, "not for members");
        await using var otherTab = await member.ConnectHubAsync();
        var events = new SocialEvents(otherTab);
        Assert.Equal((2, 1), ((await member.ReadStateAsync(general)).Unread, (await member.ReadStateAsync(general)).Mentions));

        var acked = await member.ExpectAsync<AckedGuild>(HttpMethod.Post, $"/api/guilds/{guild.Id}/ack");

        // Every text channel it can see, at zero, read up to its newest message; a channel without
        // messages stays without a position; the private one is not touched.
        Assert.Equal(new[] { general, random, quiet }.Order(), acked.ReadStates.Select(r => r.ChannelId).Order());
        Assert.All(acked.ReadStates, r => Assert.Equal((0, 0), (r.Unread, r.Mentions)));
        Assert.Equal((lastGeneral.Id, lastGeneral.Seq), (acked.ReadStates.Single(r => r.ChannelId == general).LastMessageId, acked.ReadStates.Single(r => r.ChannelId == general).LastSeq));
        Assert.Equal(lastRandom.Id, acked.ReadStates.Single(r => r.ChannelId == random).LastMessageId);
        Assert.Null(acked.ReadStates.Single(r => r.ChannelId == quiet).LastMessageId);
        Assert.All(await member.ReadStatesAsync(), r => Assert.Equal((0, 0), (r.Unread, r.Mentions)));
        Assert.DoesNotContain(acked.ReadStates, r => r.ChannelId == staff);

        // The member's other tabs clear their badges: one readstate:update per channel.
        foreach (var channel in new[] { general, random, quiet })
        {
            await events.WaitForAsync("readstate:update", e => e.GetProperty("channelId").GetGuid() == channel);
        }

        // Later messages are unread again; marking again is idempotent.
        await owner.PostAsync(random, "four");
        Assert.Equal(1, (await member.ReadStateAsync(random)).Unread);
        await member.ExpectAsync<AckedGuild>(HttpMethod.Post, $"/api/guilds/{guild.Id}/ack");
        await member.ExpectAsync<AckedGuild>(HttpMethod.Post, $"/api/guilds/{guild.Id}/ack");
        Assert.Equal(0, (await member.ReadStateAsync(random)).Unread);

        // Not a member: guild_not_found, nothing written.
        using var stranger = await GuildClient.NewAsync(cluster, "rs");
        await stranger.ExpectErrorAsync(HttpMethod.Post, $"/api/guilds/{guild.Id}/ack", HttpStatusCode.NotFound, "guild_not_found");
        await stranger.ExpectErrorAsync(HttpMethod.Post, $"/api/guilds/{Guid.NewGuid()}/ack", HttpStatusCode.NotFound, "guild_not_found");
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var query = db.CreateCommand("SELECT count(*) FROM read_states WHERE user_id = $1");
        query.Parameters.AddWithValue(stranger.Id);
        Assert.Equal(0L, await query.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_thread_open_in_the_side_panel_can_be_acked_like_a_channel()
    {
        using var owner = await GuildClient.NewAsync(cluster, "rs");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        var member = members[0];
        var thread = await ThreadTests.CreateThreadAsync(owner, guild.General.Id, "side", null);
        var first = await owner.PostAsync(thread.Id, $"<@{member.Id}> in the thread");
        var acked = await member.AckAsync(thread.Id, first.Id);
        Assert.Equal((guild.Id, thread.Id, first.Id, 0, 0, (Guid?)guild.General.Id), (acked.GuildId, acked.ChannelId, acked.LastMessageId, acked.Unread, acked.Mentions, acked.ParentId));
        await owner.PostAsync(thread.Id, "more");
        var second = await member.AckAsync(thread.Id, first.Id);
        Assert.Equal((1, 0), (second.Unread, second.Mentions));
        Assert.Null((await member.AckAsync(guild.General.Id, (await owner.PostAsync(guild.General.Id, "in the channel")).Id)).ParentId);
    }

    [Fact]
    public async Task Threads_that_are_not_archived_have_read_states_and_one_never_read_counts_only_its_mentions()
    {
        using var owner = await GuildClient.NewAsync(cluster, "rs");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        var member = members[0];
        var general = guild.General.Id;
        var staffRole = await owner.CreateRoleAsync(guild.Id, "staff");
        var staff = (await owner.CreatePrivateChannelAsync(guild.Id, "staff", staffRole.Id)).Id;
        var busy = await ThreadTests.CreateThreadAsync(owner, general, "busy", null);
        var hidden = await ThreadTests.CreateThreadAsync(owner, staff, "hidden", null);
        var old = await ThreadTests.CreateThreadAsync(owner, general, "old", null);
        await owner.PostAsync(busy.Id, "chatter one");
        await owner.PostAsync(busy.Id, "chatter two");
        await owner.PostAsync(busy.Id, $"<@{member.Id}> your turn");
        await owner.PostAsync(hidden.Id, $"<@{member.Id}> you cannot see this");
        await owner.PostAsync(old.Id, $"<@{member.Id}> before it was archived");
        await owner.ExpectAsync<JsonElement>(HttpMethod.Patch, $"/api/threads/{old.Id}", new { archived = true });

        // Never read: only the mention counts as unread; with its parent named.
        var states = await member.ReadStatesAsync();
        var state = states.Single(r => r.ChannelId == busy.Id);
        Assert.Equal((1, 1, (Guid?)general, (Guid?)null), (state.Unread, state.Mentions, state.ParentId, state.LastMessageId));
        Assert.Null(states.Single(r => r.ChannelId == general).ParentId);
        // Not in a channel the member cannot see; not archived.
        Assert.DoesNotContain(states, r => r.ChannelId == hidden.Id || r.ChannelId == old.Id);

        // Once read, everything after the position counts, as in a channel.
        var first = (await member.HistoryAsync(busy.Id)).MinBy(m => m.Seq)!;
        await member.AckAsync(busy.Id, first.Id);
        state = (await member.ReadStatesAsync()).Single(r => r.ChannelId == busy.Id);
        Assert.Equal((2, 1), (state.Unread, state.Mentions));

        // "Mark as read" on the guild covers its threads.
        var acked = await member.ExpectAsync<AckedGuild>(HttpMethod.Post, $"/api/guilds/{guild.Id}/ack");
        var threadAck = acked.ReadStates.Single(r => r.ChannelId == busy.Id);
        Assert.Equal((0, 0, (Guid?)general), (threadAck.Unread, threadAck.Mentions, threadAck.ParentId));
        Assert.DoesNotContain(acked.ReadStates, r => r.ChannelId == hidden.Id || r.ChannelId == old.Id);
        Assert.Equal(0, (await member.ReadStatesAsync()).Single(r => r.ChannelId == busy.Id).Unread);
    }

    [Fact]
    public async Task Mark_unread_moves_the_position_back_to_just_before_a_message_at_once_and_tells_the_other_tabs()
    {
        using var owner = await GuildClient.NewAsync(cluster, "rs");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var general = guild.General.Id;
        var first = await owner.PostAsync(general, "first");
        var second = await owner.PostAsync(general, $"<@{member.Id}> second");
        var deleted = await owner.PostAsync(general, "third, deleted");
        var fourth = await owner.PostAsync(general, "fourth");
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/channels/{general}/messages/{deleted.Id}");
        Assert.Equal(0, (await member.AckAsync(general, fourth.Id)).Unread);

        await using var hub = await member.ConnectHubAsync();
        var told = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Connection.On<JsonElement>("readstate:update", e => told.TrySetResult(e));

        // From the second message on: it (a mention) and the fourth are unread again.
        var state = await member.ExpectAsync<SocialRoutes.ReadState>(HttpMethod.Post, $"/api/channels/{general}/messages/{second.Id}/unread");
        Assert.Equal((2, 1, first.Id, first.Seq), (state.Unread, state.Mentions, state.LastMessageId, state.LastSeq));
        Assert.Equal(first.Seq, (await told.Task.WaitAsync(Deadline)).GetProperty("lastSeq").GetInt64());
        Assert.Equal((2, 1), (await member.ReadStateAsync(general)) is var r ? (r.Unread, r.Mentions) : default);
        // Written at once, not at the next flush.
        Assert.Equal(first.Seq, await StoredSeqAsync(member.Id, general));

        // The position sits on the message before, deleted or not: from the fourth, only it is unread.
        state = await member.ExpectAsync<SocialRoutes.ReadState>(HttpMethod.Post, $"/api/channels/{general}/messages/{fourth.Id}/unread");
        Assert.Equal((1, 0, deleted.Id), (state.Unread, state.Mentions, state.LastMessageId));

        // From the channel's first message: no position at all, every message since joining counts.
        state = await member.ExpectAsync<SocialRoutes.ReadState>(HttpMethod.Post, $"/api/channels/{general}/messages/{first.Id}/unread");
        Assert.Equal((0L, (Guid?)null), (state.LastSeq, state.LastMessageId));
        Assert.Null(await StoredSeqAsync(member.Id, general));

        // Acking moves it forward again as usual.
        Assert.Equal(0, (await member.AckAsync(general, fourth.Id)).Unread);

        // A deleted message, one of another channel, or a channel one cannot see: refused, nothing changed.
        await member.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{general}/messages/{deleted.Id}/unread", HttpStatusCode.NotFound, "message_not_found");
        var other = await owner.CreateChannelAsync(guild.Id, "other");
        var elsewhere = await owner.PostAsync(other.Id, "elsewhere");
        await member.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{general}/messages/{elsewhere.Id}/unread", HttpStatusCode.NotFound, "message_not_found");
        var staff = await owner.CreateRoleAsync(guild.Id, "staff");
        var secret = await owner.CreatePrivateChannelAsync(guild.Id, "secret", staff.Id);
        var hidden = await owner.PostAsync(secret.Id, "hidden");
        await member.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{secret.Id}/messages/{hidden.Id}/unread", HttpStatusCode.NotFound, "channel_not_found");
        Assert.Equal(0, (await member.ReadStateAsync(general)).Unread);
    }

    private async Task<long?> StoredSeqAsync(Guid userId, Guid channelId)
    {
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var query = db.CreateCommand("SELECT last_seq FROM read_states WHERE user_id = $1 AND channel_id = $2");
        query.Parameters.AddWithValue(userId);
        query.Parameters.AddWithValue(channelId);
        return await query.ExecuteScalarAsync() as long?;
    }

    private sealed record AckedGuild(IReadOnlyList<SocialRoutes.ReadState> ReadStates);

    [Fact]
    public async Task A_read_position_never_moves_backwards_and_other_tabs_hear_of_acks()
    {
        using var owner = await GuildClient.NewAsync(cluster, "rs");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        var member = members[0];
        var general = guild.General.Id;
        var first = await owner.PostAsync(general, "one");
        var second = await owner.PostAsync(general, "two");
        await using var otherTab = await member.ConnectHubAsync();
        var events = new SocialEvents(otherTab);

        await member.AckAsync(general, second.Id);
        var backwards = await member.AckAsync(general, first.Id);
        Assert.Equal((second.Id, 0), (backwards.LastMessageId, backwards.Unread));
        var update = await events.WaitForAsync("readstate:update");
        Assert.Equal(general, update.GetProperty("channelId").GetGuid());

        // The hub method does the same.
        await using var hub = await member.ConnectHubAsync();
        var viaHub = await hub.Connection.InvokeAsync<SocialRoutes.ReadState>("AckMessage", new { channelId = general, messageId = first.Id });
        Assert.Equal(second.Id, viaHub.LastMessageId);
    }

    [Fact]
    public async Task Channels_a_member_cannot_view_have_no_read_state_and_refuse_acks()
    {
        using var owner = await GuildClient.NewAsync(cluster, "rs");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        var insiders = await owner.CreateRoleAsync(guild.Id, "insiders");
        var secret = await owner.CreatePrivateChannelAsync(guild.Id, "secret", insiders.Id);
        var hidden = await owner.PostAsync(secret.Id, $"<@{members[0].Id}> you cannot see this");

        Assert.DoesNotContain(await members[0].ReadStatesAsync(), r => r.ChannelId == secret.Id);
        await members[0].ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{secret.Id}/ack", HttpStatusCode.NotFound, "channel_not_found", new { messageId = hidden.Id });
        await members[0].ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{guild.General.Id}/ack", HttpStatusCode.NotFound, "message_not_found", new { messageId = hidden.Id });
    }
}
