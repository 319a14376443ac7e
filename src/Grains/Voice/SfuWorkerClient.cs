using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace LesCopains.Grains.Voice;

/// <summary>The worker adapter answered with an error (<see cref="SfuErrorCodes"/>).</summary>
public sealed class SfuWorkerException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>Calls SFU worker adapters over HTTP (<see cref="SfuWorkerProtocol"/>) with the shared secret.</summary>
public sealed class SfuWorkerClient(VoiceSettings settings)
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(20),
    };

    public Task<SfuRoomCreated> CreateRoomAsync(string url, SfuCreateRoomRequest request) =>
        SendAsync<SfuRoomCreated>(url, HttpMethod.Post, SfuWorkerProtocol.Rooms, request);

    public Task DestroyRoomAsync(string url, Guid room) =>
        SendAsync<object>(url, HttpMethod.Delete, SfuWorkerProtocol.Room(room), null);

    public Task<SfuParticipantAdded> AddParticipantAsync(string url, Guid room, SfuAddParticipantRequest request) =>
        SendAsync<SfuParticipantAdded>(url, HttpMethod.Post, SfuWorkerProtocol.Participants(room), request);

    public Task RemoveParticipantAsync(string url, Guid room, long feedId) =>
        SendAsync<object>(url, HttpMethod.Delete, SfuWorkerProtocol.Participant(room, feedId), null);

    public Task<SfuPublishResult> PublishAsync(string url, Guid room, long feedId, SfuPublishRequest request) =>
        SendAsync<SfuPublishResult>(url, HttpMethod.Post, SfuWorkerProtocol.Participant(room, feedId) + "/publish", request);

    public Task<SfuSubscribeResult> SubscribeAsync(string url, Guid room, long feedId, SfuSubscribeRequest request) =>
        SendAsync<SfuSubscribeResult>(url, HttpMethod.Post, SfuWorkerProtocol.Participant(room, feedId) + "/subscribe", request);

    public Task StartAsync(string url, Guid room, long feedId, SfuSdpRequest request) =>
        SendAsync<object>(url, HttpMethod.Post, SfuWorkerProtocol.Participant(room, feedId) + "/start", request);

    public Task TrickleAsync(string url, Guid room, long feedId, SfuTrickleRequest request) =>
        SendAsync<object>(url, HttpMethod.Post, SfuWorkerProtocol.Participant(room, feedId) + "/trickle", request);

    public Task ModerateAsync(string url, Guid room, long feedId, bool muted) =>
        SendAsync<object>(url, HttpMethod.Post, SfuWorkerProtocol.Participant(room, feedId) + "/moderate", new SfuModerateRequest(muted));

    public Task SetSubstreamAsync(string url, Guid room, long feedId, SfuSubstreamRequest request) =>
        SendAsync<object>(url, HttpMethod.Post, SfuWorkerProtocol.Participant(room, feedId) + "/substream", request);

    public Task KickAsync(string url, Guid room, long feedId) =>
        SendAsync<object>(url, HttpMethod.Post, SfuWorkerProtocol.Participant(room, feedId) + "/kick", null);

    private async Task<T> SendAsync<T>(string url, HttpMethod method, string path, object? body)
    {
        if (settings.WorkerSecret is null)
        {
            throw new DomainException(ErrorCodes.VoiceUnavailable, "Voice is not configured on this server (SFU_WORKER_SECRET).");
        }

        using var request = new HttpRequestMessage(method, url + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.WorkerSecret);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw new SfuWorkerException(SfuErrorCodes.JanusUnavailable, $"The SFU worker at {url} did not answer: {ex.Message}");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                SfuError? error = null;
                try
                {
                    error = await response.Content.ReadFromJsonAsync<SfuError>(Json);
                }
                catch (JsonException)
                {
                }

                throw new SfuWorkerException(error?.Error.Code ?? "http_" + (int)response.StatusCode, error?.Error.Message ?? response.ReasonPhrase ?? "error");
            }

            if (typeof(T) == typeof(object) || response.Content.Headers.ContentLength == 0)
            {
                return default!;
            }

            return (await response.Content.ReadFromJsonAsync<T>(Json))!;
        }
    }
}
