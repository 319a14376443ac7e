using Microsoft.AspNetCore.Hosting;

namespace LesCopains.Hosting;

/// <summary>
/// <c>INLINE_IO</c> (default on): socket work runs on the thread that completed it instead of
/// being handed to the thread pool. Kestrel continues its transport and the application inline
/// (<c>UnsafePreferInlineScheduling</c>) and the process completes socket operations inline
/// (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>, unless the environment already says).
/// Each event written to a connection then costs fewer thread hand-offs: on a 2-core box that
/// halved the context switches and cut the acknowledgement and delivery tails
/// (docs/benchmarks.md). The price: code that blocks a request thread stalls the other sockets
/// of that I/O thread, so CPU-heavy work (password hashing) is always moved off it; and a node
/// that mostly ingests sends (few readers) saturates about 13 % earlier, hence the switch.
/// </summary>
public static class InlineIo
{
    public const string SocketsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Call before the process opens its first socket (the runtime reads the variable once).</summary>
    public static void Apply(IWebHostBuilder webHost, bool enabled)
    {
        if (!enabled)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable(SocketsVariable) is null)
        {
            Environment.SetEnvironmentVariable(SocketsVariable, "1");
        }

        webHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
    }
}
