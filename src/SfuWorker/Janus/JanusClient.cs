using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LesCopains.SfuWorker.Janus;

/// <summary>Janus answered with an error (its numeric code and reason).</summary>
public sealed class JanusException(int code, string reason) : Exception($"Janus error {code}: {reason}")
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;
}

/// <summary>
/// One Janus session over the HTTP API (loopback): requests with transactions, the session's
/// long-poll event stream (asynchronous plugin answers are matched to their transaction), and a
/// keepalive well inside Janus' 60 s session timeout. When the session is lost (Janus restarted),
/// <see cref="SessionLost"/> fires and a new session is opened: every handle and room is gone.
/// </summary>
public sealed partial class JanusClient(HttpClient http, SfuWorkerSettings settings, ILogger<JanusClient> logger) : BackgroundService
{
    public const string VideoRoom = "janus.plugin.videoroom";
    private static readonly TimeSpan KeepaliveInterval = TimeSpan.FromSeconds(25);
    private static readonly TimeSpan AsyncTimeout = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> pending = new();
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long session;

    /// <summary>Janus lost our session (or restarted): handles and rooms are gone.</summary>
    public event Action? SessionLost;

    /// <summary>An event not answering a transaction (hangup, leaving, moderation...), with its handle id.</summary>
    public event Action<long, JsonObject>? Notification;

    public bool IsConnected => Interlocked.Read(ref session) != 0;

    public Task WaitReadyAsync(CancellationToken cancellationToken) => ready.Task.WaitAsync(cancellationToken);

    /// <summary>Attaches a new videoroom handle.</summary>
    public async Task<long> AttachAsync(CancellationToken cancellationToken = default)
    {
        var answer = await PostAsync(SessionPath, new JsonObject { ["janus"] = "attach", ["plugin"] = VideoRoom }, cancellationToken);
        return answer["data"]!["id"]!.GetValue<long>();
    }

    public async Task DetachAsync(long handle)
    {
        try
        {
            await PostAsync($"{SessionPath}/{handle}", new JsonObject { ["janus"] = "detach" }, CancellationToken.None);
        }
        catch (JanusException)
        {
            // Already gone (hung up, or the session was lost).
        }
    }

    /// <summary>
    /// A plugin message. Synchronous requests (create, allowed, kick...) answer at once; asynchronous
    /// ones (join, configure, start...) answer "ack" and their result arrives on the event stream.
    /// Returns the plugin's data and the JSEP, if any; a plugin-level <c>error_code</c> throws.
    /// </summary>
    public async Task<(JsonObject Data, JsonObject? Jsep)> MessageAsync(long handle, JsonObject body, JsonObject? jsep = null, CancellationToken cancellationToken = default)
    {
        var request = new JsonObject { ["janus"] = "message", ["body"] = body };
        if (jsep is not null)
        {
            request["jsep"] = jsep;
        }

        var transaction = NewTransaction();
        var waiter = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[transaction] = waiter;
        try
        {
            var answer = await PostAsync($"{SessionPath}/{handle}", request, cancellationToken, transaction);
            if (answer["janus"]?.GetValue<string>() == "ack")
            {
                answer = await waiter.Task.WaitAsync(AsyncTimeout, cancellationToken);
            }

            var data = answer["plugindata"]?["data"] as JsonObject ?? throw new JanusException(0, "answer without plugin data");
            if (data["error_code"] is { } code)
            {
                throw new JanusException(code.GetValue<int>(), data["error"]?.GetValue<string>() ?? "error");
            }

            return (data, answer["jsep"] as JsonObject);
        }
        finally
        {
            pending.TryRemove(transaction, out _);
        }
    }

    public Task TrickleAsync(long handle, JsonObject candidate, CancellationToken cancellationToken = default) =>
        PostAsync($"{SessionPath}/{handle}", new JsonObject { ["janus"] = "trickle", ["candidate"] = candidate }, cancellationToken);

