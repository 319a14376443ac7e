using System.Diagnostics;

namespace LesCopains.Testing;

/// <summary>
/// A PostgreSQL server of a test's own (temp data dir, free port), for tests that stop and
/// restart the database without disturbing the shared one. Runs as the <c>postgres</c> user
/// when the tests run as root (PostgreSQL refuses root).
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string binDir;
    private readonly string dataDir;

    private PrivatePostgres(string binDir, string dataDir, int port)
    {
        this.binDir = binDir;
        this.dataDir = dataDir;
        Port = port;
    }

    public int Port { get; }

    public string Url(string database = "postgres") => $"postgresql://postgres@127.0.0.1:{Port}/{database}";

    public static async Task<PrivatePostgres> StartAsync()
    {
        var bin = Environment.GetEnvironmentVariable("TEST_POSTGRES_BIN") is { Length: > 0 } b
            ? b
            : Directory.GetDirectories("/usr/lib/postgresql").OrderBy(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).Last() + "/bin";
        var data = Path.Combine(Path.GetTempPath(), "lc-pg-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(data);
        await RunAsync("chmod", ["700", data]);
        if (IsRoot)
        {
            await RunAsync("chown", ["postgres:postgres", data]);
        }

        await RunAsPostgresAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        var server = new PrivatePostgres(bin, data, TestEnvironment.FreePort());
        await server.StartServerAsync();
        return server;
    }

    public Task StopServerAsync() =>
        RunAsPostgresAsync(Path.Combine(binDir, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "-w", "stop"]);

    public Task StartServerAsync() =>
        RunAsPostgresAsync(Path.Combine(binDir, "pg_ctl"),
        [
            "-D", dataDir, "-w", "-l", Path.Combine(dataDir, "server.log"),
            "-o", $"-p {Port} -k {dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            "start",
        ]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopServerAsync();
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        Directory.Delete(dataDir, recursive: true);
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static Task RunAsPostgresAsync(string program, string[] args) =>
        IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", program, .. args]) : RunAsync(program, args);

    private static async Task RunAsync(string program, string[] args)
    {
        var info = new ProcessStartInfo(program, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {await stdout}{await stderr}");
        }
    }
}
