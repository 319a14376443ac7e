using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using LesCopains.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LesCopains.Api.Tests;

/// <summary>Encrypted DM attachments: opaque uploads into a conversation, downloads for its members only.</summary>
[Collection(UploadsCollection.Name)]
public sealed class DmAttachmentTests(UploadsCluster cluster)
{
    private const int MaxFileSize = 10 * 1024 * 1024;

    [Fact]
    public async Task Members_download_the_exact_ciphertext_as_an_opaque_file_and_others_see_nothing()
    {
        var (a, b, conversation) = await PairAsync();
        var stranger = await cluster.NewUserAsync("s");
        using var aHttp = cluster.CreateClient(a.AccessToken);
        using var bHttp = cluster.CreateClient(b.AccessToken);
        using var sHttp = cluster.CreateClient(stranger.AccessToken);

        // Bytes that a sniffer would call HTML: served as an opaque download all the same.
        var bytes = "<html><script>alert(1)</script>"u8.ToArray().Concat(RandomNumberGenerator.GetBytes(1000)).ToArray();
        var id = await UploadAsync(aHttp, conversation, bytes);

        using var download = await bHttp.GetAsync($"/api/dm/attachments/{id}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/octet-stream", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("sandbox", download.Headers.GetValues("Content-Security-Policy").Single());

        using var foreign = await sHttp.GetAsync($"/api/dm/attachments/{id}");
        await foreign.AssertErrorAsync(HttpStatusCode.NotFound, "attachment_not_found");
        using var anonymous = await cluster.CreateClient().GetAsync($"/api/dm/attachments/{id}");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        // A non-member cannot upload into the conversation, and nothing is stored for the attempt.
        var before = cluster.Files();
        using var refused = await sHttp.PostAsync($"/api/dm/conversations/{conversation}/attachments", Opaque(RandomNumberGenerator.GetBytes(500)));
        await refused.AssertErrorAsync(HttpStatusCode.NotFound, "conversation_not_found");
        Assert.Equal(before, cluster.Files());
        Assert.Equal(0L, await CountRowsAsync(Guid.Parse(stranger.User.Id)));
    }

    [Fact]
    public async Task The_size_limit_is_enforced_while_streaming_and_nothing_is_half_written()
    {
        var (a, _, conversation) = await PairAsync();
        using var aHttp = cluster.CreateClient(a.AccessToken);
        var uploader = Guid.Parse(a.User.Id);
        var before = cluster.Files();

        // Announced too large: refused before reading.
        using var announced = await aHttp.PostAsync($"/api/dm/conversations/{conversation}/attachments", Opaque(RandomNumberGenerator.GetBytes(MaxFileSize + 1)));
        await announced.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "file_too_large");

        // Streamed without a length: refused as soon as the limit is crossed, the partial file removed.
        var chunked = new StreamContent(new MemoryStream(RandomNumberGenerator.GetBytes(MaxFileSize + 1)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/dm/conversations/{conversation}/attachments") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var streamed = await aHttp.SendAsync(request);
        await streamed.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "file_too_large");
        Assert.Equal(before, cluster.Files());
        Assert.Equal(0L, await CountRowsAsync(uploader));

        // Empty is refused too.
        using var empty = await aHttp.PostAsync($"/api/dm/conversations/{conversation}/attachments", Opaque([]));
        await empty.AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(before, cluster.Files());

        // Exactly the limit is accepted and stored once, under its hash.
        var exact = RandomNumberGenerator.GetBytes(MaxFileSize);
        await UploadAsync(aHttp, conversation, exact);
        Assert.Equal([BlobPath(exact)], cluster.Files().Except(before).ToList());
        Assert.Equal(1L, await CountRowsAsync(uploader));
    }

    [Fact]
    public async Task Only_the_uploader_deletes_a_file_and_then_its_bytes_are_gone()
    {
        var (a, b, conversation) = await PairAsync();
        using var aHttp = cluster.CreateClient(a.AccessToken);
        using var bHttp = cluster.CreateClient(b.AccessToken);
        var bytes = RandomNumberGenerator.GetBytes(2048);
        var id = await UploadAsync(aHttp, conversation, bytes);
        Assert.Contains(BlobPath(bytes), cluster.Files());

        using var notTheirs = await bHttp.DeleteAsync($"/api/dm/attachments/{id}");
        await notTheirs.AssertErrorAsync(HttpStatusCode.Forbidden, "missing_permission");
        Assert.Contains(BlobPath(bytes), cluster.Files());

        using var deleted = await aHttp.DeleteAsync($"/api/dm/attachments/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.DoesNotContain(BlobPath(bytes), cluster.Files());
        using var gone = await bHttp.GetAsync($"/api/dm/attachments/{id}");
        await gone.AssertErrorAsync(HttpStatusCode.NotFound, "attachment_not_found");
    }

    [Fact]
    public async Task The_sweep_of_unsent_channel_uploads_keeps_bytes_that_a_DM_file_uses()
    {
        var (a, b, conversation) = await PairAsync();
        using var aHttp = cluster.CreateClient(a.AccessToken);
        using var bHttp = cluster.CreateClient(b.AccessToken);
        var bytes = RandomNumberGenerator.GetBytes(3000);
        var dmId = await UploadAsync(aHttp, conversation, bytes);

        // The same bytes uploaded into a channel and never sent: the sweep removes that upload only.
        var owner = await GuildClient.NewAsync(cluster, "o");
        var general = (await owner.CreateGuildAsync("Sweep DM")).General.Id;
        using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", "f.bin" } };
        using var channelUpload = await owner.Http.PostAsync($"/api/channels/{general}/attachments", form);
        Assert.Equal(HttpStatusCode.Created, channelUpload.StatusCode);

        var sweeper = cluster.ApiServices.GetRequiredService<LesCopains.Api.Uploads.AttachmentSweeper>();
        var later = DateTimeOffset.UtcNow.AddMinutes(1);
        await sweeper.SweepAsync(later, later, CancellationToken.None);

        Assert.Contains(BlobPath(bytes), cluster.Files());
        using var download = await bHttp.GetAsync($"/api/dm/attachments/{dmId}");
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
    }

    private async Task<(ApiClient.Tokens A, ApiClient.Tokens B, Guid Conversation)> PairAsync()
    {
        var a = await cluster.NewUserAsync("a");
        var b = await cluster.NewUserAsync("b");
        using var http = cluster.CreateClient(a.AccessToken);
        return (a, b, await http.OpenDirectAsync(b.User.Id));
    }

    private static ByteArrayContent Opaque(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    private static async Task<Guid> UploadAsync(HttpClient http, Guid conversation, byte[] bytes)
    {
        using var response = await http.PostAsync($"/api/dm/conversations/{conversation}/attachments", Opaque(bytes));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(bytes.Length, json.GetProperty("size").GetInt64());
        return json.GetProperty("id").GetGuid();
    }

    private async Task<long> CountRowsAsync(Guid uploaderId)
    {
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var command = db.CreateCommand("SELECT count(*) FROM dm_attachments WHERE uploader_id = $1");
        command.Parameters.AddWithValue(uploaderId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static string BlobPath(byte[] bytes)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return Path.Combine(hash[..2], hash[2..4], hash);
    }
}
