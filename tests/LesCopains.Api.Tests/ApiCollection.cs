using LesCopains.Testing;

namespace LesCopains.Api.Tests;

/// <summary>One silo + Api shared by the Api tests (generous rate limits).</summary>
[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<InProcessCluster>
{
    public const string Name = "api";
}
