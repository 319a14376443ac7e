namespace LesCopains.Testing;

/// <summary>Where the repository and the built process binaries are.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Release or Debug, the configuration these tests were built with.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string SiloDll => Binary("Silo", "LesCopains.Silo.dll");

    public static string ApiDll => Binary("Api", "LesCopains.Api.dll");

    public static string NodeDll => Binary("Node", "LesCopains.Node.dll");

    public static string SfuWorkerDll => Binary("SfuWorker", "LesCopains.SfuWorker.dll");

    private static string Binary(string project, string dll)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build the solution first (dotnet build -c {Configuration}).");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LesCopains.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("LesCopains.sln not found above " + AppContext.BaseDirectory);
    }
}
