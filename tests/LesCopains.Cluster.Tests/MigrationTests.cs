using LesCopains.Grains.Persistence;
using LesCopains.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace LesCopains.Cluster.Tests;

public sealed class MigrationTests
{
    [Fact]
    public async Task Concurrent_runners_on_an_empty_database_apply_each_migration_exactly_once()
    {
        var url = await TestEnvironment.CreateDatabaseAsync();
        var sources = Enumerable.Range(0, 4).Select(_ => TestEnvironment.OpenDatabase(url)).ToList();
        try
        {
            var results = await Task.WhenAll(sources.Select(s =>
                new MigrationRunner(s, NullLogger<MigrationRunner>.Instance).ApplyAsync(CancellationToken.None)));

            var all = MigrationRunner.Load().Select(m => m.Version).ToList();
            Assert.Equal(all, results.SelectMany(r => r).Order().ToList());

            await using var count = sources[0].CreateCommand("SELECT count(*), count(DISTINCT version) FROM schema_migrations");
            await using var reader = await count.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal(all.Count, reader.GetInt64(0));
            Assert.Equal(all.Count, reader.GetInt64(1));
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Applying_again_changes_nothing_and_the_storage_queries_are_installed()
    {
        var url = await TestEnvironment.CreateDatabaseAsync();
        await using var db = TestEnvironment.OpenDatabase(url);
        var runner = new MigrationRunner(db, NullLogger<MigrationRunner>.Instance);
        Assert.NotEmpty(await runner.ApplyAsync(CancellationToken.None));
        Assert.Empty(await runner.ApplyAsync(CancellationToken.None));

        await using var queries = db.CreateCommand("SELECT querykey FROM orleansquery ORDER BY querykey");
        var keys = new List<string>();
        await using (var reader = await queries.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }

        Assert.Equal(["ClearStorageKey", "DeleteStorageKey", "ReadFromStorageKey", "WriteToStorageKey"], keys);
    }

    [Fact]
    public async Task A_migration_changed_after_it_was_applied_stops_the_start()
    {
        var url = await TestEnvironment.CreateDatabaseAsync();
        await using var db = TestEnvironment.OpenDatabase(url);
        var runner = new MigrationRunner(db, NullLogger<MigrationRunner>.Instance);
        await runner.ApplyAsync(CancellationToken.None);
        await using (var tamper = db.CreateCommand("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1"))
        {
            await tamper.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => runner.ApplyAsync(CancellationToken.None));
        Assert.Contains("0001_orleans_storage", error.Message, StringComparison.Ordinal);
    }
}
