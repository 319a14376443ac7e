using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

/// <summary>Helpers over the direct-message routes, with random (structurally valid) public key material.</summary>
public static class DmClient
{
    public static string CurveKey()
    {
        var key = new byte[33];
        RandomNumberGenerator.Fill(key.AsSpan(1));
        key[0] = 0x05;
        return Convert.ToBase64String(key);
    }

    public static string Signature() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));

    public static object[] PreKeys(int count, int firstId = 1) =>
        Enumerable.Range(firstId, count).Select(id => (object)new { keyId = id, publicKey = CurveKey() }).ToArray();

    /// <summary>Registers a device with <paramref name="preKeys"/> one-time prekeys; returns its id.</summary>
    public static async Task<int> RegisterDeviceAsync(this HttpClient http, int preKeys = 10, object? kyberLastResort = null, object[]? kyberPreKeys = null)
    {
        using var response = await http.PostAsJsonAsync("/api/dm/devices", new
        {
            registrationId = RandomNumberGenerator.GetInt32(1, 16000),
            identityKey = CurveKey(),
            signedPreKey = new { keyId = 1, publicKey = CurveKey(), signature = Signature() },
            kyberLastResortPreKey = kyberLastResort,
            name = "test device",
            preKeys = PreKeys(preKeys),
            kyberPreKeys = kyberPreKeys ?? [],
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("device").GetProperty("deviceId").GetInt32();
    }

    public static async Task<Guid> OpenDirectAsync(this HttpClient http, string userId)
    {
        using var response = await http.PostAsJsonAsync("/api/dm/conversations", new { userId });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    public static object Envelope(string userId, int deviceId, string body, int type = 2) => new { userId, deviceId, type, body };

    public static Task<HttpResponseMessage> SendEnvelopesAsync(this HttpClient http, Guid conversationId, int senderDeviceId, params object[] envelopes) =>
        http.PostAsJsonAsync($"/api/dm/conversations/{conversationId}/messages", new { senderDeviceId, clientMessageId = Guid.NewGuid().ToString("N"), envelopes });

    /// <summary>An opaque body as a client would produce it (random bytes, base64).</summary>
    public static string Body() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

    public static async Task<long> CountEnvelopesAsync(this InProcessCluster cluster, Guid conversationId)
    {
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var count = db.CreateCommand("SELECT count(*) FROM dm_messages WHERE conversation_id = $1");
        count.Parameters.AddWithValue(conversationId);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
