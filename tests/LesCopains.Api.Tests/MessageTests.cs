using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LesCopains.Grains.Guilds;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public class MessageTests(InProcessCluster cluster)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Every_acknowledged_send_is_already_committed_in_PostgreSQL()
    {
        var (owner, _, general) = await GuildAsync();
        await using var hub = await HubClient.ConnectAsync(cluster, owner.AccessToken);
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);

        var sends = Enumerable.Range(0, 40).Select(async i =>
        {
            var message = await hub.Connection.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = $"durable {i}", nonce = $"d{i}" });
            // Checked right at the acknowledgement, before anything else can write the row.
            await using var check = db.CreateCommand("SELECT content FROM messages WHERE id = $1");
            check.Parameters.AddWithValue(message.GetProperty("id").GetGuid());
            Assert.Equal($"durable {i}", (string?)await check.ExecuteScalarAsync());
        });
        await Task.WhenAll(sends);
    }

    [Fact]
    public async Task A_retried_nonce_returns_the_stored_message_and_creates_no_duplicate()
    {
        var (owner, _, general) = await GuildAsync();
        using var http = cluster.CreateClient(owner.AccessToken);
        var nonce = Guid.NewGuid().ToString("N");
        var attempts = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            http.PostAsJsonAsync($"/api/channels/{general}/messages", new { content = "once", nonce })));
        var ids = new HashSet<Guid>();
        foreach (var response in attempts)
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }

        Assert.Single(ids);
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var count = db.CreateCommand("SELECT count(*) FROM messages WHERE channel_id = $1 AND nonce = $2");
        count.Parameters.AddWithValue(general);
        count.Parameters.AddWithValue(nonce);
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Concurrent_sends_get_gap_free_sequences_and_reach_members_in_order()
    {
        var (owner, member, general) = await GuildAsync();
        await using var sender = await HubClient.ConnectAsync(cluster, owner.AccessToken);
        await using var reader = await HubClient.ConnectAsync(cluster, member.AccessToken);
        var received = new ConcurrentQueue<long>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int Count = 150;
        reader.Connection.OnMessageCreate(e =>
        {
            received.Enqueue(e.GetProperty("message").GetProperty("seq").GetInt64());
            if (received.Count == Count)
            {
                all.TrySetResult();
            }
        });

        var acks = await Task.WhenAll(Enumerable.Range(0, Count).Select(i =>
            sender.Connection.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = $"m{i}" })));
        var seqs = acks.Select(a => a.GetProperty("seq").GetInt64()).Order().ToList();
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (long)i), seqs);

        await all.Task.WaitAsync(Deadline);
        Assert.Equal(seqs, received.ToList());
    }

    [Fact]
    public async Task Members_who_cannot_view_a_channel_neither_read_nor_post_nor_receive_its_messages()
    {
        var (owner, member, general) = await GuildAsync();
        var guildId = await GuildIdAsync(owner, general);
        using var ownerHttp = cluster.CreateClient(owner.AccessToken);
        using var memberHttp = cluster.CreateClient(member.AccessToken);

        var hidden = await (await ownerHttp.PostAsJsonAsync($"/api/guilds/{guildId}/channels", new { name = "secret", type = "text" })).Content.ReadFromJsonAsync<JsonElement>();
        var hiddenId = hidden.GetProperty("id").GetGuid();
        (await ownerHttp.PutAsJsonAsync($"/api/guilds/{guildId}/channels/{hiddenId}/overwrites/{guildId}", new { type = "role", allow = "0", deny = "1024" })).EnsureSuccessStatusCode();

        await (await memberHttp.PostAsJsonAsync($"/api/channels/{hiddenId}/messages", new { content = "let me in" })).AssertErrorAsync(HttpStatusCode.NotFound, "channel_not_found");
        await (await memberHttp.GetAsync($"/api/channels/{hiddenId}/messages")).AssertErrorAsync(HttpStatusCode.NotFound, "channel_not_found");

        await using var memberHub = await HubClient.ConnectAsync(cluster, member.AccessToken);
        var seen = new ConcurrentQueue<Guid>();
        var sentinel = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        memberHub.Connection.OnMessageCreate(e =>
        {
            var channel = e.GetProperty("channelId").GetGuid();
            seen.Enqueue(channel);
            if (channel == general)
            {
                sentinel.TrySetResult();
            }
        });

        (await ownerHttp.PostAsJsonAsync($"/api/channels/{hiddenId}/messages", new { content = "staff only" })).EnsureSuccessStatusCode();
        (await ownerHttp.PostAsJsonAsync($"/api/channels/{general}/messages", new { content = "everyone" })).EnsureSuccessStatusCode();
        await sentinel.Task.WaitAsync(Deadline);
        Assert.DoesNotContain(hiddenId, seen);

        // Read but not write: SEND_MESSAGES denied in #general for @everyone.
        (await ownerHttp.PutAsJsonAsync($"/api/guilds/{guildId}/channels/{general}/overwrites/{guildId}", new { type = "role", allow = "0", deny = "2048" })).EnsureSuccessStatusCode();
        await (await memberHttp.PostAsJsonAsync($"/api/channels/{general}/messages", new { content = "muted" })).AssertErrorAsync(HttpStatusCode.Forbidden, "missing_permission");
        Assert.Equal(HttpStatusCode.OK, (await memberHttp.GetAsync($"/api/channels/{general}/messages")).StatusCode);
        var hubError = await Assert.ThrowsAsync<HubException>(() => memberHub.Connection.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content = "muted" }));
        Assert.StartsWith("missing_permission:", hubError.Message.Split("HubException: ")[^1], StringComparison.Ordinal);

        // No READ_MESSAGE_HISTORY: live view only, no history.
        (await ownerHttp.PutAsJsonAsync($"/api/guilds/{guildId}/channels/{general}/overwrites/{guildId}", new { type = "role", allow = "0", deny = "65536" })).EnsureSuccessStatusCode();
        await (await memberHttp.GetAsync($"/api/channels/{general}/messages")).AssertErrorAsync(HttpStatusCode.Forbidden, "missing_permission");

        var stranger = await cluster.NewUserAsync("str");
        using var strangerHttp = cluster.CreateClient(stranger.AccessToken);
        await (await strangerHttp.PostAsJsonAsync($"/api/channels/{general}/messages", new { content = "hi" })).AssertErrorAsync(HttpStatusCode.NotFound, "channel_not_found");
        await (await strangerHttp.PostAsJsonAsync("/api/messages", new { channelId = general, content = "hi" })).AssertErrorAsync(HttpStatusCode.NotFound, "channel_not_found");
    }

    [Fact]
    public async Task A_revoked_permission_a_timeout_or_a_ban_applies_to_the_very_next_send()
    {
        // The channel grain caches permissions: each change must reach it before its request completes.
        var (owner, member, general) = await GuildAsync();
        var guildId = await GuildIdAsync(owner, general);
        using var ownerHttp = cluster.CreateClient(owner.AccessToken);
        using var memberHttp = cluster.CreateClient(member.AccessToken);
        var memberId = (await memberHttp.GetFromJsonAsync<JsonElement>("/api/users/@me")).GetProperty("id").GetGuid();
        await using var memberHub = await HubClient.ConnectAsync(cluster, member.AccessToken);
        Task<JsonElement> HubSend(string content) => memberHub.Connection.InvokeAsync<JsonElement>("SendMessage", new { channelId = general, content });
        async Task Refused(string code)
        {
            var error = await Assert.ThrowsAsync<HubException>(() => HubSend("refused"));
            Assert.StartsWith(code + ":", error.Message.Split("HubException: ")[^1], StringComparison.Ordinal);
        }

        await HubSend("warm the cache");

        // A member overwrite denying SEND_MESSAGES (2048), then lifted.
        (await ownerHttp.PutAsJsonAsync($"/api/guilds/{guildId}/channels/{general}/overwrites/{memberId}", new { type = "member", allow = "0", deny = "2048" })).EnsureSuccessStatusCode();
        await Refused("missing_permission");
        (await ownerHttp.DeleteAsync($"/api/guilds/{guildId}/channels/{general}/overwrites/{memberId}")).EnsureSuccessStatusCode();
        await HubSend("allowed again");

        // @everyone loses SEND_MESSAGES, then gets it back.
        var everyoneWithout = ((long)(LesCopains.Grains.Guilds.Permissions.DefaultEveryone & ~LesCopains.Grains.Guilds.Permissions.SendMessages)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var everyoneWith = ((long)LesCopains.Grains.Guilds.Permissions.DefaultEveryone).ToString(System.Globalization.CultureInfo.InvariantCulture);
        (await ownerHttp.PatchAsJsonAsync($"/api/guilds/{guildId}/roles/{guildId}", new { permissions = everyoneWithout })).EnsureSuccessStatusCode();
        await Refused("missing_permission");
        (await ownerHttp.PatchAsJsonAsync($"/api/guilds/{guildId}/roles/{guildId}", new { permissions = everyoneWith })).EnsureSuccessStatusCode();
        await HubSend("allowed again");

        // A timeout, then lifted.
        (await ownerHttp.PutAsJsonAsync($"/api/guilds/{guildId}/members/{memberId}/timeout", new { until = DateTimeOffset.UtcNow.AddHours(1) })).EnsureSuccessStatusCode();
        await Refused("missing_permission");
        (await ownerHttp.PutAsJsonAsync($"/api/guilds/{guildId}/members/{memberId}/timeout", new { until = (DateTimeOffset?)null })).EnsureSuccessStatusCode();
        await HubSend("allowed again");

        // A ban: no longer a member, so the channel does not exist for them.
        Assert.Equal(HttpStatusCode.NoContent, (await ownerHttp.PutAsJsonAsync($"/api/guilds/{guildId}/bans/{memberId}", new { reason = "spam" })).StatusCode);
        await (await memberHttp.PostAsJsonAsync($"/api/channels/{general}/messages", new { content = "banned" })).AssertErrorAsync(HttpStatusCode.NotFound, "channel_not_found");
        await Refused("channel_not_found");
    }

    [Fact]
    public async Task Only_the_author_edits_and_the_author_or_a_moderator_deletes()
    {
        var (owner, member, general) = await GuildAsync();
        using var ownerHttp = cluster.CreateClient(owner.AccessToken);
        using var memberHttp = cluster.CreateClient(member.AccessToken);
        var mine = await SendAsync(memberHttp, general, "first draft");
        var id = mine.GetProperty("id").GetGuid();

        await (await ownerHttp.PatchAsJsonAsync($"/api/channels/{general}/messages/{id}", new { content = "hijacked" })).AssertErrorAsync(HttpStatusCode.Forbidden, "missing_permission");
        var edited = await (await memberHttp.PatchAsJsonAsync($"/api/channels/{general}/messages/{id}", new { content = "final" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("final", edited.GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.String, edited.GetProperty("editedAt").ValueKind);

        var ownersMessage = await SendAsync(ownerHttp, general, "the owner's");
        await (await memberHttp.DeleteAsync($"/api/channels/{general}/messages/{ownersMessage.GetProperty("id").GetGuid()}")).AssertErrorAsync(HttpStatusCode.Forbidden, "missing_permission");
        Assert.Equal(HttpStatusCode.NoContent, (await ownerHttp.DeleteAsync($"/api/channels/{general}/messages/{id}")).StatusCode);

        var history = await HistoryAsync(memberHttp, general, "");
        Assert.DoesNotContain(history, m => m.GetProperty("id").GetGuid() == id);
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var wiped = db.CreateCommand("SELECT content FROM messages WHERE id = $1");
        wiped.Parameters.AddWithValue(id);
        Assert.Equal("", (string?)await wiped.ExecuteScalarAsync());
        await (await memberHttp.DeleteAsync($"/api/channels/{general}/messages/{id}")).AssertErrorAsync(HttpStatusCode.NotFound, "message_not_found");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n ")]
    [InlineData(null)]
    public async Task Blank_messages_are_rejected_and_nothing_is_stored(string? content)
    {
        var (owner, _, general) = await GuildAsync();
        using var http = cluster.CreateClient(owner.AccessToken);
        await (await http.PostAsJsonAsync($"/api/channels/{general}/messages", new { content })).AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Empty(await HistoryAsync(http, general, ""));
    }

    [Fact]
    public async Task Messages_are_limited_to_4000_characters()
    {
        var (owner, _, general) = await GuildAsync();
        using var http = cluster.CreateClient(owner.AccessToken);
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync($"/api/channels/{general}/messages", new { content = new string('a', 4000) })).StatusCode);
        await (await http.PostAsJsonAsync($"/api/channels/{general}/messages", new { content = new string('a', 4001) })).AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Single(await HistoryAsync(http, general, ""));
    }

    [Fact]
    public async Task History_pages_by_id_before_after_and_around()
    {
        var (owner, _, general) = await GuildAsync();
        using var http = cluster.CreateClient(owner.AccessToken);
        var ids = new List<Guid>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add((await SendAsync(http, general, $"h{i}")).GetProperty("id").GetGuid());
        }

        static List<string> Contents(List<JsonElement> page) => page.Select(m => m.GetProperty("content").GetString()!).ToList();
        Assert.Equal(["h9", "h10", "h11"], Contents(await HistoryAsync(http, general, "?limit=3")));
        Assert.Equal(["h3", "h4", "h5"], Contents(await HistoryAsync(http, general, $"?before={ids[6]}&limit=3")));
        Assert.Equal(["h7", "h8"], Contents(await HistoryAsync(http, general, $"?after={ids[6]}&limit=2")));
        Assert.Equal(["h4", "h5", "h6", "h7"], Contents(await HistoryAsync(http, general, $"?around={ids[6]}&limit=4")));
        Assert.Empty(await HistoryAsync(http, general, $"?after={ids[11]}"));
        Assert.Equal(["h0"], Contents(await HistoryAsync(http, general, $"?before={ids[1]}&limit=100")));
        Assert.Equal(12, (await HistoryAsync(http, general, "?limit=1000")).Count);
        await (await http.GetAsync($"/api/channels/{general}/messages?before={ids[1]}&after={ids[0]}")).AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task A_reply_must_point_to_a_message_of_the_same_channel()
    {
        var (owner, _, general) = await GuildAsync();
        using var http = cluster.CreateClient(owner.AccessToken);
        var original = await SendAsync(http, general, "question");
        var reply = await (await http.PostAsJsonAsync($"/api/channels/{general}/messages", new { content = "answer", replyTo = original.GetProperty("id").GetGuid() })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(original.GetProperty("id").GetGuid(), reply.GetProperty("replyTo").GetGuid());
        await (await http.PostAsJsonAsync($"/api/channels/{general}/messages", new { content = "answer", replyTo = Guid.NewGuid() })).AssertErrorAsync(HttpStatusCode.NotFound, "message_not_found");
    }

    [Fact]
    public async Task Edits_and_deletes_reach_other_members_live()
    {
        var (owner, member, general) = await GuildAsync();
        await using var memberHub = await HubClient.ConnectAsync(cluster, member.AccessToken);
        var updated = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var deleted = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        memberHub.Connection.On<JsonElement>("message:update", e => updated.TrySetResult(e));
        memberHub.Connection.On<JsonElement>("message:delete", e => deleted.TrySetResult(e));
        using var http = cluster.CreateClient(owner.AccessToken);
        var id = (await SendAsync(http, general, "v1")).GetProperty("id").GetGuid();
        (await http.PatchAsJsonAsync($"/api/channels/{general}/messages/{id}", new { content = "v2" })).EnsureSuccessStatusCode();
        Assert.Equal("v2", (await updated.Task.WaitAsync(Deadline)).GetProperty("message").GetProperty("content").GetString());
        (await http.DeleteAsync($"/api/channels/{general}/messages/{id}")).EnsureSuccessStatusCode();
        Assert.Equal(id, (await deleted.Task.WaitAsync(Deadline)).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Voice_channels_take_no_messages()
    {
        var (owner, _, general) = await GuildAsync();
        using var http = cluster.CreateClient(owner.AccessToken);
        var guild = await http.GetFromJsonAsync<JsonElement>($"/api/guilds/{await GuildIdAsync(owner, general)}");
        var voice = guild.GetProperty("channels").EnumerateArray().First(c => c.GetProperty("type").GetString() == "voice").GetProperty("id").GetGuid();
        await (await http.PostAsJsonAsync($"/api/channels/{voice}/messages", new { content = "hello?" })).AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task A_ban_with_message_deletion_removes_the_members_recent_messages_and_keeps_others()
    {
        var (owner, member, general) = await GuildAsync();
        var guildId = await GuildIdAsync(owner, general);
        using var ownerHttp = cluster.CreateClient(owner.AccessToken);
        using var memberHttp = cluster.CreateClient(member.AccessToken);
        await SendAsync(memberHttp, general, "spam 1");
        await SendAsync(memberHttp, general, "spam 2");
        await SendAsync(ownerHttp, general, "the owner stays");

        await using var ownerHub = await HubClient.ConnectAsync(cluster, owner.AccessToken);
        var deletes = new ConcurrentQueue<Guid>();
        var both = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ownerHub.Connection.On<JsonElement>("message:delete", e =>
        {
            deletes.Enqueue(e.GetProperty("id").GetGuid());
            if (deletes.Count == 2)
            {
                both.TrySetResult();
            }
        });

        var memberId = (await memberHttp.GetFromJsonAsync<JsonElement>("/api/users/@me")).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await ownerHttp.PutAsJsonAsync($"/api/guilds/{guildId}/bans/{memberId}", new { reason = "spam", deleteMessageSeconds = 3600 })).StatusCode);
        await both.Task.WaitAsync(Deadline);
        Assert.Equal(["the owner stays"], (await HistoryAsync(ownerHttp, general, "")).Select(m => m.GetProperty("content").GetString()));
    }

    [Fact]
    public async Task Events_that_reach_a_node_out_of_order_go_to_clients_in_the_order_they_were_sent()
    {
        var (owner, _, general) = await GuildAsync();
        var guildId = await GuildIdAsync(owner, general);
        await using var hub = await HubClient.ConnectAsync(cluster, owner.AccessToken);
        var received = new ConcurrentQueue<string>();
        hub.Connection.OnMessageCreate(e => received.Enqueue(e.GetProperty("message").GetProperty("content").GetString()!));

        // What Orleans may do to one-way calls: the second of a channel activation's calls arrives
        // first; and one call never arrives at all.
        var gateway = cluster.ApiServices.GetRequiredService<LesCopains.Api.Hubs.GuildGateway>();
        var source = Guid.NewGuid();
        GuildEvent[] Call(long relaySeq, params string[] contents) => contents.Select(content => new GuildEvent(
            guildId, "message:create",
            JsonSerializer.Serialize(new { guildId, channelId = general, message = new { id = Guid.NewGuid(), channelId = general, content } }, JsonSerializerOptions.Web),
            general, null, 0) { RelaySource = source, RelaySeq = relaySeq }).ToArray();

        await gateway.OnGuildEvents(Call(2, "second", "third"));
        await gateway.OnGuildEvents(Call(1, "first"));
        await Poll.UntilAsync(() => Task.FromResult(received.Count), n => n >= 3, Deadline, "the three messages");
        Assert.Equal(["first", "second", "third"], received);

        await gateway.OnGuildEvents(Call(5, "sixth"));
        await gateway.OnGuildEvents(Call(3, "fourth"));
        await Poll.UntilAsync(() => Task.FromResult(received.Count), n => n >= 5, Deadline, "the messages after the lost one");
        Assert.Equal(["first", "second", "third", "fourth", "sixth"], received);
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>A guild with an owner and a second member who joined by invite; returns #general.</summary>
    private Task<(ApiClient.Tokens Owner, ApiClient.Tokens Member, Guid General)> GuildAsync() => GuildAsync(cluster);

    /// <summary>A new guild of a new owner and one member who joined through an invite; its #general.</summary>
    internal static async Task<(ApiClient.Tokens Owner, ApiClient.Tokens Member, Guid General)> GuildAsync(InProcessCluster cluster)
    {
        var owner = await cluster.NewUserAsync("own");
        var member = await cluster.NewUserAsync("mem");
        using var ownerHttp = cluster.CreateClient(owner.AccessToken);
        var guild = await (await ownerHttp.PostAsJsonAsync("/api/guilds", new { name = "Messages" })).Content.ReadFromJsonAsync<JsonElement>();
        var guildId = guild.GetProperty("id").GetGuid();
        var general = guild.GetProperty("channels").EnumerateArray().First(c => c.GetProperty("name").GetString() == "general").GetProperty("id").GetGuid();
        var invite = await (await ownerHttp.PostAsJsonAsync($"/api/guilds/{guildId}/invites", new { channelId = general })).Content.ReadFromJsonAsync<JsonElement>();
        using var memberHttp = cluster.CreateClient(member.AccessToken);
        (await memberHttp.PostAsync($"/api/invites/{invite.GetProperty("code").GetString()}", null)).EnsureSuccessStatusCode();
        return (owner, member, general);
    }

    private async Task<Guid> GuildIdAsync(ApiClient.Tokens owner, Guid channelId)
    {
        using var http = cluster.CreateClient(owner.AccessToken);
        var guilds = await http.GetFromJsonAsync<JsonElement>("/api/guilds");
        return guilds.GetProperty("guilds").EnumerateArray()
            .First(g => g.GetProperty("channels").EnumerateArray().Any(c => c.GetProperty("id").GetGuid() == channelId))
            .GetProperty("id").GetGuid();
    }

    private static async Task<JsonElement> SendAsync(HttpClient http, Guid channelId, string content)
    {
        using var response = await http.PostAsJsonAsync($"/api/channels/{channelId}/messages", new { content });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<List<JsonElement>> HistoryAsync(HttpClient http, Guid channelId, string query)
    {
        var body = await http.GetFromJsonAsync<JsonElement>($"/api/channels/{channelId}/messages{query}");
        return body.GetProperty("messages").EnumerateArray().ToList();
    }
}
