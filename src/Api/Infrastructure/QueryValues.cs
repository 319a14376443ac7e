using System.Globalization;
using LesCopains.Grains;

namespace LesCopains.Api.Infrastructure;

/// <summary>
/// Query-string values parsed by hand, so that a malformed one is a <c>validation_failed</c> naming
/// its field (model binding would answer a bare <c>bad_request</c>). Empty or absent is null.
/// </summary>
public static class QueryValues
{
    public static Guid? Id(string field, string? raw) =>
        string.IsNullOrEmpty(raw) ? null
        : Guid.TryParse(raw, out var id) ? id
        : throw Invalid(field, "must be an id.");

    public static DateTimeOffset? Time(string field, string? raw) =>
        string.IsNullOrEmpty(raw) ? null
        : DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time
        : throw Invalid(field, "must be an ISO 8601 date or date-time.");

    public static int? Int(string field, string? raw) =>
        string.IsNullOrEmpty(raw) ? null
        : int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
        : throw Invalid(field, "must be a whole number.");

    public static bool? Bool(string field, string? raw) => raw switch
    {
        null or "" => null,
        "true" => true,
        "false" => false,
        _ => throw Invalid(field, "must be true or false."),
    };

    private static DomainException Invalid(string field, string message) => new(ErrorCodes.ValidationFailed, $"{field}: {message}");
}
