using LesCopains.Hosting.Configuration;
using LesCopains.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LesCopains.Cluster.Tests;

public sealed class StartupConfigurationTests
{
    [Theory]
    [InlineData("mysql://user@localhost/db")]
    [InlineData("postgresql://localhost")]
    [InlineData("not a url")]
    public async Task Silo_with_a_bad_DATABASE_URL_stops_with_one_line_naming_it(string url)
    {
        var line = await StopsWithOneLineAsync(RepoPaths.SiloDll, new()
        {
            ["DATABASE_URL"] = url,
            ["REDIS_URL"] = "redis://127.0.0.1:1",
            ["ADMIN_PASSWORD"] = "long-enough-password",
        });
        Assert.StartsWith("Configuration error: DATABASE_URL", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_with_a_short_JWT_SECRET_refuses_to_start()
    {
        var line = await StopsWithOneLineAsync(RepoPaths.ApiDll, new()
        {
            ["DATABASE_URL"] = "postgresql://u:p@127.0.0.1:1/db",
            ["REDIS_URL"] = "redis://127.0.0.1:1",
            ["JWT_SECRET"] = "too-short",
        });
        Assert.Contains("JWT_SECRET must be at least 32 bytes", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Node_with_a_short_JWT_SECRET_refuses_to_start()
    {
        var line = await StopsWithOneLineAsync(RepoPaths.NodeDll, new()
        {
            ["DATABASE_URL"] = "postgresql://u:p@127.0.0.1:1/db",
            ["REDIS_URL"] = "redis://127.0.0.1:1",
            ["ADMIN_PASSWORD"] = "long-enough-password",
            ["JWT_SECRET"] = "too-short",
        });
        Assert.Contains("JWT_SECRET must be at least 32 bytes", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sfu_worker_without_its_secret_stops_with_one_line_naming_it()
    {
        var line = await StopsWithOneLineAsync(RepoPaths.SfuWorkerDll, new()
        {
            ["REDIS_URL"] = "redis://127.0.0.1:1",
            ["JANUS_ADMIN_SECRET"] = "janus-admin-secret",
            ["JANUS_ADMIN_KEY"] = "janus-admin-key",
        });
        Assert.Contains("SFU_WORKER_SECRET", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("JWT_SECRET", null, "JWT_SECRET is required")]
    [InlineData("JWT_ACCESS_EXPIRY", "15 minutes", "JWT_ACCESS_EXPIRY must be a duration")]
    [InlineData("RATE_LIMIT_MAX", "-1", "RATE_LIMIT_MAX must be an integer")]
    [InlineData("REDIS_URL", "http://x", "REDIS_URL must be a URL")]
    [InlineData("RTC_MAX_PORT", "30000", "RTC_MAX_PORT must")]
    public void Api_settings_name_the_bad_variable(string variable, string? value, string expected)
    {
        var values = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = "postgresql://u:p@127.0.0.1:5432/db",
            ["REDIS_URL"] = "redis://127.0.0.1:6379",
            ["JWT_SECRET"] = new string('s', 40),
        };
        values[variable] = value;
        var settings = new Settings(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        var error = Assert.Throws<ConfigurationException>(() => LesCopains.Api.ApiSettings.Load(settings));
        Assert.Equal(variable, error.Variable);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("false", false)]
    public void Inline_socket_scheduling_is_on_unless_INLINE_IO_is_false(string? raw, bool expected)
    {
        var values = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = "postgresql://u:p@127.0.0.1:5432/db",
            ["REDIS_URL"] = "redis://127.0.0.1:6379",
            ["JWT_SECRET"] = new string('s', 40),
            ["INLINE_IO"] = raw,
        };
        var settings = LesCopains.Api.ApiSettings.Load(new Settings(new ConfigurationBuilder().AddInMemoryCollection(values).Build()));
        Assert.Equal(expected, settings.InlineIo);

        // What the setting does to Kestrel's socket transport.
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder();
        LesCopains.Hosting.InlineIo.Apply(builder.WebHost, settings.InlineIo);
        using var app = builder.Build();
        var transport = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>>().Value;
        Assert.Equal(expected, transport.UnsafePreferInlineScheduling);
        if (expected)
        {
            Assert.Equal("1", Environment.GetEnvironmentVariable(LesCopains.Hosting.InlineIo.SocketsVariable));
        }
    }

    [Theory]
    [InlineData("15m", 900)]
    [InlineData("7d", 604800)]
    [InlineData("30s", 30)]
    [InlineData("2h", 7200)]
    [InlineData("45", 45)]
    public void Durations_use_the_seed_notation(string raw, int seconds)
    {
        Assert.True(Settings.TryParseDuration(raw, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Fact]
    public void Database_url_becomes_an_Npgsql_connection_string()
    {
        var parsed = DatabaseSettings.Parse("postgresql://lc%40user:p%3Ass@db.local:6543/les_copains?sslmode=disable");
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(parsed.ConnectionString);
        Assert.Equal("db.local", builder.Host);
        Assert.Equal(6543, builder.Port);
        Assert.Equal("les_copains", builder.Database);
        Assert.Equal("lc@user", builder.Username);
        Assert.Equal("p:ss", builder.Password);
        Assert.Equal(Npgsql.SslMode.Disable, builder.SslMode);
        Assert.Equal(64, builder.MaxAutoPrepare);
        Assert.Equal("-c jit=off", builder.Options);
    }

    [Fact]
    public void Statement_auto_prepare_can_be_turned_off_in_the_url()
    {
        var parsed = DatabaseSettings.Parse("postgresql://u:p@db.local/les_copains?Max%20Auto%20Prepare=0");
        Assert.Equal(0, new Npgsql.NpgsqlConnectionStringBuilder(parsed.ConnectionString).MaxAutoPrepare);
    }

    /// <summary>Starts the process, expects it to stop with exit code 2 and exactly one line of output, and returns that line.</summary>
    private static async Task<string> StopsWithOneLineAsync(string dll, Dictionary<string, string> environment)
    {
        await using var process = ManagedProcess.Start("config-check", dll, environment);
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        return Assert.Single(process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
