using LesCopains.Api.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.FileProviders;

namespace LesCopains.Api.Tests;

/// <summary>The web client's build id, read from the index.html a node serves and sent in <c>ready</c>.</summary>
public sealed class WebBuildTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("lc-webroot-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void The_id_is_read_from_the_meta_tag_the_production_build_writes()
    {
        const string Page = """
            <!doctype html>
            <html lang="en">
              <head>
                <title>LesCopains</title>
                <script type="module" crossorigin src="/assets/index-Bq1.js"></script>
                <meta name="lescopains-build" content="238ce2f888123569" />
              </head>
            </html>
            """;
        Assert.Equal("238ce2f888123569", WebBuild.Parse(Page));
        Assert.Null(WebBuild.Parse("<html><head><title>dev</title></head></html>"));
        Assert.Null(WebBuild.Parse("""<meta name="lescopains-build" content="not hex!">"""));
        Assert.Null(WebBuild.Parse("""<meta name="lescopains-build" content="">"""));
    }

    [Fact]
    public void A_node_serves_the_id_of_its_web_roots_index_html_and_none_without_one()
    {
        Assert.Null(new WebBuild(new Root(root)).Id);

        File.WriteAllText(Path.Combine(root, "index.html"), """<head><meta name="lescopains-build" content="0123abcd" /></head>""");
        Assert.Equal("0123abcd", new WebBuild(new Root(root)).Id);
    }

    private sealed class Root(string path) : IWebHostEnvironment
    {
        public string WebRootPath { get; set; } = path;

        public IFileProvider WebRootFileProvider { get; set; } = new PhysicalFileProvider(path);

        public string ApplicationName { get; set; } = "tests";

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();

        public string ContentRootPath { get; set; } = path;

        public string EnvironmentName { get; set; } = "Test";
    }
}
