using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

/// <summary>Profile pictures: <c>PUT/DELETE /api/users/@me/avatar</c>, <c>GET /api/users/avatars</c>, and the pictures.</summary>
[Collection(UploadsCollection.Name)]
public sealed class AvatarTests(UploadsCluster cluster)
{
    private const int MaxBytes = 1024 * 1024;

    [Fact]
    public async Task A_picture_is_set_seen_by_others_replaced_and_removed_and_its_bytes_go_when_nobody_refers_to_them()
    {
        using var me = await GuildClient.NewAsync(cluster, "av");
        using var other = await GuildClient.NewAsync(cluster, "av");
        var first = Picture();
        var sha = await SetAsync(me, first);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(first)), sha);
        Assert.Contains(BlobPath(sha), cluster.Files());

        // Anyone signed in looks it up (an unknown id is left out) and loads it.
        var unknown = Guid.NewGuid();
        var found = await LookUpAsync(other, $"{me.Id},{other.Id},{unknown}");
        Assert.Equal(sha, found.GetProperty(me.Id.ToString()).GetString());
        Assert.Equal(JsonValueKind.Null, found.GetProperty(other.Id.ToString()).ValueKind);
        Assert.False(found.TryGetProperty(unknown.ToString(), out _));
        using (var image = await other.Http.GetAsync($"/api/attachments/avatars/{sha}"))
        {
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
            Assert.Equal("image/png", image.Content.Headers.ContentType!.MediaType);
            Assert.Equal("nosniff", image.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Contains("sandbox", image.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal(first, await image.Content.ReadAsByteArrayAsync());
        }

        // As an <img> loads it: with the media cookie, no Authorization header.
        using (var cookieClient = new HttpClient(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = cluster.BaseAddress })
        {
            using var setCookie = new HttpRequestMessage(HttpMethod.Post, "/api/attachments/cookie");
            setCookie.Headers.Authorization = new AuthenticationHeaderValue("Bearer", other.Tokens.AccessToken);
            Assert.Equal(HttpStatusCode.NoContent, (await cookieClient.SendAsync(setCookie)).StatusCode);
            using var image = await cookieClient.GetAsync($"/api/attachments/avatars/{sha}");
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        }

        // Without a token: nothing.
        using (var anonymous = new HttpClient { BaseAddress = cluster.BaseAddress })
        using (var refused = await anonymous.GetAsync($"/api/attachments/avatars/{sha}"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // Replaced: the old bytes go (nobody else has them), the old address answers 404.
        var second = await SetAsync(me, Picture());
        Assert.DoesNotContain(BlobPath(sha), cluster.Files());
        await other.ExpectErrorAsync(HttpMethod.Get, $"/api/attachments/avatars/{sha}", HttpStatusCode.NotFound, "attachment_not_found");
        Assert.Equal(second, (await LookUpAsync(other, me.Id.ToString())).GetProperty(me.Id.ToString()).GetString());

        // The same picture for two people: removing one keeps the bytes for the other.
        var shared = Picture();
        Assert.Equal(await SetAsync(me, shared), await SetAsync(other, shared));
        Assert.DoesNotContain(BlobPath(second), cluster.Files());
        await me.ExpectStatusAsync(HttpMethod.Delete, "/api/users/@me/avatar");
        var sharedSha = Convert.ToHexStringLower(SHA256.HashData(shared));
        Assert.Contains(BlobPath(sharedSha), cluster.Files());
        Assert.Equal(JsonValueKind.Null, (await LookUpAsync(other, me.Id.ToString())).GetProperty(me.Id.ToString()).ValueKind);
        await other.ExpectStatusAsync(HttpMethod.Delete, "/api/users/@me/avatar");
        Assert.DoesNotContain(BlobPath(sharedSha), cluster.Files());
        await me.ExpectStatusAsync(HttpMethod.Delete, "/api/users/@me/avatar");
    }

    [Fact]
    public async Task A_new_or_removed_picture_reaches_the_members_of_the_guilds_the_person_is_in_at_once()
    {
        using var owner = await GuildClient.NewAsync(cluster, "av");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1, "Faces");
        using var member = members[0];
        using var stranger = await GuildClient.NewAsync(cluster, "av");
        await using var memberHub = await member.ConnectHubAsync();
        await using var strangerHub = await stranger.ConnectHubAsync();

        var sha = await SetAsync(owner, Picture());
        var (_, set) = await memberHub.WaitForAsync("user:update");
        Assert.Equal(guild.Id, set.GetProperty("guildId").GetGuid());
        Assert.Equal(owner.Id, set.GetProperty("user").GetProperty("id").GetGuid());
        Assert.Equal(sha, set.GetProperty("user").GetProperty("avatar").GetString());

        await owner.ExpectStatusAsync(HttpMethod.Delete, "/api/users/@me/avatar");
        var (_, removed) = await memberHub.WaitForAsync("user:update", e => e.GetProperty("user").GetProperty("avatar").ValueKind == JsonValueKind.Null);
        Assert.Equal(owner.Id, removed.GetProperty("user").GetProperty("id").GetGuid());

        // Nobody outside the guild is told; removing no picture again tells nobody either.
        await owner.ExpectStatusAsync(HttpMethod.Delete, "/api/users/@me/avatar");
        await Task.Delay(300);
        Assert.Equal(0, strangerHub.Count("user:update"));
        Assert.Equal(2, memberHub.Count("user:update"));
    }

    [Fact]
    public async Task Not_an_image_too_large_or_not_multipart_is_refused_with_nothing_stored_and_the_picture_kept()
    {
        using var me = await GuildClient.NewAsync(cluster, "av");
        var sha = await SetAsync(me, Picture());
        var before = cluster.Files();

        using (var text = await PutAsync(me, "just some text, not a picture"u8.ToArray()))
        {
            var error = await text.AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
            Assert.StartsWith("file:", error.Message, StringComparison.Ordinal);
        }

        var big = new byte[MaxBytes + 1];
        Random.Shared.NextBytes(big);
        UploadTests.Png(64, 64).CopyTo(big, 0);
        using (var tooLarge = await PutAsync(me, big))
        {
            await tooLarge.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "file_too_large");
        }

        using (var json = await me.Http.PutAsJsonAsync("/api/users/@me/avatar", new { file = "x" }))
        {
            await json.AssertErrorAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        }

        Assert.Equal(before, cluster.Files());
        Assert.Equal(sha, (await LookUpAsync(me, me.Id.ToString())).GetProperty(me.Id.ToString()).GetString());

        // An attachment's bytes are not served as a picture by their hash.
        var (owner, general) = await GuildAsync();
        var attached = Picture();
        await UploadSweepTests.UploadAsync(owner, general, attached);
        await me.ExpectErrorAsync(HttpMethod.Get, $"/api/attachments/avatars/{Convert.ToHexStringLower(SHA256.HashData(attached))}", HttpStatusCode.NotFound, "attachment_not_found");

        foreach (var ids in new[] { "", "nope", string.Join(',', Enumerable.Range(0, 101).Select(_ => Guid.NewGuid())) })
        {
            var error = await me.ExpectErrorAsync(HttpMethod.Get, $"/api/users/avatars?ids={ids}", HttpStatusCode.BadRequest, "validation_failed");
            Assert.StartsWith("ids:", error.Message, StringComparison.Ordinal);
        }

        owner.Dispose();
    }

    private async Task<(GuildClient Owner, Guid General)> GuildAsync()
    {
        var owner = await GuildClient.NewAsync(cluster, "o");
        var guild = await owner.CreateGuildAsync("Avatars");
        return (owner, guild.General.Id);
    }

    /// <summary>A PNG header and random bytes: a picture nobody else has.</summary>
    internal static byte[] Picture()
    {
        var bytes = new byte[600];
        Random.Shared.NextBytes(bytes);
        UploadTests.Png(128, 128).CopyTo(bytes, 0);
        return bytes;
    }

    internal static async Task<HttpResponseMessage> PutAsync(GuildClient user, byte[] bytes)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", "me.png" } };
        return await user.Http.PutAsync("/api/users/@me/avatar", form);
    }

    private static async Task<string> SetAsync(GuildClient user, byte[] bytes)
    {
        using var response = await PutAsync(user, bytes);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("avatar").GetString()!;
    }

    private static async Task<JsonElement> LookUpAsync(GuildClient user, string ids) =>
        (await user.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/users/avatars?ids={ids}")).GetProperty("avatars");

    /// <summary>A picture address serves these bytes, safely, to <paramref name="viewer"/>, and nothing to anyone anonymous.</summary>
    internal static async Task AssertServedAsync(InProcessCluster cluster, GuildClient viewer, string path, byte[] bytes)
    {
        using (var image = await viewer.Http.GetAsync(path))
        {
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
            Assert.Equal("image/png", image.Content.Headers.ContentType!.MediaType);
            Assert.Equal("nosniff", image.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Contains("sandbox", image.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal(bytes, await image.Content.ReadAsByteArrayAsync());
        }

        using var anonymous = new HttpClient { BaseAddress = cluster.BaseAddress };
        using var refused = await anonymous.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    internal static string BlobPath(string sha) => Path.Combine(sha[..2], sha[2..4], sha);
}
