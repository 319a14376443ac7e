using LesCopains.Hosting.Configuration;
using LesCopains.Hosting.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry.Metrics;
using StackExchange.Redis;

namespace LesCopains.Hosting;

/// <summary>What Silo and Api share: PostgreSQL, Redis, health checks, structured logs, metrics.</summary>
public static class ServiceDefaults
{
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, DatabaseSettings database, RedisSettings redis, string? adminPassword)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Information);
        builder.Logging.AddFilter("Orleans.Runtime.MembershipService", LogLevel.Information);

        var services = builder.Services;
        services.AddSingleton(database);
        services.AddSingleton(redis);
        services.AddSingleton(new AdminAccess(adminPassword));
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(database.ConnectionString).Build());
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis.ToOptions()));

        services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>("postgres", tags: ["ready"])
            .AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);

        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Microsoft.Orleans")
            .AddMeter("LesCopains")
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter());
        return builder;
    }

    public static IHealthChecksBuilder AddOrleansCheck<T>(this IHealthChecksBuilder builder)
        where T : class, IHealthCheck => builder.AddCheck<T>("orleans", tags: ["ready"]);

    /// <summary><c>/health</c> (every dependency), <c>/alive</c> (process only), <c>/metrics</c> (admin).</summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains("ready"),
            ResponseWriter = HealthResponse.WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponse.WriteAsync });

        var admin = app.Services.GetRequiredService<AdminAccess>();
        app.MapPrometheusScrapingEndpoint("/metrics").AddEndpointFilter(admin.Filter);
        return app;
    }
}
