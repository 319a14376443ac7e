using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LesCopains.Deployment.Tests;

/// <summary>The repository's deployment files, loaded once.</summary>
internal static class Repo
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);
    private static readonly Lazy<YamlMappingNode> LazyCompose = new(LoadCompose);

    public static string Root => LazyRoot.Value;

    public static YamlMappingNode Compose => LazyCompose.Value;

    public static YamlMappingNode Services => Compose.Map("services");

    public static string PathOf(string relative) =>
        Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string ReadText(string relative) => File.ReadAllText(PathOf(relative));

    public static YamlMappingNode Service(string name) => Services.Map(name);

    /// <summary>
    /// A service's environment as a dictionary, whether written as a mapping or as a list of
    /// KEY=VALUE strings; merge keys (&lt;&lt;: *anchor) are already applied.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Environment(string service)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Service(service).Children.TryGetValue(new YamlScalarNode("environment"), out var env))
        {
            return result;
        }

        switch (env)
        {
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children)
                {
                    result[((YamlScalarNode)key).Value!] = (value as YamlScalarNode)?.Value ?? "";
                }

                break;
            case YamlSequenceNode list:
                foreach (var item in list.Children.Cast<YamlScalarNode>())
                {
                    var text = item.Value ?? "";
                    var eq = text.IndexOf('=', StringComparison.Ordinal);
                    result[eq < 0 ? text : text[..eq]] = eq < 0 ? "" : text[(eq + 1)..];
                }

                break;
        }

        return result;
    }

    public static YamlMappingNode Map(this YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) && child is YamlMappingNode map
            ? map
            : throw new KeyNotFoundException($"no mapping '{key}'");

    public static YamlNode? Get(this YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    public static string? Scalar(this YamlMappingNode node, string key) => (node.Get(key) as YamlScalarNode)?.Value;

    public static IReadOnlyList<string> Strings(this YamlMappingNode node, string key) => node.Get(key) switch
    {
        YamlSequenceNode seq => seq.Children.Select(c => ((YamlScalarNode)c).Value ?? "").ToList(),
        YamlScalarNode scalar => [scalar.Value ?? ""],
        _ => [],
    };

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LesCopains.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"LesCopains.sln not found above {AppContext.BaseDirectory}");
    }

    private static YamlMappingNode LoadCompose()
    {
        using var reader = new StringReader(ReadText("docker-compose.yml"));
        var stream = new YamlStream();
        stream.Load(new MergingParser(new Parser(reader)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
