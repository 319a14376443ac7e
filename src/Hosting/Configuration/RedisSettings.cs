using StackExchange.Redis;

namespace LesCopains.Hosting.Configuration;

/// <summary><c>REDIS_URL</c> (<c>redis://[:password@]host:port[/db]</c>) and <c>REDIS_PASSWORD</c>.</summary>
public sealed record RedisSettings(string Host, int Port, string? Password, int Database)
{
    public const string Variable = "REDIS_URL";

    public static RedisSettings Load(Settings settings)
    {
        var raw = settings.Required(Variable);
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || (uri.Scheme != "redis" && uri.Scheme != "rediss") || string.IsNullOrEmpty(uri.Host))
        {
            throw new ConfigurationException(Variable, "must be a URL like redis://host:6379.");
        }

        string? password = null;
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            password = Uri.UnescapeDataString(parts.Length == 2 ? parts[1] : parts[0]);
        }

        password = settings.Optional("REDIS_PASSWORD") ?? password;
        var database = 0;
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, out database) || database < 0 || database > 15))
        {
            throw new ConfigurationException(Variable, "has an invalid database number in its path (0-15).");
        }

        return new RedisSettings(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port, password, database);
    }

    public ConfigurationOptions ToOptions()
    {
        var options = new ConfigurationOptions
        {
            Password = Password,
            DefaultDatabase = Database,
            AbortOnConnectFail = false,
            ConnectTimeout = 5000,
            SyncTimeout = 5000,

            // The .NET thread pool instead of the client's dedicated I/O threads, which spin while
            // idle: on a small box that spinning took ~10 % of the Api's CPU under load.
            SocketManager = SocketManager.ThreadPool,
        };
        options.EndPoints.Add(Host, Port);
        return options;
    }
}
