using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LesCopains.Grains.Guilds;
using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LesCopains.Api.Tests;

/// <summary>An Api whose uploads go to a fresh directory the tests can inspect.</summary>
public sealed class UploadsCluster : InProcessCluster, IDisposable
{
    public string UploadsDirectory { get; } = Path.Combine(Path.GetTempPath(), "lc-uploads-" + Guid.NewGuid().ToString("N"));

    protected override IEnumerable<string> ApiArguments => [$"--UPLOADS_DIR={UploadsDirectory}"];

    /// <summary>Every stored blob (temp files included), relative to the uploads directory.</summary>
    public IReadOnlySet<string> Files() =>
        Directory.Exists(UploadsDirectory)
            ? Directory.EnumerateFiles(UploadsDirectory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(UploadsDirectory, f)).ToHashSet()
            : new HashSet<string>();

    public void Dispose()
    {
        if (Directory.Exists(UploadsDirectory))
        {
            Directory.Delete(UploadsDirectory, recursive: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class UploadsCollection : ICollectionFixture<UploadsCluster>
{
    public const string Name = "uploads";
}

[Collection(UploadsCollection.Name)]
public sealed class UploadTests(UploadsCluster cluster)
{
    private const int MaxFileSize = 10 * 1024 * 1024;

    [Fact]
    public async Task Exactly_the_size_limit_is_accepted_and_one_byte_more_is_refused_with_nothing_stored()
    {
        var (owner, _, general) = await GuildAsync();
        var before = cluster.Files();
        using var tooLarge = await UploadAsync(owner, general, RandomBytes(MaxFileSize + 1), "big.bin");
        await tooLarge.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "file_too_large");
        Assert.Equal(before, cluster.Files());
        Assert.Equal(0L, await CountRowsAsync(owner.Id));

        var exact = RandomBytes(MaxFileSize);
        using var accepted = await UploadAsync(owner, general, exact, "exact.bin");
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var attachment = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(MaxFileSize, attachment.GetProperty("size").GetInt64());
        Assert.Equal("application/octet-stream", attachment.GetProperty("contentType").GetString());
        var added = cluster.Files().Except(before).ToList();
        Assert.Equal([BlobPath(exact)], added);
        Assert.Equal(1L, await CountRowsAsync(owner.Id));
    }

    [Fact]
    public async Task A_non_member_cannot_upload_and_nothing_is_stored()
    {
        var (_, _, general) = await GuildAsync();
        var stranger = await GuildClient.NewAsync(cluster, "x");
        var before = cluster.Files();
        using var response = await UploadAsync(stranger, general, Png(3, 3), "p.png");
        await response.AssertErrorAsync(HttpStatusCode.NotFound, "channel_not_found");
        Assert.Equal(before, cluster.Files());
        Assert.Equal(0L, await CountRowsAsync(stranger.Id));
    }

    [Fact]
    public async Task Without_ATTACH_FILES_an_upload_and_a_send_with_files_are_refused()
    {
        var (owner, member, general) = await GuildAsync();
        using var early = await UploadAsync(member, general, Png(2, 2), "early.png");
        var pending = (await early.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var guildId = (await owner.ListGuildsAsync()).Single(g => g.Channels.Any(c => c.Id == general)).Id;
        await owner.SetOverwriteAsync(guildId, general, guildId, "role", Permissions.None, Permissions.AttachFiles);
        var before = cluster.Files();
        using var refused = await UploadAsync(member, general, Png(4, 4), "late.png");
        await refused.AssertErrorAsync(HttpStatusCode.Forbidden, "missing_permission");
        Assert.Equal(before, cluster.Files());
        Assert.Equal(1L, await CountRowsAsync(member.Id));

        await member.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{general}/messages", HttpStatusCode.Forbidden, "missing_permission", new { content = "", attachments = new[] { pending } });
    }

    [Fact]
    public async Task A_png_named_exe_is_stored_as_a_png_with_its_pixel_size()
    {
        var (owner, _, general) = await GuildAsync();
        using var response = await UploadAsync(owner, general, Png(640, 480), "..\\..\\evil.exe", clientType: "application/x-msdownload");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var attachment = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("image/png", attachment.GetProperty("contentType").GetString());
        Assert.Equal("evil.exe", attachment.GetProperty("filename").GetString());
        Assert.Equal(640, attachment.GetProperty("width").GetInt32());
        Assert.Equal(480, attachment.GetProperty("height").GetInt32());

        using var download = await owner.Http.GetAsync(attachment.GetProperty("url").GetString());
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("image/png", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("inline", download.Content.Headers.ContentDisposition!.DispositionType);
    }

    [Fact]
    public async Task An_html_file_is_served_as_text_as_a_download_in_a_sandbox()
    {
        var (owner, _, general) = await GuildAsync();
        var html = "<!doctype html><html><script>alert(document.cookie)</script></html>"u8.ToArray();
        using var response = await UploadAsync(owner, general, html, "page.html", clientType: "text/html");
        var attachment = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("text/plain; charset=utf-8", attachment.GetProperty("contentType").GetString());

        using var download = await owner.Http.GetAsync(attachment.GetProperty("url").GetString());
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("text/plain", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("page.html", download.Content.Headers.ContentDisposition.FileNameStar ?? download.Content.Headers.ContentDisposition.FileName?.Trim('"'));
        var policy = download.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("sandbox", policy, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Equal(html, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Image_headers_give_width_and_height()
    {
        var (owner, _, general) = await GuildAsync();
        (byte[] Bytes, string Type, int Width, int Height)[] images =
        [
            (Gif(33, 17), "image/gif", 33, 17),
            (Jpeg(1920, 1080), "image/jpeg", 1920, 1080),
            (WebPLossless(300, 200), "image/webp", 300, 200),
        ];
        foreach (var (bytes, type, width, height) in images)
        {
            using var response = await UploadAsync(owner, general, bytes, "image.bin");
            var attachment = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(type, attachment.GetProperty("contentType").GetString());
            Assert.Equal(width, attachment.GetProperty("width").GetInt32());
            Assert.Equal(height, attachment.GetProperty("height").GetInt32());
        }

        using var pdf = await UploadAsync(owner, general, "%PDF-1.7\n%\xe2\xe3\n"u8.ToArray(), "doc.pdf");
        Assert.Equal("application/pdf", (await pdf.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("contentType").GetString());
    }

    [Fact]
    public async Task The_same_bytes_are_stored_once()
    {
        var (owner, member, general) = await GuildAsync();
        var bytes = RandomBytes(50_000);
        using var first = await UploadAsync(owner, general, bytes, "a.bin");
        var before = cluster.Files();
        using var second = await UploadAsync(member, general, bytes, "b.bin");
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(before, cluster.Files());
        Assert.True(File.Exists(Path.Combine(cluster.UploadsDirectory, BlobPath(bytes))));

        var ids = new[] { first, second }.Select(r => r.Content.ReadFromJsonAsync<JsonElement>().Result.GetProperty("id").GetGuid()).ToList();
        Assert.NotEqual(ids[0], ids[1]);
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var command = db.CreateCommand("SELECT DISTINCT sha256 FROM attachments WHERE id = ANY($1)");
        command.Parameters.AddWithValue(ids.ToArray());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_sent_file_reaches_members_live_and_in_history_and_only_readers_of_the_channel_can_download_it()
    {
        var (owner, member, general) = await GuildAsync();
        await using var hub = await member.ConnectHubAsync();
        var live = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Connection.OnMessageCreate(e => live.TrySetResult(e.GetProperty("message")));

        using var upload = await UploadAsync(owner, general, Png(12, 8), "cat.png");
        var attachment = await upload.Content.ReadFromJsonAsync<JsonElement>();
        var id = attachment.GetProperty("id").GetGuid();
        var url = attachment.GetProperty("url").GetString()!;
        Assert.Equal($"/api/attachments/{id}/cat.png", url);

        // Pending: only the uploader can fetch it, and only the uploader can send it.
        await member.ExpectErrorAsync(HttpMethod.Get, url, HttpStatusCode.NotFound, "attachment_not_found");
        await member.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{general}/messages", HttpStatusCode.NotFound, "attachment_not_found", new { content = "mine now", attachments = new[] { id } });

        var sent = await owner.ExpectAsync<JsonElement>(HttpMethod.Post, $"/api/channels/{general}/messages", new { content = "", attachments = new[] { id } }, HttpStatusCode.Created);
        Assert.Equal("", sent.GetProperty("content").GetString());
        var received = await live.Task.WaitAsync(TimeSpan.FromSeconds(20));
        foreach (var message in new[] { sent, received, (await HistoryAsync(member, general)).Single() })
        {
            var file = message.GetProperty("attachments").EnumerateArray().Single();
            Assert.Equal(id, file.GetProperty("id").GetGuid());
            Assert.Equal(12, file.GetProperty("width").GetInt32());
            Assert.Equal(8, file.GetProperty("height").GetInt32());
            Assert.Equal(url, file.GetProperty("url").GetString());
        }

        // Claimed once: a second message cannot carry it.
        await owner.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{general}/messages", HttpStatusCode.NotFound, "attachment_not_found", new { content = "again", attachments = new[] { id } });

        // The member reads it with the media cookie, as an <img> would (no Authorization header).
        using (var cookieClient = MediaCookieClient())
        {
            using var setCookie = new HttpRequestMessage(HttpMethod.Post, "/api/attachments/cookie");
            setCookie.Headers.Authorization = new AuthenticationHeaderValue("Bearer", member.Tokens.AccessToken);
            Assert.Equal(HttpStatusCode.NoContent, (await cookieClient.SendAsync(setCookie)).StatusCode);
            using var image = await cookieClient.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
            Assert.Equal($"\"{Convert.ToHexStringLower(SHA256.HashData(Png(12, 8)))}\"", image.Headers.ETag!.Tag);
            Assert.Contains("immutable", image.Headers.CacheControl!.ToString(), StringComparison.Ordinal);

            // The cookie is good for downloads only (it reaches this POST, whose path it is scoped to, and is ignored).
            Assert.Equal(HttpStatusCode.Unauthorized, (await cookieClient.PostAsync("/api/attachments/cookie", null)).StatusCode);
        }

        // Someone outside the guild, then a member who lost sight of the channel, cannot fetch it.
        var stranger = await GuildClient.NewAsync(cluster, "x");
        await stranger.ExpectErrorAsync(HttpMethod.Get, url, HttpStatusCode.NotFound, "attachment_not_found");
        using (var anonymous = cluster.CreateClient())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(url)).StatusCode);
        }

        var guildId = (await owner.ListGuildsAsync()).Single(g => g.Channels.Any(c => c.Id == general)).Id;
        await owner.SetOverwriteAsync(guildId, general, member.Id, "member", Permissions.None, Permissions.ViewChannel);
        await member.ExpectErrorAsync(HttpMethod.Get, url, HttpStatusCode.NotFound, "attachment_not_found");
        await owner.SetOverwriteAsync(guildId, general, member.Id, "member", Permissions.None, Permissions.ReadMessageHistory);
        await member.ExpectErrorAsync(HttpMethod.Get, url, HttpStatusCode.Forbidden, "missing_permission");

        // Deleting the message hides its file, even from its uploader.
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/channels/{general}/messages/{sent.GetProperty("id").GetGuid()}");
        await owner.ExpectErrorAsync(HttpMethod.Get, url, HttpStatusCode.NotFound, "attachment_not_found");
    }

    [Fact]
    public async Task Ranges_and_revalidation_are_answered_from_the_hash()
    {
        var (owner, _, general) = await GuildAsync();
        var bytes = RandomBytes(4096);
        using var upload = await UploadAsync(owner, general, bytes, "r.bin");
        var url = (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString();

        using var range = new HttpRequestMessage(HttpMethod.Get, url);
        range.Headers.Range = new RangeHeaderValue(100, 199);
        using var partial = await owner.Http.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(bytes[100..200], await partial.Content.ReadAsByteArrayAsync());

        using var revalidate = new HttpRequestMessage(HttpMethod.Get, url);
        revalidate.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))}\""));
        using var notModified = await owner.Http.SendAsync(revalidate);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task An_upload_that_is_not_multipart_is_refused()
    {
        var (owner, _, general) = await GuildAsync();
        using var response = await owner.Http.PostAsync($"/api/channels/{general}/attachments", new ByteArrayContent(Png(1, 1)) { Headers = { ContentType = new("image/png") } });
        await response.AssertErrorAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    // ---------------------------------------------------------------- helpers

    private async Task<(GuildClient Owner, GuildClient Member, Guid General)> GuildAsync()
    {
        var owner = await GuildClient.NewAsync(cluster, "o");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1, "Uploads");
        return (owner, members[0], guild.General.Id);
    }

    private static async Task<HttpResponseMessage> UploadAsync(GuildClient user, Guid channelId, byte[] bytes, string filename, string clientType = "application/octet-stream")
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(clientType);
        form.Add(file, "file", filename);
        return await user.Http.PostAsync($"/api/channels/{channelId}/attachments", form);
    }

    private HttpClient MediaCookieClient() =>
        new(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = cluster.BaseAddress };

    private static async Task<IReadOnlyList<JsonElement>> HistoryAsync(GuildClient user, Guid channelId) =>
        [.. (await user.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/channels/{channelId}/messages")).GetProperty("messages").EnumerateArray()];

    private async Task<long> CountRowsAsync(Guid uploaderId)
    {
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var command = db.CreateCommand("SELECT count(*) FROM attachments WHERE uploader_id = $1");
        command.Parameters.AddWithValue(uploaderId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static string BlobPath(byte[] bytes)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return Path.Combine(hash[..2], hash[2..4], hash);
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A PNG signature and IHDR chunk (enough for sniffing; the pixels do not matter here).</summary>
    internal static byte[] Png(int width, int height)
    {
        var bytes = new byte[33];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R' }.CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(20), height);
        bytes[24] = 8;
        bytes[25] = 6;
        return bytes;
    }

    private static byte[] Gif(int width, int height)
    {
        var bytes = new byte[13];
        "GIF89a"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)height);
        return bytes;
    }

    /// <summary>SOI, an APP1 (EXIF-like) segment to skip, a DQT, then SOF2 (progressive) with the size.</summary>
    private static byte[] Jpeg(int width, int height)
    {
        var stream = new MemoryStream();
        stream.Write([0xFF, 0xD8]);
        var exif = new byte[2000];
        stream.Write([0xFF, 0xE1, (byte)((exif.Length + 2) >> 8), (byte)((exif.Length + 2) & 0xFF)]);
        stream.Write(exif);
        stream.Write([0xFF, 0xDB, 0x00, 0x04, 0x00, 0x00]);
        stream.Write([0xFF, 0xC2, 0x00, 0x11, 0x08, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 0x03]);
        stream.Write(new byte[9]);
        stream.Write([0xFF, 0xD9]);
        return stream.ToArray();
    }

    private static byte[] WebPLossless(int width, int height)
    {
        var bytes = new byte[30];
        "RIFF"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 22);
        "WEBPVP8L"u8.CopyTo(bytes.AsSpan(8));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), 9);
        bytes[20] = 0x2F;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(21), (uint)(width - 1) | ((uint)(height - 1) << 14));
        return bytes;
    }
}

[Collection(UploadsCollection.Name)]
public sealed class UploadSweepTests(UploadsCluster cluster)
{
    [Fact]
    public async Task Unsent_uploads_are_swept_with_their_bytes_unless_something_else_uses_them()
    {
        var owner = await GuildClient.NewAsync(cluster, "o");
        var general = (await owner.CreateGuildAsync("Sweep")).General.Id;
        var lonely = Bytes(1000);
        var shared = Bytes(2000);
        var lonelyId = await UploadAsync(owner, general, lonely);
        await UploadAsync(owner, general, shared);
        var sentId = await UploadAsync(owner, general, shared);
        await owner.ExpectAsync<JsonElement>(HttpMethod.Post, $"/api/channels/{general}/messages", new { content = "kept", attachments = new[] { sentId } }, HttpStatusCode.Created);

        var sweeper = cluster.ApiServices.GetRequiredService<LesCopains.Api.Uploads.AttachmentSweeper>();
        var later = DateTimeOffset.UtcNow.AddMinutes(1);
        await sweeper.SweepAsync(later, later, CancellationToken.None);

        Assert.False(File.Exists(PathOf(lonely)));
        Assert.True(File.Exists(PathOf(shared)));
        await owner.ExpectErrorAsync(HttpMethod.Get, $"/api/attachments/{lonelyId}/x", HttpStatusCode.NotFound, "attachment_not_found");
        using var kept = await owner.Http.GetAsync($"/api/attachments/{sentId}/x");
        Assert.Equal(shared, await kept.Content.ReadAsByteArrayAsync());
        await owner.ExpectErrorAsync(HttpMethod.Post, $"/api/channels/{general}/messages", HttpStatusCode.NotFound, "attachment_not_found", new { content = "late", attachments = new[] { lonelyId } });
    }

    [Fact]
    public async Task Attachments_of_deleted_messages_are_swept_with_their_bytes_unless_a_live_attachment_shares_them()
    {
        var owner = await GuildClient.NewAsync(cluster, "o");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        var spammer = members[0];
        var general = guild.General.Id;
        var alone = Bytes(1100);
        var shared = Bytes(2100);
        var banned = Bytes(3100);
        var aloneId = await UploadAsync(owner, general, alone);
        var sharedGoneId = await UploadAsync(owner, general, shared);
        var sharedKeptId = await UploadAsync(owner, general, shared);
        var bannedId = await UploadAsync(spammer, general, banned);
        var first = await SendAsync(owner, general, aloneId, sharedGoneId);
        await SendAsync(owner, general, sharedKeptId);
        await SendAsync(spammer, general, bannedId);

        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/channels/{general}/messages/{first}");
        await owner.ExpectStatusAsync(HttpMethod.Put, $"/api/guilds/{guild.Id}/bans/{spammer.Id}", new { deleteMessageSeconds = 3600 });

        // The bytes stay until the sweep (an upload of the same bytes may be in flight meanwhile).
        Assert.True(File.Exists(PathOf(alone)));
        var sweeper = cluster.ApiServices.GetRequiredService<LesCopains.Api.Uploads.AttachmentSweeper>();
        var later = DateTimeOffset.UtcNow.AddMinutes(1);
        Assert.Equal(2, await sweeper.SweepAsync(later.AddHours(-24), later, CancellationToken.None));

        Assert.False(File.Exists(PathOf(alone)));
        Assert.False(File.Exists(PathOf(banned)));
        Assert.True(File.Exists(PathOf(shared)));
        Assert.Equal([sharedKeptId], await RowsAsync(aloneId, sharedGoneId, sharedKeptId, bannedId));
        using var kept = await owner.Http.GetAsync($"/api/attachments/{sharedKeptId}/x");
        Assert.Equal(shared, await kept.Content.ReadAsByteArrayAsync());

        // Sweeping again finds nothing more to do.
        Assert.Equal(0, await sweeper.SweepAsync(later.AddHours(-24), later, CancellationToken.None));
        Assert.True(File.Exists(PathOf(shared)));
    }

    [Fact]
    public async Task Attachments_of_a_deleted_channel_are_swept_with_their_bytes()
    {
        var owner = await GuildClient.NewAsync(cluster, "o");
        var guild = await owner.CreateGuildAsync("Sweep channel");
        var doomed = (await owner.CreateChannelAsync(guild.Id, "doomed")).Id;
        var bytes = Bytes(1200);
        var id = await UploadAsync(owner, doomed, bytes);
        await SendAsync(owner, doomed, id);

        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/channels/{doomed}");
        await owner.ExpectErrorAsync(HttpMethod.Get, $"/api/attachments/{id}/x", HttpStatusCode.NotFound, "attachment_not_found");
        var sweeper = cluster.ApiServices.GetRequiredService<LesCopains.Api.Uploads.AttachmentSweeper>();
        var later = DateTimeOffset.UtcNow.AddMinutes(1);
        await sweeper.SweepAsync(later.AddHours(-24), later, CancellationToken.None);

        Assert.False(File.Exists(PathOf(bytes)));
        Assert.Empty(await RowsAsync(id));
    }

    private static async Task<Guid> SendAsync(GuildClient user, Guid channelId, params Guid[] attachments) =>
        (await user.ExpectAsync<JsonElement>(HttpMethod.Post, $"/api/channels/{channelId}/messages", new { content = "files", attachments }, HttpStatusCode.Created)).GetProperty("id").GetGuid();

    /// <summary>Which of these attachment rows still exist.</summary>
    private async Task<List<Guid>> RowsAsync(params Guid[] ids)
    {
        var dataSource = cluster.ApiServices.GetRequiredService<Npgsql.NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand("SELECT id FROM attachments WHERE id = ANY($1) ORDER BY id");
        command.Parameters.AddWithValue(ids);
        var found = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found.Add(reader.GetGuid(0));
        }

        return found;
    }

    private string PathOf(byte[] bytes)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return Path.Combine(cluster.UploadsDirectory, hash[..2], hash[2..4], hash);
    }

    private static byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Uploads <paramref name="bytes"/> as a pending file of <paramref name="user"/>; its id.</summary>
    internal static async Task<Guid> UploadAsync(GuildClient user, Guid channelId, byte[] bytes)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", "f.bin" } };
        using var response = await user.Http.PostAsync($"/api/channels/{channelId}/attachments", form);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }
}
