using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace LesCopains.Api.Tests;

/// <summary>Records the mention, reaction, pin, typing and read-state events of one hub connection.</summary>
public sealed class SocialEvents
{
    public static readonly string[] Types =
        ["message:create", "message:update", "mention:create", "reaction:add", "reaction:remove", "pin:add", "pin:remove", "typing:start", "readstate:update", "notifications:update", "mention:dismiss", "poll:vote", "poll:end"];

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly List<(string Type, JsonElement Payload)> events = [];
    private TaskCompletionSource arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SocialEvents(HubClient hub)
    {
        foreach (var type in Types.Where(t => t != "message:create"))
        {
            hub.Connection.On<JsonElement>(type, e => Record(type, e));
        }

        hub.Connection.OnMessageCreate(e => Record("message:create", e));
    }

    public int Count(string type, Func<JsonElement, bool>? match = null)
    {
        lock (events)
        {
            return events.Count(e => e.Type == type && (match is null || match(e.Payload)));
        }
    }

    public async Task<JsonElement> WaitForAsync(string type, Func<JsonElement, bool>? match = null)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            Task next;
            lock (events)
            {
                foreach (var (t, payload) in events)
                {
                    if (t == type && (match is null || match(payload)))
                    {
                        return payload;
                    }
                }

                next = arrived.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(next, Task.Delay(left)) != next)
            {
                throw new TimeoutException($"No {type} within {Deadline.TotalSeconds:0}s");
            }
        }
    }

    /// <summary>Waits for the <c>message:create</c> of <paramref name="messageId"/>: events sent before it by the same channel have arrived.</summary>
    public Task<JsonElement> WaitForMessageAsync(Guid messageId) =>
        WaitForAsync("message:create", e => e.GetProperty("message").GetProperty("id").GetGuid() == messageId);

    public static Func<JsonElement, bool> InChannel(Guid channelId) => e => e.GetProperty("channelId").GetGuid() == channelId;

    private void Record(string type, JsonElement payload)
    {
        TaskCompletionSource done;
        lock (events)
        {
            events.Add((type, payload));
            done = arrived;
            arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        done.TrySetResult();
    }
}

/// <summary>Typed helpers over the message, reaction, pin and read-state routes.</summary>
public static class SocialRoutes
{
    public sealed record Author(Guid Id, string Username, string DisplayName);

    public sealed record Reaction(string Emoji, int Count, bool Me);

    public sealed record Message(
        Guid Id, Guid ChannelId, long Seq, Author Author, string Content,
        IReadOnlyList<Guid>? Mentions, IReadOnlyList<Guid>? MentionRoles, bool MentionEveryone, IReadOnlyList<Reaction>? Reactions, bool MentionHere = false);

    public sealed record Pin(Message Message, Guid PinnedBy, DateTimeOffset PinnedAt);

    public sealed record ReadState(Guid GuildId, Guid ChannelId, Guid? LastMessageId, long LastSeq, int Unread, int Mentions, Guid? ParentId = null);

    private sealed record MessageList(IReadOnlyList<Message> Messages);

    private sealed record PinList(IReadOnlyList<Pin> Pins);

    private sealed record ReadStateList(IReadOnlyList<ReadState> ReadStates);

    public static Task<Message> PostAsync(this GuildClient user, Guid channelId, string content) =>
        user.ExpectAsync<Message>(HttpMethod.Post, $"/api/channels/{channelId}/messages", new { content }, HttpStatusCode.Created);

    public static async Task<IReadOnlyList<Message>> HistoryAsync(this GuildClient user, Guid channelId) =>
        (await user.ExpectAsync<MessageList>(HttpMethod.Get, $"/api/channels/{channelId}/messages?limit=100")).Messages;

    public static string ReactionPath(Guid channelId, Guid messageId, string emoji) =>
        $"/api/channels/{channelId}/messages/{messageId}/reactions/{Uri.EscapeDataString(emoji)}/@me";

    public static Task<Reaction> ReactAsync(this GuildClient user, Guid channelId, Guid messageId, string emoji) =>
        user.ExpectAsync<Reaction>(HttpMethod.Put, ReactionPath(channelId, messageId, emoji));

    public static Task<Reaction> UnreactAsync(this GuildClient user, Guid channelId, Guid messageId, string emoji) =>
        user.ExpectAsync<Reaction>(HttpMethod.Delete, ReactionPath(channelId, messageId, emoji));

    public static async Task<IReadOnlyList<Pin>> PinsAsync(this GuildClient user, Guid channelId) =>
        (await user.ExpectAsync<PinList>(HttpMethod.Get, $"/api/channels/{channelId}/pins")).Pins;

    public static Task PinAsync(this GuildClient user, Guid channelId, Guid messageId) =>
        user.ExpectStatusAsync(HttpMethod.Put, $"/api/channels/{channelId}/pins/{messageId}");

    public static Task UnpinAsync(this GuildClient user, Guid channelId, Guid messageId) =>
        user.ExpectStatusAsync(HttpMethod.Delete, $"/api/channels/{channelId}/pins/{messageId}");

    public static Task<ReadState> AckAsync(this GuildClient user, Guid channelId, Guid messageId) =>
        user.ExpectAsync<ReadState>(HttpMethod.Post, $"/api/channels/{channelId}/ack", new { messageId });

    public static async Task<ReadState> ReadStateAsync(this GuildClient user, Guid channelId) =>
        (await user.ExpectAsync<ReadStateList>(HttpMethod.Get, "/api/users/@me/read-states")).ReadStates.Single(r => r.ChannelId == channelId);

    public static async Task<IReadOnlyList<ReadState>> ReadStatesAsync(this GuildClient user) =>
        (await user.ExpectAsync<ReadStateList>(HttpMethod.Get, "/api/users/@me/read-states")).ReadStates;
}