    /// <summary>An Admin API request (list_sessions, get_status...).</summary>
    public async Task<JsonObject> AdminAsync(string request, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["janus"] = request, ["transaction"] = NewTransaction(), ["admin_secret"] = settings.Janus.AdminSecret };
        using var response = await http.PostAsJsonAsync(settings.Janus.AdminUrl, body, cancellationToken);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken) ?? throw new JanusException(0, "empty answer");
        ThrowOnError(answer);
        return answer;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var created = await PostAsync("", new JsonObject { ["janus"] = "create" }, stoppingToken);
                Interlocked.Exchange(ref session, created["data"]!["id"]!.GetValue<long>());
                LogSession(Interlocked.Read(ref session));
                ready.TrySetResult();
                using var lost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                await Task.WhenAny(PollAsync(lost.Token), KeepaliveAsync(lost.Token));
                await lost.CancelAsync();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogUnavailable(ex.Message);
            }

            if (Interlocked.Exchange(ref session, 0) != 0)
            {
                FailPending();
                SessionLost?.Invoke();
            }

            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
        }
    }

    private string SessionPath => "/" + Interlocked.Read(ref session);

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var url = new Uri(settings.Janus.Url + SessionPath + "?maxev=20");
        while (!cancellationToken.IsCancellationRequested)
        {
            using var response = await http.GetAsync(url, cancellationToken);
            var node = await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken);
            var events = node switch
            {
                JsonArray array => array.OfType<JsonObject>().ToList(),
                JsonObject one => [one],
                _ => [],
            };
            foreach (var evt in events)
            {
                if (evt["janus"]?.GetValue<string>() == "error" && evt["error"]?["code"]?.GetValue<int>() == 458)
                {
                    return; // No such session: Janus restarted or timed us out.
                }

                Dispatch(evt);
            }
        }
    }

    private async Task KeepaliveAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(KeepaliveInterval, cancellationToken);
            try
            {
                await PostAsync(SessionPath, new JsonObject { ["janus"] = "keepalive" }, cancellationToken);
            }
            catch (JanusException ex) when (ex.Code == 458)
            {
                return;
            }
        }
    }

    private void Dispatch(JsonObject evt)
    {
        var type = evt["janus"]?.GetValue<string>();
        if (type is "keepalive" or "ack")
        {
            return;
        }

        if (evt["transaction"]?.GetValue<string>() is { } transaction && pending.TryGetValue(transaction, out var waiter) && type is "event" or "success" or "error")
        {
            waiter.TrySetResult(evt);
            return;
        }

        if (evt["sender"]?.GetValue<long>() is { } sender)
        {
            Notification?.Invoke(sender, evt);
        }
    }

    private async Task<JsonObject> PostAsync(string path, JsonObject body, CancellationToken cancellationToken, string? transaction = null)
    {
        body["transaction"] = transaction ?? NewTransaction();
        using var response = await http.PostAsJsonAsync(new Uri(settings.Janus.Url + path), body, cancellationToken);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken) ?? throw new JanusException(0, "empty answer");
        ThrowOnError(answer);
        return answer;
    }

    private static void ThrowOnError(JsonObject answer)
    {
        if (answer["janus"]?.GetValue<string>() == "error")
        {
            throw new JanusException(answer["error"]?["code"]?.GetValue<int>() ?? 0, answer["error"]?["reason"]?.GetValue<string>() ?? "error");
        }
    }

    private void FailPending()
    {
        foreach (var (key, waiter) in pending)
        {
            waiter.TrySetException(new JanusException(458, "session lost"));
            pending.TryRemove(key, out _);
        }
    }

    private static string NewTransaction() => Guid.NewGuid().ToString("N");

    [LoggerMessage(Level = LogLevel.Information, Message = "Janus session {Session} open")]
    private partial void LogSession(long session);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Janus unavailable, retrying: {Reason}")]
    private partial void LogUnavailable(string reason);
}
