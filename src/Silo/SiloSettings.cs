using System.Net;
using System.Net.Sockets;
using LesCopains.Hosting.Configuration;

namespace LesCopains.Silo;

/// <summary>Everything a silo reads from its environment, validated once at start.</summary>
public sealed record SiloSettings(
    DatabaseSettings Database,
    RedisSettings Redis,
    string ClusterId,
    int SiloPort,
    int GatewayPort,
    int HttpPort,
    IPAddress HttpBindAddress,
    IPAddress AdvertisedAddress,
    string AdminPassword,
    LesCopains.Grains.Voice.VoiceSettings Voice,
    LesCopains.Grains.Channels.ThreadArchiveSettings ThreadArchive)
{
    public static SiloSettings Load(Settings settings)
    {
        var adminPassword = settings.Required("ADMIN_PASSWORD");
        if (adminPassword.Length < 12)
        {
            throw new ConfigurationException("ADMIN_PASSWORD", "must be at least 12 characters (it protects the Orleans Dashboard and /metrics).");
        }

        var clusterId = settings.Optional("CLUSTER_ID") ?? "lescopains";
        if (clusterId.Length > 64 || !clusterId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ConfigurationException("CLUSTER_ID", "must be at most 64 letters, digits, '-' or '_'.");
        }

        return new SiloSettings(
            DatabaseSettings.Load(settings),
            RedisSettings.Load(settings),
            clusterId,
            settings.Int("SILO_PORT", 11111, 1, 65535),
            settings.Int("GATEWAY_PORT", 30000, 1, 65535),
            settings.Int("SILO_HTTP_PORT", 3001, 0, 65535),
            settings.Address("BIND_ADDRESS", IPAddress.Any),
            ResolveAdvertisedAddress(settings),
            adminPassword,
            LoadVoice(settings),
            new LesCopains.Grains.Channels.ThreadArchiveSettings(TimeSpan.FromSeconds(settings.Int("THREAD_ARCHIVE_SWEEP_SECONDS", 60, 1, 3600))));
    }

    private static LesCopains.Grains.Voice.VoiceSettings LoadVoice(Settings settings)
    {
        var secret = settings.Optional("SFU_WORKER_SECRET");
        if (secret is { Length: < 32 })
        {
            throw new ConfigurationException("SFU_WORKER_SECRET", "must be at least 32 characters (the same value as the SFU workers').");
        }

        return new LesCopains.Grains.Voice.VoiceSettings(
            secret,
            settings.Int("MAX_PARTICIPANTS_PER_ROOM", 50, 2, 1000),
            TimeSpan.FromSeconds(settings.Int("SFU_WORKER_TIMEOUT_SECONDS", 15, 1, 600)),
            settings.Bool("ENABLE_SIMULCAST", false));
    }

    private static IPAddress ResolveAdvertisedAddress(Settings settings)
    {
        const string Name = "SILO_ADVERTISED_IP";
        var raw = settings.Optional(Name);
        if (raw is null)
        {
            return IPAddress.Loopback;
        }

        if (!raw.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return settings.Address(Name, IPAddress.Loopback);
        }

        // In a container: the address other containers reach us on.
        var address = Dns.GetHostAddresses(Dns.GetHostName())
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        return address ?? throw new ConfigurationException(Name, "is 'auto' but this host has no non-loopback IPv4 address.");
    }
}
