using LesCopains.Hosting.Configuration;
using Microsoft.AspNetCore.Builder;

namespace LesCopains.Hosting;

/// <summary>The entry point of each process: build, or exit with code 2 and the message of a bad setting; then run.</summary>
public static class ProcessEntry
{
    public static async Task<int> RunAsync(Func<WebApplication> build)
    {
        WebApplication app;
        try
        {
            app = build();
        }
        catch (ConfigurationException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }

        await app.RunAsync();
        return 0;
    }
}
