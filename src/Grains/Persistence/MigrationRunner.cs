using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LesCopains.Grains.Persistence;

/// <summary>
/// Applies the versioned SQL files embedded from <c>Persistence/Migrations</c> in order, each in
/// its own transaction, under a PostgreSQL advisory lock so that silos starting together apply
/// each migration exactly once. Applied versions and checksums are recorded in
/// <c>schema_migrations</c>; a changed file that was already applied stops the start-up.
/// </summary>
public sealed partial class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger)
{
    /// <summary>Arbitrary constant shared by every silo: "LCMIGRAT".</summary>
    private const long AdvisoryLockKey = 0x4C434D4947524154;

    public sealed record Migration(int Version, string Name, string Sql, string Checksum);

    public static IReadOnlyList<Migration> Load()
    {
        var assembly = typeof(MigrationRunner).Assembly;
        var prefix = assembly.GetName().Name + ".Persistence.Migrations.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => Read(assembly, n, n[prefix.Length..^4]))
            .OrderBy(m => m.Version)
            .ToList();
    }

    private static Migration Read(Assembly assembly, string resource, string name)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var sql = reader.ReadToEnd();
        var version = int.Parse(name.Split('_', 2)[0], System.Globalization.CultureInfo.InvariantCulture);
        var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));
        return new Migration(version, name, sql, checksum);
    }

    /// <summary>Returns the versions this call applied (empty when the schema was current).</summary>
    public async Task<IReadOnlyList<int>> ApplyAsync(CancellationToken cancellationToken)
    {
        var migrations = Load();
        var applied = new List<int>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);

        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection))
        {
            lockCommand.Parameters.AddWithValue(AdvisoryLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await using (var create = new NpgsqlCommand(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer     PRIMARY KEY,
                    name       text        NOT NULL,
                    checksum   text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, connection))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            var known = new Dictionary<int, string>();
            await using (var select = new NpgsqlCommand("SELECT version, checksum FROM schema_migrations", connection))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    known[reader.GetInt32(0)] = reader.GetString(1);
                }
            }

            foreach (var migration in migrations)
            {
                if (known.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        throw new InvalidOperationException(
                            $"Migration {migration.Name} was changed after it was applied (checksum {checksum} in the database, {migration.Checksum} in this build). Add a new migration instead.");
                    }

                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var command = new NpgsqlCommand(migration.Sql, connection, transaction))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", connection, transaction))
                {
                    record.Parameters.AddWithValue(migration.Version);
                    record.Parameters.AddWithValue(migration.Name);
                    record.Parameters.AddWithValue(migration.Checksum);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                applied.Add(migration.Version);
                LogApplied(migration.Name);
            }
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
            unlock.Parameters.AddWithValue(AdvisoryLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }

        return applied;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied database migration {Migration}")]
    private partial void LogApplied(string migration);
}
