using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LesCopains.Grains.Guilds;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

/// <summary>A signed-in user and typed helpers over the guild routes of docs/API.md ("Guilds").</summary>
public sealed class GuildClient : IDisposable
{
    public sealed record RoleView(Guid Id, string Name, int Color, int Position, string Permissions);

    public sealed record OverwriteView(Guid Id, string Type, string Allow, string Deny);

    public sealed record ChannelView(Guid Id, Guid GuildId, string Type, string Name, string Topic, Guid? ParentId, int Position, bool PermissionsSynced, IReadOnlyList<OverwriteView> Overwrites);

    public sealed record MeView(Guid UserId, string? Nickname, IReadOnlyList<Guid> Roles, DateTimeOffset JoinedAt, DateTimeOffset? TimeoutUntil, string Permissions, Dictionary<Guid, string> ChannelPermissions);

    public sealed record GuildView(Guid Id, string Name, Guid OwnerId, DateTimeOffset CreatedAt, int MemberCount, IReadOnlyList<RoleView> Roles, IReadOnlyList<ChannelView> Channels, MeView Me, string? Icon = null, IReadOnlyList<EmojiView>? Emojis = null)
    {
        public ChannelView Channel(string name) => Channels.Single(c => c.Name == name);

        /// <summary>The default <c>#general</c> text channel.</summary>
        public ChannelView General => Channels.Single(c => c.Name == "general" && c.Type == "text");

        public Permissions PermissionsIn(Guid channelId) => Me.ChannelPermissions.TryGetValue(channelId, out var bits) ? Parse(bits) : Grains.Guilds.Permissions.None;
    }

    public sealed record MemberView(Guid UserId, string Username, string DisplayName, string? Nickname, IReadOnlyList<Guid> Roles, DateTimeOffset JoinedAt, DateTimeOffset? TimeoutUntil);

    public sealed record EmojiView(Guid Id, string Name, string Image, Guid CreatorId);

    public sealed record InviteView(string Code, Guid GuildId, Guid ChannelId, Guid CreatorId, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, int MaxUses, int Uses);

    public sealed record InvitePreviewView(string Code, Guid GuildId, string GuildName, string ChannelName, int MemberCount, DateTimeOffset? ExpiresAt, Guid ChannelId, string? GuildIcon = null);

    public sealed record AuditEntryView(Guid Id, Guid ActorId, string Action, Guid? TargetId, string? Reason, JsonElement Changes, DateTimeOffset CreatedAt);

    private sealed record GuildList(IReadOnlyList<GuildView> Guilds);

    private sealed record MemberList(IReadOnlyList<MemberView> Members);

    /// <summary>A page of <c>GET …/members</c>: <see cref="Next"/> is the next page's <c>after</c>, null after the last.</summary>
    public sealed record MemberPageView(IReadOnlyList<MemberView> Members, string? Next);

    private sealed record RoleList(IReadOnlyList<RoleView> Roles);

    private sealed record ChannelList(IReadOnlyList<ChannelView> Channels);

    private sealed record InviteList(IReadOnlyList<InviteView> Invites);

    private sealed record AuditList(IReadOnlyList<AuditEntryView> Entries);

    private GuildClient(InProcessCluster cluster, ApiClient.Tokens tokens)
    {
        Cluster = cluster;
        Tokens = tokens;
        Http = cluster.CreateClient(tokens.AccessToken);
    }

    public InProcessCluster Cluster { get; }

    public ApiClient.Tokens Tokens { get; }

    public HttpClient Http { get; }

    public Guid Id => Guid.Parse(Tokens.User.Id);

    public static async Task<GuildClient> NewAsync(InProcessCluster cluster, string prefix = "g") =>
        new(cluster, await cluster.NewUserAsync(prefix));

    public static string Bits(Permissions permissions) => ((ulong)permissions).ToString(CultureInfo.InvariantCulture);

    public static Permissions Parse(string bits) => (Permissions)ulong.Parse(bits, CultureInfo.InvariantCulture);

    public Task<HubClient> ConnectHubAsync() => HubClient.ConnectAsync(Cluster, Tokens.AccessToken);

