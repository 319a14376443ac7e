using System.Net;
using System.Text;
using LesCopains.Hosting.Configuration;

namespace LesCopains.Api;

/// <summary>JWT signing and lifetimes (<c>JWT_SECRET</c>, <c>JWT_ACCESS_EXPIRY</c>, <c>JWT_REFRESH_EXPIRY</c>).</summary>
public sealed record JwtSettings(byte[] Secret, TimeSpan AccessLifetime, TimeSpan RefreshLifetime)
{
    public const string Issuer = "lescopains";
    public const string Audience = "lescopains";
}

/// <summary>
/// Request budgets per user per <c>RATE_LIMIT_WINDOW_SECONDS</c> (default one minute):
/// <c>RATE_LIMIT_MAX</c> for writes (REST calls that change something, and every hub call),
/// <c>RATE_LIMIT_READ_MAX</c> for REST reads (GET/HEAD), of which opening a channel spends several;
/// and the login/register limits.
/// </summary>
public sealed record RateLimitSettings(int PerUserPerMinute, int LoginPerIpPerMinute, int LoginFailuresPerUser, int RegisterPerIpPerHour, TimeSpan PerUserWindow)
{
    public int ReadsPerUserPerMinute { get; init; } = 1000;
}

/// <summary>Voice settings, validated now so a bad value fails at start (used by the voice feature).</summary>
public sealed record RtcSettings(IPAddress? AnnouncedIp, int MinPort, int MaxPort, int MaxParticipantsPerRoom, bool EnableSimulcast);

