using System.Text.RegularExpressions;

namespace LesCopains.Deployment.Tests;

public sealed partial class DockerfileTests
{
    [Theory]
    [InlineData("src/Silo/Dockerfile", new[] { "11111", "30000", "3001" })]
    [InlineData("src/Api/Dockerfile", new[] { "3000" })]
    [InlineData("src/SfuWorker/Dockerfile", new[] { "3003" })]
    public void Dockerfile_exposes_the_ports_compose_uses(string dockerfile, string[] ports)
    {
        var exposed = Expose().Matches(Repo.ReadText(dockerfile))
            .SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToHashSet();
        Assert.Equivalent(ports, exposed);
    }

    [Theory]
    [InlineData("src/Silo/Dockerfile", "LesCopains.Silo.dll", "src/Silo/LesCopains.Silo.csproj")]
    [InlineData("src/Api/Dockerfile", "LesCopains.Api.dll", "src/Api/LesCopains.Api.csproj")]
    [InlineData("src/SfuWorker/Dockerfile", "LesCopains.SfuWorker.dll", "src/SfuWorker/LesCopains.SfuWorker.csproj")]
    public void Dockerfile_publishes_and_runs_its_project(string dockerfile, string dll, string project)
    {
        var text = Repo.ReadText(dockerfile);
        Assert.Contains($"dotnet publish {project}", text, StringComparison.Ordinal);
        // The SFU worker starts Janus first (entrypoint script), then runs the adapter (CMD).
        Assert.True(
            text.Contains($"ENTRYPOINT [\"dotnet\", \"{dll}\"]", StringComparison.Ordinal) || text.Contains($"CMD [\"dotnet\", \"{dll}\"]", StringComparison.Ordinal),
            $"{dockerfile} does not run {dll}");
    }

    [Theory]
    [InlineData("src/Silo/Dockerfile")]
    [InlineData("src/Api/Dockerfile")]
    [InlineData("src/SfuWorker/Dockerfile")]
    public void Dockerfile_builds_with_the_sdk_and_runs_as_non_root_on_aspnet(string dockerfile)
    {
        var text = Repo.ReadText(dockerfile);
        Assert.Matches(@"(?m)^FROM mcr\.microsoft\.com/dotnet/sdk:10\.0 AS build$", text);
        Assert.Matches(@"(?m)^FROM mcr\.microsoft\.com/dotnet/aspnet:10\.0 AS runtime$", text);
        var user = Regex.Matches(text, @"(?m)^USER (\S+)").Last().Groups[1].Value;
        Assert.NotEqual("root", user);
        Assert.NotEqual("0", user);
        // The health check of docker-compose.yml runs curl inside the runtime image.
        Assert.Contains("curl", text[text.IndexOf("AS runtime", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [Fact]
    public void Api_image_builds_the_web_client_into_wwwroot()
    {
        var text = Repo.ReadText("src/Api/Dockerfile");
        Assert.Matches(@"(?m)^FROM node:20\S* AS web$", text);
        Assert.Contains("npm run build", text, StringComparison.Ordinal);
        Assert.Contains("COPY --from=web /src/src/Api/wwwroot src/Api/wwwroot", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("src/Silo/Dockerfile")]
    [InlineData("src/Api/Dockerfile")]
    [InlineData("src/SfuWorker/Dockerfile")]
    public void Files_the_build_copies_exist(string dockerfile)
    {
        foreach (Match copy in Regex.Matches(Repo.ReadText(dockerfile), @"(?m)^COPY (?!--from)(.+) \S+$"))
        {
            foreach (var source in copy.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                // The web client is written in parallel; its files are checked when it exists.
                if (source.StartsWith("src/Web/", StringComparison.Ordinal) && !Directory.Exists(Repo.PathOf("src/Web")))
                {
                    continue;
                }

                var path = Repo.PathOf(source.TrimEnd('/'));
                Assert.True(File.Exists(path) || Directory.Exists(path), $"{dockerfile} copies {source}, which does not exist");
            }
        }
    }

    [GeneratedRegex(@"(?m)^EXPOSE (.+)$")]
    private static partial Regex Expose();
}
