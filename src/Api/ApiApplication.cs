using System.Net;
using LesCopains.Api.Apis;
using LesCopains.Api.Auth;
using LesCopains.Api.Hubs;
using LesCopains.Api.Hubs.Transport;
using LesCopains.Api.Infrastructure;
using LesCopains.Api.Uploads;
using LesCopains.Hosting;
using LesCopains.Hosting.Configuration;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace LesCopains.Api;

/// <summary>Builds the Api process: an Orleans client serving REST, the SignalR gateway and the web client.</summary>
public static class ApiApplication
{
    /// <param name="args">Settings as <c>--NAME=value</c>, over those of the environment.</param>
    /// <param name="configure">Last-minute changes to the builder (tests).</param>
    /// <param name="cluster">
    /// Null for the usual Api process, an Orleans client of a cluster found through Redis; otherwise how to
    /// host a silo in this process instead (the single-process node, <c>src/Node</c>).
    /// </param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, CoHostedCluster? cluster = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var settings = ApiSettings.Load(new Settings(builder.Configuration));
        InlineIo.Apply(builder.WebHost, settings.InlineIo);

        // Defaults: configuration, logs, PostgreSQL/Redis, health, metrics.
        builder.AddServiceDefaults(settings.Database, settings.Redis, settings.AdminPassword);
        builder.WebHost.UseUrls($"http://{(settings.BindAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{settings.BindAddress}]" : settings.BindAddress)}:{settings.Port}");
        // The largest body is an upload: the file plus its multipart framing (the upload endpoint counts the file itself).
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = settings.MaxFileSize + (1 << 20));

        // Services.
        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(DmSettings.Load(new Settings(builder.Configuration)));
        services.AddSingleton(TimeProvider.System);
        if (cluster is null)
        {
            services.AddClusterClient(settings.ClusterId, settings.Redis);
            services.AddHealthChecks().AddOrleansCheck<OrleansClientHealthCheck>();
        }
        else
        {
            // A silo in this very process: its co-hosted client reaches grains without a network hop.
            cluster.AddCluster(builder);
        }

        services.AddLesCopainsAuth();
        services.AddSingleton(sp => new RateLimiter(sp.GetRequiredService<IConnectionMultiplexer>(), settings.ClusterId, TimeProvider.System));
        services.AddSingleton<GrainReferences>();
        services.AddSingleton<WebBuild>();
        services.AddSingleton<HubRateLimitFilter>();
        services.AddSingleton<GatewayConnections>();
        services.AddSingleton<HubLifetimeManager<GatewayHub>>(sp => sp.GetRequiredService<GatewayConnections>());
        services.AddSingleton<ConnectionRegistry>();
        services.AddHostedService(sp => sp.GetRequiredService<ConnectionRegistry>());
        services.AddSingleton<GuildGateway>();
        services.AddHostedService(sp => sp.GetRequiredService<GuildGateway>());
        services.AddSingleton<IBlobStore>(_ => new FileSystemBlobStore(settings.UploadsDirectory));
        services.AddSingleton<AttachmentRepository>();
        services.AddSingleton<AvatarRepository>();
        services.AddSingleton<GuildIconRepository>();
        services.AddSingleton<DmAttachmentRepository>();
        services.AddSingleton<PresenceTracker>();
        services.AddHostedService(sp => sp.GetRequiredService<PresenceTracker>());
        services.AddSingleton<PresenceHubFilter>();
        services.AddSingleton<AttachmentSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<AttachmentSweeper>());
        services.AddSingleton<DmGateway>();
        services.AddHostedService(sp => sp.GetRequiredService<DmGateway>());
        services.AddSingleton<VoiceGateway>();
        services.AddSingleton<VoiceHubFilter>();
        services.AddSingleton<SessionRevocations>();
        services.AddHostedService(sp => sp.GetRequiredService<SessionRevocations>());
        services.AddExceptionHandler<ErrorHandling>();
        services.AddProblemDetails();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase;
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
        });
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var network in settings.TrustedProxies)
            {
                o.KnownIPNetworks.Add(network);
            }
        });
        services.AddSignalR(o =>
        {
            o.KeepAliveInterval = settings.WsPingInterval;
            o.ClientTimeoutInterval = settings.WsPingInterval * 2;
            o.MaximumReceiveMessageSize = 64 * 1024;
            o.MaximumParallelInvocationsPerClient = InvocationOrder.MaxInvocationsInFlight;
            o.AddFilter<InvocationOrderFilter>();
            o.AddFilter<HubRateLimitFilter>();
            o.AddFilter<PresenceHubFilter>();
            o.AddFilter<VoiceHubFilter>();
        });
        configure?.Invoke(builder);

        // Pipeline and endpoints.
        var app = builder.Build();
        app.UseForwardedHeaders();
        cluster?.UseAdmin(app);
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages(async context =>
        {
            var response = context.HttpContext.Response;
            if (response.ContentLength is null && response.ContentType is null)
            {
                var code = response.StatusCode switch
                {
                    404 => "not_found",
                    405 => "method_not_allowed",
                    413 => "payload_too_large",
                    415 => "unsupported_media_type",
                    _ => "http_" + response.StatusCode,
                };
                await response.WriteAsJsonAsync(new ApiError(new ApiError.Body(code, ReasonPhrases(response.StatusCode))));
            }
        });
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = ctx =>
            {
                // Vite names assets by content hash: cache them for good, never the entry page.
                ctx.Context.Response.Headers.CacheControl = ctx.Context.Request.Path.StartsWithSegments("/assets")
                    ? "public, max-age=31536000, immutable"
                    : "no-cache";
            },
        });
        // Before authentication: it marks WebSocket upgrades (IsWebSocketRequest), the only requests
        // whose token may come in the query string (browsers cannot set headers on them). Without it
        // browsers' hub upgrades were refused and SignalR fell back to long polling.
        app.UseWebSockets();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapServiceDefaults();
        app.MapAuthApi();
        app.MapUsersApi();
        app.MapAccountSecurityApi();
        app.MapGuildsApi();
        app.MapInvitesApi();
        app.MapMessagesApi();
        app.MapThreadsApi();
        app.MapSearchApi();
        app.MapMentionsApi();
        app.MapAttachmentsApi();
        app.MapAvatarsApi();
        app.MapGuildIconsApi();
        app.MapGuildEmojisApi();
        app.MapSocialApi();
        app.MapPollsApi();
        app.MapNotificationSettingsApi();
        app.MapPresenceApi();
        app.MapFriendsApi();
        app.MapDmApi();
        app.MapDmAttachmentsApi();
        // WebSockets, and long polling where they are blocked. Not server-sent events: an EventSource
        // cannot send a header, so its token would have to travel in the query string, which the
        // server accepts on WebSocket upgrades only (AuthSetup); offering it would only make every
        // fallback try and fail it first.
        app.MapHub<GatewayHub>(GatewayHub.Path, o => o.Transports = HttpTransportType.WebSockets | HttpTransportType.LongPolling);
        if (settings.DirectWebSockets)
        {
            app.MapDirectHub<GatewayHub>(GatewayHub.DirectPath).RequireAuthorization();
        }
        app.MapFallback("/api/{**path}", (HttpContext http) =>
            // Routing skips a JSON endpoint when the body is of another media type and lands here: say so, not 404.
            http.Request.ContentType is { Length: > 0 } && !http.Request.HasJsonContentType()
                ? ApiError.Result("unsupported_media_type", "Request bodies must be JSON (application/json).", StatusCodes.Status415UnsupportedMediaType)
                : ApiError.Result("not_found", "No such API route.", StatusCodes.Status404NotFound));
        app.MapFallbackToFile("index.html", new StaticFileOptions
        {
            OnPrepareResponse = ctx => ctx.Context.Response.Headers.CacheControl = "no-cache",
        });
        return app;
    }

    private static string ReasonPhrases(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
}

/// <summary>A silo hosted inside the Api's process: how to add it to the builder, and its admin endpoints.</summary>
public sealed record CoHostedCluster(Action<WebApplicationBuilder> AddCluster, Action<WebApplication> UseAdmin);
