using System.Diagnostics;

namespace LesCopains.Testing;

/// <summary>
/// A real Janus on loopback, configured by <c>scripts/lib/janus.sh</c> into a private folder
/// (never /etc/janus), as an SFU worker runs it. <c>scripts/test.sh</c> installs the Debian
/// <c>janus</c> package; without it the voice tests are reported as skipped (<see cref="JanusFactAttribute"/>).
/// </summary>
public sealed class JanusProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly string directory;

    private JanusProcess(Process process, string directory, IReadOnlyDictionary<string, string> settings)
    {
        this.process = process;
        this.directory = directory;
        Settings = settings;
    }

    /// <summary>Path of the janus binary, or null when it is not installed.</summary>
    public static string? Binary { get; } = FindBinary();

    /// <summary>JANUS_URL, JANUS_ADMIN_URL, JANUS_ADMIN_SECRET, JANUS_ADMIN_KEY (and the ports).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    public Uri Url => new(Settings["JANUS_URL"]);

    public bool HasExited => process.HasExited;

    public static async Task<JanusProcess> StartAsync()
    {
        var binary = Binary ?? throw new InvalidOperationException(JanusFactAttribute.MissingMessage);
        var directory = Path.Combine(Path.GetTempPath(), "lc-janus-" + Guid.NewGuid().ToString("N")[..12]);
        var script = Path.Combine(RepoPaths.Root, "scripts", "lib", "janus.sh");
        var config = new ProcessStartInfo("bash", [script, "config", directory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // A port range of its own, so parallel test runs and a developer's Janus do not compete.
        var rangeStart = 46000 + (Random.Shared.Next(0, 90) * 100);
        config.Environment["RTC_MIN_PORT"] = rangeStart.ToString(System.Globalization.CultureInfo.InvariantCulture);
        config.Environment["RTC_MAX_PORT"] = (rangeStart + 99).ToString(System.Globalization.CultureInfo.InvariantCulture);
        config.Environment["JANUS_INTERFACE"] = "127.0.0.1";
        using (var writer = Process.Start(config)!)
        {
            var output = await writer.StandardOutput.ReadToEndAsync();
            var errors = await writer.StandardError.ReadToEndAsync();
            await writer.WaitForExitAsync();
            if (writer.ExitCode != 0)
            {
                throw new InvalidOperationException($"scripts/lib/janus.sh config failed: {errors}");
            }

            var settings = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(line => line.Split('=', 2))
                .Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0], parts => parts[1]);
            var info = new ProcessStartInfo(binary, ["-F", directory, "-C", Path.Combine(directory, "janus.jcfg"), "-o"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var process = Process.Start(info)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var janus = new JanusProcess(process, directory, settings);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            await Poll.UntilAsync(
                async () =>
                {
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException($"janus exited with {process.ExitCode}");
                    }

                    using var response = await http.GetAsync(new Uri(janus.Url + "/info"));
                    return response.IsSuccessStatusCode;
                },
                TimeSpan.FromSeconds(30),
                "Janus to answer");
            return janus;
        }
    }

    /// <summary>SIGKILL, like a crashed worker host.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await process.WaitForExitAsync();
        process.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string? FindBinary()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Append("/usr/bin"))
        {
            var path = Path.Combine(dir, "janus");
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }
}

/// <summary>A fact that needs a real Janus: reported as skipped, with the reason, when janus is not installed.</summary>
public sealed class JanusFactAttribute : Xunit.FactAttribute
{
    public const string MissingMessage = "janus is not installed (apt-get install janus; scripts/test.sh installs it)";

    public JanusFactAttribute()
    {
        if (JanusProcess.Binary is null)
        {
            Skip = MissingMessage;
        }
    }
}
