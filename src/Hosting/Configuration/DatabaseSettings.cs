using Npgsql;

namespace LesCopains.Hosting.Configuration;

/// <summary><c>DATABASE_URL</c>: a <c>postgresql://user:password@host:port/database</c> URL.</summary>
public sealed record DatabaseSettings(string ConnectionString)
{
    public const string Variable = "DATABASE_URL";

    public static DatabaseSettings Load(Settings settings) => Parse(settings.Required(Variable));

    public static DatabaseSettings Parse(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "postgresql" && uri.Scheme != "postgres"))
        {
            throw new ConfigurationException(Variable, "must be a URL like postgresql://user:password@host:5432/database.");
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (string.IsNullOrEmpty(uri.Host) || string.IsNullOrEmpty(database))
        {
            throw new ConfigurationException(Variable, "must name a host and a database (postgresql://user:password@host:5432/database).");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = database,
            MaxPoolSize = 50,
            Timeout = 5,
            CommandTimeout = 30,

            // Hot statements (the group-commit INSERT, history pages) are parsed and planned once per
            // pooled connection, not on every call. `?Max Auto Prepare=0` turns it off (e.g. behind a
            // pooler in transaction mode).
            MaxAutoPrepare = 64,

            // No JIT compilation of queries. Every query here is short; PostgreSQL compiles one whose
            // estimated cost passes jit_above_cost, which the many-channel reads (recent mentions,
            // search counts) do on their estimates alone: 200 ms of compiling for 12 ms of work.
            // `?Options=` in the URL replaces it.
            Options = "-c jit=off",
        };

        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0)
        {
            builder.Username = Uri.UnescapeDataString(userInfo[0]);
        }

        if (userInfo.Length == 2)
        {
            builder.Password = Uri.UnescapeDataString(userInfo[1]);
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : string.Empty;
            try
            {
                builder[key.Equals("sslmode", StringComparison.OrdinalIgnoreCase) ? "SSL Mode" : key] = value;
            }
            catch (ArgumentException)
            {
                throw new ConfigurationException(Variable, $"has an unknown query option '{key}'.");
            }
        }

        return new DatabaseSettings(builder.ConnectionString);
    }
}
