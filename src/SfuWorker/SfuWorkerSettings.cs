using System.Net;
using LesCopains.Hosting.Configuration;

namespace LesCopains.SfuWorker;

/// <summary>Where Janus listens (loopback only) and its generated secrets (see scripts/lib/janus.sh).</summary>
public sealed record JanusSettings(Uri Url, Uri AdminUrl, string AdminSecret, string AdminKey);

/// <summary>Everything the worker adapter reads from its environment, validated once at start.</summary>
public sealed record SfuWorkerSettings(
    RedisSettings Redis,
    string ClusterId,
    int Port,
    IPAddress BindAddress,
    string Secret,
    string WorkerId,
    Uri PublicUrl,
    JanusSettings Janus,
    TimeSpan HeartbeatInterval,
    int MaxParticipants)
{
    public static SfuWorkerSettings Load(Settings settings)
    {
        var secret = settings.Required("SFU_WORKER_SECRET");
        if (secret.Length < 32)
        {
            throw new ConfigurationException("SFU_WORKER_SECRET", "must be at least 32 characters (generate one with: openssl rand -base64 32).");
        }

        var port = settings.Int("SFU_WORKER_PORT", 3003, 0, 65535);
        var bind = settings.Address("BIND_ADDRESS", IPAddress.Any);
        var workerId = settings.Optional("SFU_WORKER_ID") ?? $"{Dns.GetHostName()}-{port}";
        if (workerId.Length > 100 || !workerId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ConfigurationException("SFU_WORKER_ID", "must be at most 100 letters, digits, '-', '_' or '.'.");
        }

        return new SfuWorkerSettings(
            RedisSettings.Load(settings),
            settings.Optional("CLUSTER_ID") ?? "lescopains",
            port,
            bind,
            secret,
            workerId,
            Url(settings, "SFU_WORKER_URL", $"http://127.0.0.1:{port}", loopbackOnly: false),
            new JanusSettings(
                Url(settings, "JANUS_URL", "http://127.0.0.1:8088/janus", loopbackOnly: true),
                Url(settings, "JANUS_ADMIN_URL", "http://127.0.0.1:7088/admin", loopbackOnly: true),
                settings.Required("JANUS_ADMIN_SECRET"),
                settings.Required("JANUS_ADMIN_KEY")),
            TimeSpan.FromSeconds(settings.Int("SFU_HEARTBEAT_SECONDS", 5, 1, 60)),
            settings.Int("SFU_WORKER_MAX_PARTICIPANTS", 500, 2, 100_000));
    }

    private static Uri Url(Settings settings, string name, string defaultValue, bool loopbackOnly)
    {
        var raw = settings.Optional(name) ?? defaultValue;
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ConfigurationException(name, $"must be an http:// URL (got '{raw}').");
        }

        if (loopbackOnly && !uri.IsLoopback)
        {
            throw new ConfigurationException(name, "must be a loopback address: Janus' API is never exposed beyond this host.");
        }

        return uri;
    }
}
