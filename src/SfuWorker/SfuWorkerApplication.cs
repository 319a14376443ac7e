using System.Net;
using System.Security.Cryptography;
using System.Text;
using LesCopains.Grains.Voice;
using LesCopains.Hosting;
using LesCopains.Hosting.Configuration;
using LesCopains.SfuWorker.Janus;
using Microsoft.AspNetCore.Http.Json;

namespace LesCopains.SfuWorker;

/// <summary>
/// Builds the SFU worker adapter: beside one Janus, it drives Janus' loopback HTTP API and serves
/// the small authenticated HTTP API the voice grains call (<see cref="SfuWorkerProtocol"/>), and
/// registers itself with the cluster's <see cref="ISfuDirectoryGrain"/> by heartbeat.
/// </summary>
public static class SfuWorkerApplication
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var settings = SfuWorkerSettings.Load(new Settings(builder.Configuration));
        var bind = settings.BindAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{settings.BindAddress}]" : settings.BindAddress.ToString();
        builder.WebHost.UseUrls($"http://{bind}:{settings.Port}");
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(60) });
        services.AddSingleton<JanusClient>();
        services.AddHostedService(sp => sp.GetRequiredService<JanusClient>());
        services.AddSingleton<SfuRooms>();
        services.AddSingleton<DirectoryRegistration>();
        services.AddHostedService(sp => sp.GetRequiredService<DirectoryRegistration>());
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase;
        });
        services.AddClusterClient(settings.ClusterId, settings.Redis);

        var app = builder.Build();
        var janus = app.Services.GetRequiredService<JanusClient>();
        var rooms = app.Services.GetRequiredService<SfuRooms>();
        janus.SessionLost += () =>
        {
            rooms.ForgetControlHandle();
            rooms.Reset();
        };
        janus.Notification += rooms.OnNotification;
        var cluster = app.Services.GetRequiredService<IClusterClient>();
        rooms.SfuEvent += (room, feed, kind, sdp, handle) =>
            cluster.GetGrain<IVoiceRoomGrain>(room).OnSfuEvent(settings.WorkerId, feed, kind, sdp, handle).Ignore();

        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (SfuException ex)
            {
                await ErrorAsync(context, ex.Status, ex.Code, ex.Message);
            }
            catch (JanusException ex)
            {
                await ErrorAsync(context, StatusCodes.Status502BadGateway, SfuErrorCodes.JanusError, $"{ex.Code}: {ex.Reason}");
            }
            catch (HttpRequestException ex)
            {
                await ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, SfuErrorCodes.JanusUnavailable, ex.Message);
            }
        });

        // Ready when Janus answers and the directory knows this worker: before its first heartbeat
        // lands, voice rooms cannot be placed here.
        var registration = app.Services.GetRequiredService<DirectoryRegistration>();
        app.MapGet("/health", () => janus.IsConnected && registration.Registered
            ? Results.Ok(new { status = "ok", workerId = settings.WorkerId, registered = true })
            : Results.Json(new { status = "unavailable", workerId = settings.WorkerId, registered = registration.Registered }, statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/alive", () => Results.Ok());

        var api = app.MapGroup("").AddEndpointFilter(async (context, next) =>
            Authorized(context.HttpContext.Request, settings.Secret)
                ? await next(context)
                : Results.Json(new SfuError(new SfuError.Body(SfuErrorCodes.Unauthorized, "Bearer SFU_WORKER_SECRET required.")), statusCode: StatusCodes.Status401Unauthorized));
        api.MapGet("/status", async (CancellationToken ct) =>
        {
            var (sessions, handles) = await CountJanusAsync(janus, ct);
            return rooms.Status(sessions, handles);
        });
        api.MapPost(SfuWorkerProtocol.Rooms, (SfuCreateRoomRequest request, CancellationToken ct) => rooms.CreateAsync(request, ct));
        api.MapDelete("/rooms/{room:guid}", async (Guid room) =>
        {
            await rooms.DestroyAsync(room);
            return Results.NoContent();
        });
        api.MapGet("/rooms/{room:guid}/participants", (Guid room, CancellationToken ct) => rooms.ListAsync(room, ct));
        api.MapPost("/rooms/{room:guid}/participants", (Guid room, SfuAddParticipantRequest request, CancellationToken ct) => rooms.AddParticipantAsync(room, request, ct));
        api.MapDelete("/rooms/{room:guid}/participants/{feed:long}", async (Guid room, long feed) =>
        {
            await rooms.RemoveParticipantAsync(room, feed);
            return Results.NoContent();
        });
        api.MapPost("/rooms/{room:guid}/participants/{feed:long}/publish", (Guid room, long feed, SfuPublishRequest request, CancellationToken ct) => rooms.PublishAsync(room, feed, request, ct));
        api.MapPost("/rooms/{room:guid}/participants/{feed:long}/subscribe", (Guid room, long feed, SfuSubscribeRequest request, CancellationToken ct) => rooms.SubscribeAsync(room, feed, request, ct));
        api.MapPost("/rooms/{room:guid}/participants/{feed:long}/start", async (Guid room, long feed, SfuSdpRequest request, CancellationToken ct) =>
        {
            await rooms.StartAsync(room, feed, request, ct);
            return Results.NoContent();
        });
        api.MapPost("/rooms/{room:guid}/participants/{feed:long}/trickle", async (Guid room, long feed, SfuTrickleRequest request, CancellationToken ct) =>
        {
            await rooms.TrickleAsync(room, feed, request, ct);
            return Results.NoContent();
        });
        api.MapPost("/rooms/{room:guid}/participants/{feed:long}/moderate", async (Guid room, long feed, SfuModerateRequest request, CancellationToken ct) =>
        {
            await rooms.ModerateAsync(room, feed, request, ct);
            return Results.NoContent();
        });
        api.MapPost("/rooms/{room:guid}/participants/{feed:long}/substream", async (Guid room, long feed, SfuSubstreamRequest request, CancellationToken ct) =>
        {
            await rooms.SetSubstreamAsync(room, feed, request, ct);
            return Results.NoContent();
        });
        api.MapPost("/rooms/{room:guid}/participants/{feed:long}/kick", async (Guid room, long feed, CancellationToken ct) =>
        {
            await rooms.KickAsync(room, feed, ct);
            return Results.NoContent();
        });
        return app;
    }

    private static bool Authorized(HttpRequest request, string secret)
    {
        var header = request.Headers.Authorization.ToString();
        const string Prefix = "Bearer ";
        return header.StartsWith(Prefix, StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[Prefix.Length..]), Encoding.UTF8.GetBytes(secret));
    }

    private static async Task<(int Sessions, int Handles)> CountJanusAsync(JanusClient janus, CancellationToken ct)
    {
        var sessions = await janus.AdminAsync("list_sessions", ct);
        var ids = (sessions["sessions"] as System.Text.Json.Nodes.JsonArray ?? []).Select(s => s!.GetValue<long>()).ToList();
        return (ids.Count, 0);
    }

    private static Task ErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new SfuError(new SfuError.Body(code, message)));
    }
}

