using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace LesCopains.Api.Tests.Voice;

/// <summary>A bare client of Janus' HTTP API, to check what the SFU itself enforces.</summary>
public sealed class JanusSession : IAsyncDisposable
{
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(40) };
    private readonly Uri url;
    private long session;

    private JanusSession(Uri url) => this.url = url;

    public sealed record Answer(int? ErrorCode, string? Error, JsonObject? Jsep);

    public static async Task<JanusSession> OpenAsync(Uri url)
    {
        var janus = new JanusSession(url);
        janus.session = (await janus.PostAsync("", new JsonObject { ["janus"] = "create" }))["data"]!["id"]!.GetValue<long>();
        return janus;
    }

    /// <summary>joinandconfigure as a publisher on a fresh handle; the plugin's error or the JSEP answer.</summary>
    public async Task<Answer> PublishAsync(long room, long id, string? token, JsonObject jsep)
    {
        var handle = (await PostAsync($"/{session}", new JsonObject { ["janus"] = "attach", ["plugin"] = "janus.plugin.videoroom" }))["data"]!["id"]!.GetValue<long>();
        var body = new JsonObject { ["request"] = "joinandconfigure", ["ptype"] = "publisher", ["room"] = room, ["id"] = id };
        if (token is not null)
        {
            body["token"] = token;
        }

        var transaction = Guid.NewGuid().ToString("N");
        await PostAsync($"/{session}/{handle}", new JsonObject { ["janus"] = "message", ["body"] = body, ["jsep"] = jsep, ["transaction"] = transaction });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var events = await http.GetFromJsonAsync<JsonNode>(new Uri($"{url}/{session}?maxev=10"));
            foreach (var evt in events as JsonArray ?? [events])
            {
                if (evt?["transaction"]?.GetValue<string>() == transaction && evt["janus"]?.GetValue<string>() == "event")
                {
                    var data = evt["plugindata"]!["data"]!;
                    return new Answer(data["error_code"]?.GetValue<int>(), data["error"]?.GetValue<string>(), evt["jsep"] as JsonObject);
                }
            }
        }

        throw new TimeoutException("Janus did not answer the join.");
    }

    /// <summary>Admin API: hangs up the PeerConnection of every handle of every session (media failure).</summary>
    public static async Task HangUpAllAsync(LesCopains.Testing.JanusProcess janus)
    {
        foreach (var (session, handle) in await AllHandlesAsync(janus))
        {
            await AdminAsync(janus, $"/{session}/{handle}", new JsonObject { ["janus"] = "hangup_webrtc" });
        }
    }

    /// <summary>Admin API: the ids of every handle of every session, sorted.</summary>
    public static async Task<IReadOnlyList<long>> HandlesAsync(LesCopains.Testing.JanusProcess janus) =>
        (await AllHandlesAsync(janus)).Select(h => h.Handle).Order().ToList();

    private static async Task<List<(long Session, long Handle)>> AllHandlesAsync(LesCopains.Testing.JanusProcess janus)
    {
        var all = new List<(long, long)>();
        var sessions = await AdminAsync(janus, "", new JsonObject { ["janus"] = "list_sessions" });
        foreach (var session in sessions["sessions"]!.AsArray().Select(n => n!.GetValue<long>()))
        {
            var handles = await AdminAsync(janus, $"/{session}", new JsonObject { ["janus"] = "list_handles" });
            all.AddRange((handles["handles"]?.AsArray().Select(n => n!.GetValue<long>()) ?? []).Select(h => (session, h)));
        }

        return all;
    }

    private static async Task<JsonObject> AdminAsync(LesCopains.Testing.JanusProcess janus, string path, JsonObject body)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        body["transaction"] = Guid.NewGuid().ToString("N");
        body["admin_secret"] = janus.Settings["JANUS_ADMIN_SECRET"];
        using var response = await http.PostAsJsonAsync(new Uri(janus.Settings["JANUS_ADMIN_URL"] + path), body);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private async Task<JsonObject> PostAsync(string path, JsonObject body)
    {
        body["transaction"] ??= Guid.NewGuid().ToString("N");
        using var response = await http.PostAsJsonAsync(new Uri(url + path), body);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public async ValueTask DisposeAsync()
    {
        if (session != 0)
        {
            await PostAsync($"/{session}", new JsonObject { ["janus"] = "destroy" });
        }

        http.Dispose();
    }
}
