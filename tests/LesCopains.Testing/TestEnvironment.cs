using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace LesCopains.Testing;

/// <summary>
/// The real PostgreSQL and Redis that <c>scripts/test.sh</c> starts for the tests
/// (<c>TEST_DATABASE_URL</c>, <c>TEST_REDIS_URL</c>). Each test fixture gets its own database.
/// </summary>
public static class TestEnvironment
{
    public static string AdminDatabaseUrl => Require("TEST_DATABASE_URL");

    public static string RedisUrl => Require("TEST_REDIS_URL");

    public static string? PostgresControlScript => Path.Combine(RepoPaths.Root, "scripts", "lib", "pg-ctl.sh");

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests through ./scripts/test.sh, which starts PostgreSQL and Redis for them.");

    /// <summary>Creates an empty database and returns its <c>postgresql://</c> URL.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix = "lc_t")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(60, prefix.Length + 33)];
        await using (var admin = NpgsqlDataSource.Create(LesCopains.Hosting.Configuration.DatabaseSettings.Parse(AdminDatabaseUrl).ConnectionString))
        await using (var command = admin.CreateCommand($"CREATE DATABASE \"{name}\""))
        {
            await command.ExecuteNonQueryAsync();
        }

        var uri = new UriBuilder(AdminDatabaseUrl) { Path = "/" + name };
        return uri.Uri.ToString();
    }

    public static NpgsqlDataSource OpenDatabase(string url) =>
        NpgsqlDataSource.Create(LesCopains.Hosting.Configuration.DatabaseSettings.Parse(url).ConnectionString);

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A loopback port nothing listens on now and that this process has not handed out before: the
    /// kernel may offer a port again once its probe is closed, and a silo given the same port for two
    /// of its listeners fails to start.
    /// </summary>
    public static int FreePort()
    {
        lock (HandedOut)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }

    public static string NewClusterId() => "t" + Guid.NewGuid().ToString("N")[..12];

    public static string NewSecret() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
}
