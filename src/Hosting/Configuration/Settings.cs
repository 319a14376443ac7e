using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace LesCopains.Hosting.Configuration;

/// <summary>
/// Reads the process settings from configuration (environment variables, or <c>--NAME=value</c>
/// arguments in tests) and turns every bad value into a <see cref="ConfigurationException"/>.
/// </summary>
public sealed class Settings(IConfiguration configuration)
{
    public string? Optional(string name)
    {
        var value = configuration[name];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public string Required(string name) =>
        Optional(name) ?? throw new ConfigurationException(name, "is required but not set.");

    public int Int(string name, int defaultValue, int min, int max) => Integer(name, defaultValue, min, max);

    public long Long(string name, long defaultValue, long min, long max) => Integer(name, defaultValue, min, max);

    private T Integer<T>(string name, T defaultValue, T min, T max)
        where T : struct, System.Numerics.IBinaryInteger<T>
    {
        var raw = Optional(name);
        if (raw is null)
        {
            return defaultValue;
        }

        if (!T.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new ConfigurationException(name, $"must be an integer between {min} and {max} (got '{raw}').");
        }

        return value;
    }

    public bool Bool(string name, bool defaultValue)
    {
        var raw = Optional(name);
        return raw?.ToLowerInvariant() switch
        {
            null => defaultValue,
            "1" or "true" or "yes" or "on" => true,
            "0" or "false" or "no" or "off" => false,
            _ => throw new ConfigurationException(name, $"must be true or false (got '{raw}')."),
        };
    }

    /// <summary>Durations as the seed wrote them: <c>15m</c>, <c>7d</c>, <c>30s</c>, <c>1h</c>, or plain seconds.</summary>
    public TimeSpan Duration(string name, TimeSpan defaultValue, TimeSpan min, TimeSpan max)
    {
        var raw = Optional(name);
        if (raw is null)
        {
            return defaultValue;
        }

        if (!TryParseDuration(raw, out var value) || value < min || value > max)
        {
            throw new ConfigurationException(name, $"must be a duration like 30s, 15m, 12h or 7d between {min} and {max} (got '{raw}').");
        }

        return value;
    }

    public IPAddress Address(string name, IPAddress defaultValue)
    {
        var raw = Optional(name);
        if (raw is null)
        {
            return defaultValue;
        }

        return IPAddress.TryParse(raw, out var address)
            ? address
            : throw new ConfigurationException(name, $"must be an IP address (got '{raw}').");
    }

    public static bool TryParseDuration(string raw, out TimeSpan value)
    {
        value = default;
        raw = raw.Trim();
        if (raw.Length == 0)
        {
            return false;
        }

        var unit = raw[^1];
        var multiplier = unit switch
        {
            's' => 1L,
            'm' => 60L,
            'h' => 3600L,
            'd' => 86400L,
            _ => 0L,
        };
        var digits = multiplier == 0 ? raw : raw[..^1];
        if (multiplier == 0)
        {
            multiplier = 1;
        }

        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount > 10L * 365 * 86400)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(amount * multiplier);
        return true;
    }
}
