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