/// <summary>Everything the Api reads from its environment, validated once at start.</summary>
public sealed record ApiSettings(
    DatabaseSettings Database,
    RedisSettings Redis,
    string ClusterId,
    int Port,
    IPAddress BindAddress,
    JwtSettings Jwt,
    RateLimitSettings RateLimits,
    long MaxFileSize,
    TimeSpan WsPingInterval,
    TimeSpan PresenceTtl,
    string UploadsDirectory,
    string? AdminPassword,
    IReadOnlyList<System.Net.IPNetwork> TrustedProxies,
    RtcSettings Rtc)
{
    /// <summary><c>INLINE_IO</c>: socket continuations run inline (<see cref="LesCopains.Hosting.InlineIo"/>).</summary>
    public bool InlineIo { get; init; } = true;

    /// <summary>
    /// <c>DIRECT_WEBSOCKETS</c> (default off): also serve the gateway hub at <c>/hubs/gateway/ws</c>
    /// over our own WebSocket transport (<see cref="Hubs.Transport.DirectWebSocketTransport"/>).
    /// Off until it measures better at every audience size (docs/benchmarks.md, thirteenth and fourteenth passes).
    /// </summary>
    public bool DirectWebSockets { get; init; }

    /// <summary>
    /// <c>WS_MAX_PENDING_EVENTS</c> (default 500): events that may wait for one connection beyond
    /// its transport's buffer before it is closed as too slow (<see cref="Hubs.GatewayConnections"/>).
    /// </summary>
    public int MaxPendingEvents { get; init; } = 500;

    /// <summary>
    /// <c>MAX_CONNECTIONS_PER_USER</c> (default 20): hub connections one account may hold on one Api
    /// node (tabs and devices). Each one receives every event of the user's guilds, so without a
    /// bound one account could multiply a guild's fan-out on the node at will.
    /// </summary>
    public int MaxConnectionsPerUser { get; init; } = 20;

    /// <summary>
    /// The 256-bit key that seals authenticator (TOTP) secrets in the database, derived from
    /// <c>MFA_SECRET_KEY</c> (at least 32 bytes; <c>./scripts/run.sh</c> generates one), or from
    /// <c>JWT_SECRET</c> when it is unset. Changing it turns every authenticator off: people then sign in
    /// with a backup code (docs/operations.md).
    /// </summary>
    public byte[] MfaKey { get; init; } = [];

    public static ApiSettings Load(Settings settings)
    {
        var secret = settings.Required("JWT_SECRET");
        if (Encoding.UTF8.GetByteCount(secret) < 32)
        {
            throw new ConfigurationException("JWT_SECRET", "must be at least 32 bytes long (generate one with: openssl rand -base64 48).");
        }

        var mfaSecret = settings.Optional("MFA_SECRET_KEY");
        if (mfaSecret is not null && Encoding.UTF8.GetByteCount(mfaSecret) < 32)
        {
            throw new ConfigurationException("MFA_SECRET_KEY", "must be at least 32 bytes long (generate one with: openssl rand -base64 48).");
        }

        var mfaKey = System.Security.Cryptography.HKDF.DeriveKey(
            System.Security.Cryptography.HashAlgorithmName.SHA256,
            Encoding.UTF8.GetBytes(mfaSecret ?? secret),
            32,
            info: Encoding.UTF8.GetBytes(mfaSecret is null ? "lescopains totp seal v1 (JWT_SECRET)" : "lescopains totp seal v1"));

        var adminPassword = settings.Optional("ADMIN_PASSWORD");
        if (adminPassword is { Length: < 12 })
        {
            throw new ConfigurationException("ADMIN_PASSWORD", "must be at least 12 characters.");
        }

        var minPort = settings.Int("RTC_MIN_PORT", 40000, 1024, 65535);
        var maxPort = settings.Int("RTC_MAX_PORT", 40100, 1024, 65535);
        if (maxPort < minPort)
        {
            throw new ConfigurationException("RTC_MAX_PORT", $"must not be below RTC_MIN_PORT ({minPort}).");
        }

        return new ApiSettings(
            DatabaseSettings.Load(settings),
            RedisSettings.Load(settings),
            settings.Optional("CLUSTER_ID") ?? "lescopains",
            settings.Int("API_PORT", 3000, 0, 65535),
            settings.Address("BIND_ADDRESS", IPAddress.Any),
            new JwtSettings(
                Encoding.UTF8.GetBytes(secret),
                settings.Duration("JWT_ACCESS_EXPIRY", TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(5), TimeSpan.FromDays(1)),
                settings.Duration("JWT_REFRESH_EXPIRY", TimeSpan.FromDays(7), TimeSpan.FromMinutes(1), TimeSpan.FromDays(365))),
            new RateLimitSettings(
                settings.Int("RATE_LIMIT_MAX", 100, 1, 1_000_000),
                settings.Int("LOGIN_RATE_LIMIT", 20, 1, 1_000_000),
                settings.Int("LOGIN_FAILURES_PER_USER", 10, 1, 1_000_000),
                settings.Int("REGISTER_RATE_LIMIT", 10, 1, 1_000_000),
                TimeSpan.FromSeconds(settings.Int("RATE_LIMIT_WINDOW_SECONDS", 60, 1, 3600)))
            {
                ReadsPerUserPerMinute = settings.Int("RATE_LIMIT_READ_MAX", 1000, 1, 1_000_000),
            },
            settings.Long("MAX_FILE_SIZE", 10 * 1024 * 1024, 1, 1L << 34),
            TimeSpan.FromMilliseconds(settings.Int("WS_PING_INTERVAL", 30000, 1000, 600_000)),
            TimeSpan.FromSeconds(settings.Int("PRESENCE_TTL", 60, 5, 3600)),
            settings.Optional("UPLOADS_DIR") ?? Path.Combine("data", "uploads"),
            adminPassword,
            ParseProxies(settings.Optional("TRUSTED_PROXIES") ?? "127.0.0.0/8,::1/128"),
            new RtcSettings(
                settings.Optional("RTC_ANNOUNCED_IP") is null ? null : settings.Address("RTC_ANNOUNCED_IP", IPAddress.Loopback),
                minPort,
                maxPort,
                settings.Int("MAX_PARTICIPANTS_PER_ROOM", 50, 2, 1000),
                settings.Bool("ENABLE_SIMULCAST", false)))
        {
            InlineIo = settings.Bool("INLINE_IO", true),
            DirectWebSockets = settings.Bool("DIRECT_WEBSOCKETS", false),
            MaxPendingEvents = settings.Int("WS_MAX_PENDING_EVENTS", 500, 1, 1_000_000),
            MaxConnectionsPerUser = settings.Int("MAX_CONNECTIONS_PER_USER", 20, 1, 10_000),
            MfaKey = mfaKey,
        };
    }

    private static List<System.Net.IPNetwork> ParseProxies(string raw)
    {
        var networks = new List<System.Net.IPNetwork>();
        foreach (var part in raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!System.Net.IPNetwork.TryParse(part, out var network))
            {
                throw new ConfigurationException("TRUSTED_PROXIES", $"must be a comma-separated list of CIDR ranges (got '{part}').");
            }

            networks.Add(network);
        }

        return networks;
    }
}