/// <summary>Registers this worker with the cluster's SFU directory and heartbeats its load.</summary>
public sealed partial class DirectoryRegistration(IClusterClient cluster, SfuRooms rooms, JanusClient janus, SfuWorkerSettings settings, ILogger<DirectoryRegistration> logger) : BackgroundService
{
    /// <summary>A failed heartbeat is retried this soon rather than a whole period later.</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private volatile bool registered;

    /// <summary>Whether the last heartbeat reached the directory (the worker can be given rooms).</summary>
    public bool Registered => registered;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await janus.WaitReadyAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            // Not healthy: no heartbeat, and the directory notices the silence.
            registered = janus.IsConnected && await HeartbeatAsync();
            await Task.Delay(registered ? settings.HeartbeatInterval : RetryDelay, stoppingToken);
        }
    }

    private async Task<bool> HeartbeatAsync()
    {
        try
        {
            var status = rooms.Status(0, 0);
            await cluster.GetGrain<ISfuDirectoryGrain>(0).Heartbeat(new SfuWorkerReport(settings.WorkerId, settings.PublicUrl.ToString().TrimEnd('/'), status.BootId, status.Rooms, status.Participants, status.Streams, settings.MaxParticipants));
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogHeartbeatFailed(ex.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat to the SFU directory failed: {Reason}")]
    private partial void LogHeartbeatFailed(string reason);
}
