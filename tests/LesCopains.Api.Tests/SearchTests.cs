using System.Net;
using System.Text.Json;
using LesCopains.Grains.Guilds;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class SearchTests(InProcessCluster cluster)
{
    public sealed record Author(Guid Id, string Username);

    public sealed record Message(Guid Id, Guid ChannelId, Author Author, string Content, DateTimeOffset CreatedAt, IReadOnlyList<SocialRoutes.Reaction> Reactions);

    public sealed record Hit(Message Message, string? Highlight, Guid? ThreadParentId, string? ThreadName);

    public sealed record Result(int Total, bool TotalCapped, IReadOnlyList<Hit> Results);

    [Fact]
    public async Task Search_returns_only_messages_of_channels_and_threads_the_caller_can_read()
    {
        using var owner = await GuildClient.NewAsync(cluster, "own");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var word = Word();
        var staff = await owner.CreateRoleAsync(guild.Id, "staff");
        var secret = await owner.CreatePrivateChannelAsync(guild.Id, "secret", staff.Id);
        var open = await ThreadTests.SendAsync(owner, guild.General.Id, $"{word} in the open");
        var hidden = await ThreadTests.SendAsync(owner, secret.Id, $"{word} behind closed doors");
        var thread = await ThreadTests.CreateThreadAsync(owner, secret.Id, "backroom", null);
        var threaded = await ThreadTests.SendAsync(owner, thread.Id, $"{word} in a private thread");

        var outsider = await SearchAsync(member, guild.Id, $"q={word}");
        Assert.Equal([open.Id], outsider.Results.Select(h => h.Message.Id));
        Assert.Equal(1, outsider.Total);
        await member.ExpectErrorAsync(HttpMethod.Get, $"/api/guilds/{guild.Id}/messages/search?q={word}&channel={secret.Id}", HttpStatusCode.NotFound, "channel_not_found");
        await member.ExpectErrorAsync(HttpMethod.Get, $"/api/guilds/{guild.Id}/messages/search?q={word}&channel={thread.Id}", HttpStatusCode.NotFound, "channel_not_found");

        // Given the role, the same query finds all three, newest first, with the thread named.
        await owner.SetRolesAsync(guild.Id, member.Id, staff.Id);
        var insider = await SearchAsync(member, guild.Id, $"q={word}");
        Assert.Equal([threaded.Id, hidden.Id, open.Id], insider.Results.Select(h => h.Message.Id));
        Assert.Equal((secret.Id, "backroom"), (insider.Results[0].ThreadParentId!.Value, insider.Results[0].ThreadName!));
        Assert.Contains($"\uE000{word}\uE001", insider.Results[0].Highlight, StringComparison.Ordinal);

        // READ_MESSAGE_HISTORY counts too, not only VIEW_CHANNEL.
        await owner.SetOverwriteAsync(guild.Id, secret.Id, member.Id, "member", Permissions.None, Permissions.ReadMessageHistory);
        Assert.Equal([open.Id], (await SearchAsync(member, guild.Id, $"q={word}")).Results.Select(h => h.Message.Id));

        // Not a member: the guild does not exist for them.
        using var stranger = await GuildClient.NewAsync(cluster, "str");
        await stranger.ExpectErrorAsync(HttpMethod.Get, $"/api/guilds/{guild.Id}/messages/search?q={word}", HttpStatusCode.NotFound, "guild_not_found");
    }

    [Fact]
    public async Task Search_filters_by_author_channel_date_and_attachment_and_never_returns_deleted_messages()
    {
        using var owner = await GuildClient.NewAsync(cluster, "own");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var word = Word();
        var other = await owner.CreateChannelAsync(guild.Id, "other");
        var m1 = await ThreadTests.SendAsync(owner, guild.General.Id, $"{word} one");
        var m2 = await ThreadTests.SendAsync(member, guild.General.Id, $"{word} two");
        var m3 = await ThreadTests.SendAsync(member, other.Id, $"{word} three");
        var m4 = await ThreadTests.SendAsync(owner, other.Id, $"{word} four");
        var gone = await ThreadTests.SendAsync(owner, other.Id, $"{word} deleted");
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/channels/{other.Id}/messages/{gone.Id}");

        async Task<Guid[]> Ids(string query) => [.. (await SearchAsync(member, guild.Id, query)).Results.Select(h => h.Message.Id)];

        Assert.Equal([m4.Id, m3.Id, m2.Id, m1.Id], await Ids($"q={word}"));
        Assert.Equal([m3.Id, m2.Id], await Ids($"q={word}&author={member.Id}"));
        Assert.Equal([m4.Id, m3.Id], await Ids($"q={word}&channel={other.Id}"));
        Assert.Equal([m3.Id], await Ids($"q={word}&channel={other.Id}&author={member.Id}"));
        Assert.Equal([m2.Id, m1.Id], await Ids($"q={word}&before={Iso(m3.CreatedAt)}"));
        Assert.Equal([m4.Id, m3.Id], await Ids($"q={word}&after={Iso(m3.CreatedAt)}"));
        Assert.Equal([m3.Id, m2.Id], await Ids($"q={word}&after={Iso(m2.CreatedAt)}&before={Iso(m4.CreatedAt)}"));
        Assert.Equal([m2.Id], await Ids($"q={word}%20two"));
        Assert.Equal([m2.Id], await Ids($"author={member.Id}&channel={guild.General.Id}"));
        Assert.Empty(await Ids("q=deleted%20" + word));

        // Paging: offset and limit over the same order; the total is not affected.
        var page = await SearchAsync(member, guild.Id, $"q={word}&limit=2&offset=1");
        Assert.Equal([m3.Id, m2.Id], page.Results.Select(h => h.Message.Id));
        Assert.Equal((4, false), (page.Total, page.TotalCapped));

        // has=attachment reads messages.has_attachments, which the upload path sets.
        Assert.Empty(await Ids($"q={word}&has=attachment"));
        await using (var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl))
        await using (var mark = db.CreateCommand("UPDATE messages SET has_attachments = true WHERE id = $1"))
        {
            mark.Parameters.AddWithValue(m2.Id);
            await mark.ExecuteNonQueryAsync();
        }

        Assert.Equal([m2.Id], await Ids($"q={word}&has=attachment"));
        Assert.Equal([m2.Id], await Ids("has=attachment&channel=" + guild.General.Id));
    }

    [Fact]
    public async Task Search_results_carry_mentions_and_attachments_as_history_does()
    {
        using var owner = await GuildClient.NewAsync(cluster, "own");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var word = Word();
        var file = await UploadSweepTests.UploadAsync(owner, guild.General.Id, "search me"u8.ToArray());
        var sent = await owner.ExpectAsync<JsonElement>(
            HttpMethod.Post, $"/api/channels/{guild.General.Id}/messages", new { content = $"{word} for <@{member.Id}>", attachments = new[] { file } }, HttpStatusCode.Created);

        var hit = (await member.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/guilds/{guild.Id}/messages/search?q={word}")).GetProperty("results")[0].GetProperty("message");
        Assert.Equal(sent.GetProperty("id").GetGuid(), hit.GetProperty("id").GetGuid());
        Assert.Equal([member.Id], hit.GetProperty("mentions").EnumerateArray().Select(x => x.GetGuid()));
        Assert.Equal([file], hit.GetProperty("attachments").EnumerateArray().Select(a => a.GetProperty("id").GetGuid()));
        Assert.Equal(sent.GetProperty("attachments")[0].GetProperty("url").GetString(), hit.GetProperty("attachments")[0].GetProperty("url").GetString());
    }

    [Fact]
    public async Task Search_results_carry_reactions_with_me_for_the_caller_as_history_does()
    {
        using var owner = await GuildClient.NewAsync(cluster, "own");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var general = guild.General.Id;
        var word = Word();
        var plain = await ThreadTests.SendAsync(owner, general, $"{word} nobody reacts");
        var reacted = await ThreadTests.SendAsync(owner, general, $"{word} in the channel");
        var thread = await ThreadTests.CreateThreadAsync(owner, general, "side", null);
        var threaded = await ThreadTests.SendAsync(owner, thread.Id, $"{word} in a thread");
        await member.ReactAsync(general, reacted.Id, "👍");
        await owner.ReactAsync(general, reacted.Id, "👍");
        await member.ReactAsync(general, reacted.Id, "🎉");
        await member.ReactAsync(thread.Id, threaded.Id, "🔥");

        async Task<IReadOnlyList<SocialRoutes.Reaction>> ReactionsFound(GuildClient reader, Guid messageId) =>
            (await SearchAsync(reader, guild.Id, $"q={word}")).Results.Single(h => h.Message.Id == messageId).Message.Reactions;

        Assert.Equal([new("👍", 2, true), new("🎉", 1, true)], await ReactionsFound(member, reacted.Id));
        Assert.Equal([new("👍", 2, true), new("🎉", 1, false)], await ReactionsFound(owner, reacted.Id));
        Assert.Equal([new("🔥", 1, true)], await ReactionsFound(member, threaded.Id));
        Assert.Equal([new("🔥", 1, false)], await ReactionsFound(owner, threaded.Id));
        Assert.Empty(await ReactionsFound(member, plain.Id));

        // The same lists history gives the same reader.
        Assert.Equal((await owner.HistoryAsync(general)).Single(m => m.Id == reacted.Id).Reactions, await ReactionsFound(owner, reacted.Id));
    }

    [Theory]
    [InlineData("")]
    [InlineData("q=%20%20")]
    [InlineData("q=x&author=nope")]
    [InlineData("q=x&channel=123")]
    [InlineData("q=x&before=yesterday")]
    [InlineData("q=x&after=2026-13-45")]
    [InlineData("q=x&after=2026-02-01&before=2026-01-01")]
    [InlineData("q=x&has=link")]
    [InlineData("q=x&limit=0")]
    [InlineData("q=x&limit=51")]
    [InlineData("q=x&limit=ten")]
    [InlineData("q=x&offset=-1")]
    [InlineData("q=x&offset=1001")]
    public async Task Search_rejects_bad_input_with_validation_failed(string query)
    {
        using var owner = await GuildClient.NewAsync(cluster, "own");
        var guild = await owner.CreateGuildAsync();
        await owner.ExpectErrorAsync(HttpMethod.Get, $"/api/guilds/{guild.Id}/messages/search?{query}", HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Search_rejects_a_query_text_over_256_characters()
    {
        using var owner = await GuildClient.NewAsync(cluster, "own");
        var guild = await owner.CreateGuildAsync();
        await owner.ExpectErrorAsync(HttpMethod.Get, $"/api/guilds/{guild.Id}/messages/search?q={new string('a', 257)}", HttpStatusCode.BadRequest, "validation_failed");
        await SearchAsync(owner, guild.Id, $"q={new string('a', 256)}");
    }

    private static Task<Result> SearchAsync(GuildClient client, Guid guildId, string query) =>
        client.ExpectAsync<Result>(HttpMethod.Get, $"/api/guilds/{guildId}/messages/search?{query}");

    /// <summary>A word no other test writes, so results are exact.</summary>
    [Fact]
    public async Task The_search_index_takes_each_message_at_once_so_no_send_pays_for_merging_a_backlog()
    {
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var options = db.CreateCommand("SELECT reloptions FROM pg_class WHERE relname = 'ix_messages_search'");
        Assert.Contains("fastupdate=off", (string[]?)await options.ExecuteScalarAsync() ?? []);

        // Found right after the send, through the index (no pending list to scan).
        using var owner = await GuildClient.NewAsync(cluster, "gin");
        var (guild, _) = await GuildClient.GuildWithMembersAsync(owner, 0);
        var word = Word();
        var sent = await ThreadTests.SendAsync(owner, guild.General.Id, $"{word} indexed");
        Assert.Equal([sent.Id], (await SearchAsync(owner, guild.Id, $"q={word}")).Results.Select(h => h.Message.Id));
    }

    private static string Word() => "w" + Guid.NewGuid().ToString("N")[..12];

    private static string Iso(DateTimeOffset time) => Uri.EscapeDataString(time.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
}
