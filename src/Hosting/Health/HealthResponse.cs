using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LesCopains.Hosting.Health;

/// <summary>
/// Writes <c>{"status":"ok","timestamp":"…","checks":{…}}</c>, or 503 with
/// <c>"status":"unavailable"</c> and the failing dependencies named.
/// </summary>
public static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var ok = report.Status != HealthStatus.Unhealthy;
        context.Response.StatusCode = ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";

        var checks = report.Entries.ToDictionary(
            e => e.Key,
            e => new { status = e.Value.Status == HealthStatus.Unhealthy ? "failing" : "ok", detail = e.Value.Description });
        var failing = report.Entries.Where(e => e.Value.Status == HealthStatus.Unhealthy).Select(e => e.Key).ToArray();

        object body = ok
            ? new { status = "ok", timestamp = DateTimeOffset.UtcNow.ToString("O"), checks }
            : new
            {
                status = "unavailable",
                timestamp = DateTimeOffset.UtcNow.ToString("O"),
                failing,
                error = new { code = "dependency_unavailable", message = "Unavailable: " + string.Join(", ", failing) },
                checks,
            };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