    // ---------------------------------------------------------------- raw requests

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: JsonSerializerOptions.Web);
        }

        return Http.SendAsync(request);
    }

    /// <summary>Sends and asserts the status; returns the body as <typeparamref name="T"/>.</summary>
    public async Task<T> ExpectAsync<T>(HttpMethod method, string path, object? body = null, HttpStatusCode status = HttpStatusCode.OK)
    {
        using var response = await SendAsync(method, path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{method} {path}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize<T>(text, JsonSerializerOptions.Web)!;
    }

    /// <summary>Sends and asserts a body-less success status.</summary>
    public async Task ExpectStatusAsync(HttpMethod method, string path, object? body = null, HttpStatusCode status = HttpStatusCode.NoContent)
    {
        using var response = await SendAsync(method, path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{method} {path}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
    }

    /// <summary>Sends and asserts the error status and code.</summary>
    public async Task<ApiClient.Error> ExpectErrorAsync(HttpMethod method, string path, HttpStatusCode status, string code, object? body = null)
    {
        using var response = await SendAsync(method, path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status && text.Contains($"\"{code}\"", StringComparison.Ordinal), $"{method} {path}: expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        return await response.AssertErrorAsync(status, code);
    }

    // ---------------------------------------------------------------- guilds

    public Task<GuildView> CreateGuildAsync(string name = "Les Copains") =>
        ExpectAsync<GuildView>(HttpMethod.Post, "/api/guilds", new { name }, HttpStatusCode.Created);

    public Task<GuildView> GetGuildAsync(Guid guildId) => ExpectAsync<GuildView>(HttpMethod.Get, $"/api/guilds/{guildId}");

    public async Task<IReadOnlyList<GuildView>> ListGuildsAsync() =>
        (await ExpectAsync<GuildList>(HttpMethod.Get, "/api/guilds")).Guilds;

    // ---------------------------------------------------------------- channels

    public Task<ChannelView> CreateChannelAsync(Guid guildId, string name, string type = "text", Guid? parentId = null, string? topic = null) =>
        ExpectAsync<ChannelView>(HttpMethod.Post, $"/api/guilds/{guildId}/channels", new { name, type, parentId, topic }, HttpStatusCode.Created);

    public Task<ChannelView> UpdateChannelAsync(Guid guildId, Guid channelId, object body) =>
        ExpectAsync<ChannelView>(HttpMethod.Patch, $"/api/guilds/{guildId}/channels/{channelId}", body);

    public async Task<IReadOnlyList<ChannelView>> MoveChannelsAsync(Guid guildId, object[] moves) =>
        (await ExpectAsync<ChannelList>(HttpMethod.Put, $"/api/guilds/{guildId}/channels/positions", moves)).Channels;

    public Task<ChannelView> SetOverwriteAsync(Guid guildId, Guid channelId, Guid targetId, string type, Permissions allow, Permissions deny) =>
        ExpectAsync<ChannelView>(HttpMethod.Put, $"/api/guilds/{guildId}/channels/{channelId}/overwrites/{targetId}", new { type, allow = Bits(allow), deny = Bits(deny) });

    /// <summary>A text channel only members holding <paramref name="roleId"/> (and admins/owner) see.</summary>
    public async Task<ChannelView> CreatePrivateChannelAsync(Guid guildId, string name, Guid roleId)
    {
        var channel = await CreateChannelAsync(guildId, name);
        await SetOverwriteAsync(guildId, channel.Id, guildId, "role", Permissions.None, Permissions.ViewChannel);
        return await SetOverwriteAsync(guildId, channel.Id, roleId, "role", Permissions.ViewChannel, Permissions.None);
    }

    // ---------------------------------------------------------------- roles

    public Task<RoleView> CreateRoleAsync(Guid guildId, string name, Permissions permissions = Permissions.None, int color = 0) =>
        ExpectAsync<RoleView>(HttpMethod.Post, $"/api/guilds/{guildId}/roles", new { name, color, permissions = Bits(permissions) }, HttpStatusCode.Created);

    public Task<RoleView> UpdateRoleAsync(Guid guildId, Guid roleId, object body) =>
        ExpectAsync<RoleView>(HttpMethod.Patch, $"/api/guilds/{guildId}/roles/{roleId}", body);

    public async Task<IReadOnlyList<RoleView>> MoveRoleAsync(Guid guildId, Guid roleId, int position) =>
        (await ExpectAsync<RoleList>(HttpMethod.Put, $"/api/guilds/{guildId}/roles/{roleId}/position", new { position })).Roles;

    // ---------------------------------------------------------------- members

    public Task<MemberView> SetRolesAsync(Guid guildId, Guid userId, params Guid[] roles) =>
        ExpectAsync<MemberView>(HttpMethod.Patch, $"/api/guilds/{guildId}/members/{userId}", new { roles });

    public async Task<IReadOnlyList<MemberView>> ListMembersAsync(Guid guildId, string? after = null, int? limit = null) =>
        (await ListMemberPageAsync(guildId, after, limit)).Members;

    public Task<MemberPageView> ListMemberPageAsync(Guid guildId, string? after = null, int? limit = null) =>
        ExpectAsync<MemberPageView>(HttpMethod.Get, MembersPath(guildId, after, limit));

    public static string MembersPath(Guid guildId, string? after = null, int? limit = null)
    {
        var query = new List<string>();
        if (after is not null)
        {
            query.Add($"after={Uri.EscapeDataString(after)}");
        }

        if (limit is { } l)
        {
            query.Add($"limit={l}");
        }

        return $"/api/guilds/{guildId}/members" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
    }

    /// <summary><c>GET …/members?ids=</c> with <paramref name="ids"/> as given (comma-separated).</summary>
    public async Task<IReadOnlyList<MemberView>> FindMembersAsync(Guid guildId, string ids) =>
        (await ExpectAsync<MemberList>(HttpMethod.Get, $"/api/guilds/{guildId}/members?ids={ids}")).Members;

    public Task KickAsync(Guid guildId, Guid userId) => ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guildId}/members/{userId}");

    public Task BanAsync(Guid guildId, Guid userId, string? reason = null) =>
        ExpectStatusAsync(HttpMethod.Put, $"/api/guilds/{guildId}/bans/{userId}", new { reason });

    public Task UnbanAsync(Guid guildId, Guid userId) => ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guildId}/bans/{userId}");

    public Task<MemberView> TimeoutAsync(Guid guildId, Guid userId, DateTimeOffset? until, string? reason = null) =>
        ExpectAsync<MemberView>(HttpMethod.Put, $"/api/guilds/{guildId}/members/{userId}/timeout", new TimeoutBody(until, reason));

    private sealed record TimeoutBody(DateTimeOffset? Until, string? Reason);

    public async Task<IReadOnlyList<AuditEntryView>> AuditLogAsync(Guid guildId, int limit = 100) =>
        (await ExpectAsync<AuditList>(HttpMethod.Get, $"/api/guilds/{guildId}/audit-log?limit={limit}")).Entries;

    // ---------------------------------------------------------------- invites

    public Task<InviteView> CreateInviteAsync(Guid guildId, Guid channelId, int? maxAgeSeconds = null, int? maxUses = null) =>
        ExpectAsync<InviteView>(HttpMethod.Post, $"/api/guilds/{guildId}/invites", new { channelId, maxAgeSeconds, maxUses }, HttpStatusCode.Created);

    public async Task<IReadOnlyList<InviteView>> ListInvitesAsync(Guid guildId) =>
        (await ExpectAsync<InviteList>(HttpMethod.Get, $"/api/guilds/{guildId}/invites")).Invites;

    public Task<InvitePreviewView> PreviewInviteAsync(string code) => ExpectAsync<InvitePreviewView>(HttpMethod.Get, $"/api/invites/{code}");

    public Task<GuildView> JoinAsync(string code) => ExpectAsync<GuildView>(HttpMethod.Post, $"/api/invites/{code}");

    /// <summary><paramref name="owner"/> creates a guild and <paramref name="count"/> new users join it through one invite.</summary>
    public static async Task<(GuildView Guild, GuildClient[] Members)> GuildWithMembersAsync(GuildClient owner, int count, string name = "Les Copains")
    {
        var guild = await owner.CreateGuildAsync(name);
        var members = new GuildClient[count];
        if (count > 0)
        {
            var invite = await owner.CreateInviteAsync(guild.Id, guild.General.Id);
            for (var i = 0; i < count; i++)
            {
                members[i] = await NewAsync(owner.Cluster, "m");
                await members[i].JoinAsync(invite.Code);
            }
        }

        return (guild, members);
    }

    public void Dispose() => Http.Dispose();
}
