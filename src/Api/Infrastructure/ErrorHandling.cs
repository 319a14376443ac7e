using System.Text.Json;
using LesCopains.Grains;
using Microsoft.AspNetCore.Diagnostics;
using Orleans.Runtime;

namespace LesCopains.Api.Infrastructure;

/// <summary>Turns every failure into the one error shape with a stable code.</summary>
public sealed partial class ErrorHandling(ILogger<ErrorHandling> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, message) = Classify(exception);
        if (status >= 500)
        {
            LogFailure(exception, context.Request.Method, context.Request.Path);
        }

        if (exception is ApiException { RetryAfter: { } retry })
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new ApiError(new ApiError.Body(code, message)), cancellationToken);
        return true;
    }

    public static (int Status, string Code, string Message) Classify(Exception exception) => exception switch
    {
        ApiException api => (api.Status, api.Code, api.Message),
        DomainException domain => (ApiError.StatusFor(domain.Code), domain.Code, domain.Message),
        BadHttpRequestException { InnerException: JsonException } or JsonException =>
            (StatusCodes.Status400BadRequest, "invalid_json", "The request body is not valid JSON for this endpoint."),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (StatusCodes.Status413PayloadTooLarge, "payload_too_large", "The request body is too large."),
        BadHttpRequestException bad => (bad.StatusCode, "bad_request", "The request is malformed."),
        OrleansMessageRejectionException or SiloUnavailableException or TimeoutException =>
            (StatusCodes.Status503ServiceUnavailable, "cluster_unavailable", "The service is briefly unavailable; retry in a few seconds."),
        _ => (StatusCodes.Status500InternalServerError, ErrorCodes.Internal, "An unexpected error occurred."),
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {Method} {Path} failed")]
    private partial void LogFailure(Exception exception, string method, string path);
}
