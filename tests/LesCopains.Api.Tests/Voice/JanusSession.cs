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
