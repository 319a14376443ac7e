using System.Net;
using System.Text.Json;
using LesCopains.Testing;
using static LesCopains.Api.Tests.GuildClient;

namespace LesCopains.Api.Tests;

/// <summary>
/// Polls (docs/API.md "Polls"): a poll is committed with its message, checked whole, voted on live
/// with one or several choices, ended by its author, and never edited.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class PollTests(InProcessCluster cluster)
{
    private static object Poll(string question = "Où dîne-t-on ?", bool multi = false, int hours = 24, params string[] answers) => new
    {
        question,
        answers = (answers.Length == 0 ? ["Pizza", "Sushi", "Crêpes"] : answers).Select(a => new { text = a }).ToArray(),
        durationHours = hours,
        allowMultiselect = multi,
    };

    private static int[] Counts(JsonElement results) =>
        [.. results.GetProperty("counts").EnumerateArray().Select(c => c.GetProperty("count").GetInt32())];

    private static async Task<JsonElement> PollInHistoryAsync(GuildClient reader, Guid channelId, Guid messageId)
    {
        var history = await reader.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/channels/{channelId}/messages");
        return history.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("id").GetGuid() == messageId).GetProperty("poll");
    }

    [Fact]
    public async Task A_poll_is_committed_with_its_message_and_reaches_members_live()
    {
        using var owner = await NewAsync(cluster, "pol");
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var general = guild.General.Id;
        await using var hub = await member.ConnectHubAsync();
        var events = new SocialEvents(hub);

        var sent = await owner.ExpectAsync<JsonElement>(HttpMethod.Post, $"/api/channels/{general}/polls", new
        {
            question = "  Où dîne-t-on ?  ",
            answers = new object[] { new { text = "Pizza", emoji = "🍕" }, new { text = "Sushi" } },
            durationHours = 4,
            nonce = "poll-1",
        }, HttpStatusCode.Created);
        var id = sent.GetProperty("id").GetGuid();
        Assert.Equal("Où dîne-t-on ?", sent.GetProperty("content").GetString());
        var poll = sent.GetProperty("poll");
        Assert.Equal([1, 2], poll.GetProperty("answers").EnumerateArray().Select(a => a.GetProperty("id").GetInt32()));
        Assert.Equal("🍕", poll.GetProperty("answers")[0].GetProperty("emoji").GetString());
        Assert.False(poll.GetProperty("answers")[1].TryGetProperty("emoji", out _));
        Assert.False(poll.GetProperty("allowMultiselect").GetBoolean());
        var expiresAt = poll.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromHours(3.9), TimeSpan.FromHours(4.1));
        Assert.Equal([0, 0], Counts(poll.GetProperty("results")));

        // Committed by the acknowledgement, in the same statement as the message.
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using (var row = db.CreateCommand("SELECT count(*) FROM polls p JOIN messages m ON m.id = p.message_id WHERE p.message_id = $1"))
        {
            row.Parameters.AddWithValue(id);
            Assert.Equal(1L, await row.ExecuteScalarAsync());
        }

        var created = await events.WaitForMessageAsync(id);
        Assert.Equal("Sushi", created.GetProperty("message").GetProperty("poll").GetProperty("answers")[1].GetProperty("text").GetString());
        var plain = await owner.PostAsync(general, "not a poll");
        var plainEvent = await events.WaitForMessageAsync(plain.Id);
        Assert.False(plainEvent.GetProperty("message").TryGetProperty("poll", out _), "messages without a poll carry no poll field");

        // The same nonce is the same poll.
        var again = await owner.ExpectAsync<JsonElement>(HttpMethod.Post, $"/api/channels/{general}/polls", new
        {
            question = "Où dîne-t-on ?",
            answers = new object[] { new { text = "Pizza", emoji = "🍕" }, new { text = "Sushi" } },
            durationHours = 4,
            nonce = "poll-1",
        }, HttpStatusCode.Created);
        Assert.Equal(id, again.GetProperty("id").GetGuid());
        Assert.Equal(2, again.GetProperty("poll").GetProperty("answers").GetArrayLength());

        Assert.Equal(expiresAt, (await PollInHistoryAsync(member, general, id)).GetProperty("expiresAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_polls_question_mentions_nobody_even_everyone()
    {
        using var owner = await NewAsync(cluster, "pol");
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var general = guild.General.Id;
        await using var hub = await member.ConnectHubAsync();
        var events = new SocialEvents(hub);

        var sent = await owner.ExpectAsync<JsonElement>(HttpMethod.Post, $"/api/channels/{general}/polls",
            Poll(question: $"@everyone <@{member.Id}> on vote ?"), HttpStatusCode.Created);
        Assert.False(sent.GetProperty("mentionEveryone").GetBoolean());
        Assert.Empty(sent.GetProperty("mentions").EnumerateArray());
        await events.WaitForMessageAsync(sent.GetProperty("id").GetGuid());

        // The same words in a message do mention: the member hears that one only.
        var message = await owner.PostAsync(general, $"<@{member.Id}> vote !");
        await events.WaitForMessageAsync(message.Id);
        await events.WaitForAsync("mention:create");
        Assert.Equal(1, events.Count("mention:create"));
    }

    [Fact]
    public async Task A_bad_poll_is_refused_whole_and_stores_nothing()
    {
        using var owner = await NewAsync(cluster, "pol");
        var guild = await owner.CreateGuildAsync();
        var path = $"/api/channels/{guild.General.Id}/polls";
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", Poll(question: "   "));
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", Poll(question: new string('q', 301)));
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", Poll(answers: ["Seule"]));
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", Poll(answers: [.. Enumerable.Range(1, 11).Select(i => $"R{i}")]));
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", Poll(answers: ["Oui", "oui"]));
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", Poll(answers: ["Oui", new string('n', 56)]));
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", Poll(hours: 0));
        await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed", Poll(hours: 769));
        var error = await owner.ExpectErrorAsync(HttpMethod.Post, path, HttpStatusCode.BadRequest, "validation_failed",
            new { question = "Q", answers = new object[] { new { text = "A", emoji = "not emoji" }, new { text = "B" } }, durationHours = 1 });
        Assert.StartsWith("answers[0].emoji", error.Message);

        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var count = db.CreateCommand("SELECT count(*) FROM messages WHERE channel_id = $1");
        count.Parameters.AddWithValue(guild.General.Id);
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Votes_replace_each_other_follow_the_polls_choice_rule_and_reach_members_live()
    {
        using var owner = await NewAsync(cluster, "pol");
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        using var outsider = await NewAsync(cluster, "out");
        var general = guild.General.Id;
        await using var hub = await owner.ConnectHubAsync();
        var events = new SocialEvents(hub);
        var single = (await owner.ExpectAsync<JsonElement>(HttpMethod.Post, $"/api/channels/{general}/polls", Poll(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var votes = $"/api/channels/{general}/messages/{single}/poll/votes/@me";

        var results = await member.ExpectAsync<JsonElement>(HttpMethod.Put, votes, new { answerIds = new[] { 1 } });
        Assert.Equal([1, 0, 0], Counts(results));
        Assert.Equal(1, results.GetProperty("voters").GetInt32());
        Assert.Equal([1], results.GetProperty("me").EnumerateArray().Select(a => a.GetInt32()));
        var voted = await events.WaitForAsync("poll:vote");
        Assert.Equal(member.Id, voted.GetProperty("userId").GetGuid());
        Assert.Equal(single, voted.GetProperty("messageId").GetGuid());

        // A new choice replaces the old one; two at once is not this poll's rule; unknown answers are refused.
        Assert.Equal(new[] { 0, 1, 0 }, Counts(await member.ExpectAsync<JsonElement>(HttpMethod.Put, votes, new { answerIds = new[] { 2 } })));
        await member.ExpectErrorAsync(HttpMethod.Put, votes, HttpStatusCode.BadRequest, "validation_failed", new { answerIds = new[] { 1, 2 } });
        await member.ExpectErrorAsync(HttpMethod.Put, votes, HttpStatusCode.BadRequest, "validation_failed", new { answerIds = new[] { 4 } });
        await member.ExpectErrorAsync(HttpMethod.Put, votes, HttpStatusCode.BadRequest, "validation_failed", new { answerIds = new[] { 2, 2 } });
        await outsider.ExpectErrorAsync(HttpMethod.Put, votes, HttpStatusCode.NotFound, "channel_not_found", new { answerIds = new[] { 1 } });
        await owner.ExpectAsync<JsonElement>(HttpMethod.Put, votes, new { answerIds = new[] { 2 } });

        // Each reader sees their own choices in the history.
        Assert.Equal(new[] { 0, 2, 0 }, Counts((await PollInHistoryAsync(owner, general, single)).GetProperty("results")));
        Assert.Equal([2], (await PollInHistoryAsync(member, general, single)).GetProperty("results").GetProperty("me").EnumerateArray().Select(a => a.GetInt32()));

        // An empty choice takes the vote back.
        var back = await member.ExpectAsync<JsonElement>(HttpMethod.Put, votes, new { answerIds = Array.Empty<int>() });
        Assert.Equal([0, 1, 0], Counts(back));
        Assert.Equal(0, back.GetProperty("me").GetArrayLength());

        // A poll that allows several answers takes them; voters count people, not votes.
        var multi = (await owner.ExpectAsync<JsonElement>(HttpMethod.Post, $"/api/channels/{general}/polls", Poll(multi: true), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var many = await member.ExpectAsync<JsonElement>(HttpMethod.Put, $"/api/channels/{general}/messages/{multi}/poll/votes/@me", new { answerIds = new[] { 3, 1 } });
        Assert.Equal([1, 0, 1], Counts(many));
        Assert.Equal(1, many.GetProperty("voters").GetInt32());
        Assert.Equal([1, 3], many.GetProperty("me").EnumerateArray().Select(a => a.GetInt32()));

        // A message that is not a poll has no votes.
        var plain = await owner.PostAsync(general, "pas un sondage");
        await member.ExpectErrorAsync(HttpMethod.Put, $"/api/channels/{general}/messages/{plain.Id}/poll/votes/@me", HttpStatusCode.NotFound, "message_not_found", new { answerIds = new[] { 1 } });
    }

    [Fact]
    public async Task Only_its_author_ends_a_poll_which_then_takes_no_vote_and_a_poll_is_never_edited()
    {
        using var owner = await NewAsync(cluster, "pol");
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var general = guild.General.Id;
        await using var hub = await member.ConnectHubAsync();
        var events = new SocialEvents(hub);
        var id = (await owner.ExpectAsync<JsonElement>(HttpMethod.Post, $"/api/channels/{general}/polls", Poll(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await member.ExpectAsync<JsonElement>(HttpMethod.Put, $"/api/channels/{general}/messages/{id}/poll/votes/@me", new { answerIds = new[] { 3 } });

        await owner.ExpectErrorAsync(HttpMethod.Patch, $"/api/channels/{general}/messages/{id}", HttpStatusCode.BadRequest, "validation_failed", new { content = "Autre question" });
        await member.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{general}/messages/{id}/poll/end", HttpStatusCode.Forbidden, "missing_permission");
        var ended = await owner.ExpectAsync<JsonElement>(HttpMethod.Post, $"/api/channels/{general}/messages/{id}/poll/end");
        Assert.True(ended.GetProperty("expiresAt").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
        Assert.Equal([0, 0, 1], Counts(ended.GetProperty("results")));
        var endEvent = await events.WaitForAsync("poll:end");
        Assert.Equal(id, endEvent.GetProperty("messageId").GetGuid());

        await member.ExpectErrorAsync(HttpMethod.Put, $"/api/channels/{general}/messages/{id}/poll/votes/@me", HttpStatusCode.Conflict, "poll_closed", new { answerIds = new[] { 1 } });
        await owner.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{general}/messages/{id}/poll/end", HttpStatusCode.Conflict, "poll_closed");
        Assert.Equal(new[] { 0, 0, 1 }, Counts((await PollInHistoryAsync(member, general, id)).GetProperty("results")));

        // Deleting the message takes its poll and votes with it.
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/channels/{general}/messages/{id}");
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var left = db.CreateCommand("SELECT (SELECT count(*) FROM polls WHERE message_id = $1) + (SELECT count(*) FROM poll_votes WHERE message_id = $1)");
        left.Parameters.AddWithValue(id);
        Assert.Equal(0L, await left.ExecuteScalarAsync());
    }
}
