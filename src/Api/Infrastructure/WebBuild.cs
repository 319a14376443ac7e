using System.Text.RegularExpressions;
using Microsoft.Extensions.FileProviders;

namespace LesCopains.Api.Infrastructure;

/// <summary>
/// The build of the web client this node serves: the <c>lescopains-build</c> meta tag that the
/// production build writes into <c>index.html</c> (src/Web/vite.config.ts). It goes out in the hub's
/// <c>ready</c>, so a tab still running an older build (open across an upgrade) offers a reload.
/// <c>null</c> when the web root has no such page (the web client not built, or in development).
/// </summary>
public sealed partial class WebBuild(IWebHostEnvironment environment)
{
    private readonly Lazy<string?> id = new(() => Read(environment.WebRootFileProvider));

    public string? Id => id.Value;

    /// <summary>The build id in an index.html, or <c>null</c>.</summary>
    public static string? Parse(string html) =>
        MetaTag().Match(html) is { Success: true } match ? match.Groups["id"].Value : null;

    private static string? Read(IFileProvider files)
    {
        var page = files.GetFileInfo("index.html");
        if (!page.Exists || page.IsDirectory)
        {
            return null;
        }

        using var reader = new StreamReader(page.CreateReadStream());
        return Parse(reader.ReadToEnd());
    }

    [GeneratedRegex("""<meta\s+name="lescopains-build"\s+content="(?<id>[0-9a-f]{1,64})"\s*/?>""")]
    private static partial Regex MetaTag();
}
