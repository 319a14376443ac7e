using System.Text.Json.Nodes;
using LesCopains.Grains.Guilds;
using LesCopains.Grains.Persistence;
using LesCopains.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LesCopains.Api.Tests;

/// <summary>Migration 0010 grants SEND_MESSAGES_IN_THREADS to the @everyone role of guilds made before it existed.</summary>
[Collection(ApiCollection.Name)]
public sealed class ThreadPermissionMigrationTests(InProcessCluster cluster)
{
    private const ulong Threads = (ulong)Permissions.SendMessagesInThreads;

    [Fact]
    public async Task New_guilds_give_everyone_SEND_MESSAGES_IN_THREADS_and_the_migration_grants_it_to_older_guilds_that_may_send()
    {
        using var owner = await GuildClient.NewAsync(cluster, "mig");
        var guild = await owner.CreateGuildAsync("Before threads");
        await owner.CreateRoleAsync(guild.Id, "crew", Permissions.SendMessages);
        var everyone = guild.Roles.Single(r => r.Position == 0);
        Assert.Equal(guild.Id, everyone.Id);
        Assert.NotEqual(0UL, ulong.Parse(everyone.Permissions, System.Globalization.CultureInfo.InvariantCulture) & Threads);

        // The stored state of this guild, and two copies as a guild made before the bit existed
        // would have them: one whose @everyone may send, one whose @everyone may not.
        var dataSource = cluster.ApiServices.GetRequiredService<NpgsqlDataSource>();
        var stored = await StoredGuildAsync(dataSource, guild.Id);
        var older = WithEveryone(stored, p => p & ~Threads);
        var muted = WithEveryone(stored, p => p & ~Threads & ~(ulong)Permissions.SendMessages);
        var olderKey = await InsertCopyAsync(dataSource, older);
        var mutedKey = await InsertCopyAsync(dataSource, muted);

        var migration = MigrationRunner.Load().Single(m => m.Version == 10);
        for (var run = 0; run < 2; run++)
        {
            await using var command = dataSource.CreateCommand(migration.Sql);
            await command.ExecuteNonQueryAsync();
        }

        Assert.True(JsonNode.DeepEquals(stored, await PayloadAsync(dataSource, olderKey)), "the older guild now has exactly what a new guild has");
        Assert.True(JsonNode.DeepEquals(muted, await PayloadAsync(dataSource, mutedKey)), "an @everyone that may not send is left alone");
        Assert.True(JsonNode.DeepEquals(stored, await StoredGuildAsync(dataSource, guild.Id)), "a guild that has the bit is unchanged");
        Assert.Equal(
            (ulong)Permissions.SendMessages,
            ((JsonArray)stored["Roles"]!).Single(r => r!["Name"]!.GetValue<string>() == "crew")!["Permissions"]!.GetValue<ulong>());
    }

    private static async Task<JsonNode> StoredGuildAsync(NpgsqlDataSource dataSource, Guid guildId)
    {
        // Find the row by the @everyone role's id, which is the guild's id (not the test's copies,
        // which hold the same roles: which of them a scan meets first is up to PostgreSQL).
        await using var command = dataSource.CreateCommand(
            """
            SELECT convert_from(payloadbinary, 'UTF8') FROM orleansstorage
             WHERE graintypestring = 'guild' AND serviceid <> 'migration-test'
               AND convert_from(payloadbinary, 'UTF8')::jsonb -> 'Roles' @> jsonb_build_array(jsonb_build_object('Id', $1::text))
            """);
        command.Parameters.AddWithValue(guildId.ToString());
        return JsonNode.Parse((string)(await command.ExecuteScalarAsync())!)!;
    }

    private static JsonNode WithEveryone(JsonNode state, Func<ulong, ulong> change)
    {
        var copy = state.DeepClone();
        var everyone = ((JsonArray)copy["Roles"]!).Single(r => r!["Position"]!.GetValue<int>() == 0)!;
        everyone["Permissions"] = change(everyone["Permissions"]!.GetValue<ulong>());
        return copy;
    }

    /// <summary>Stores <paramref name="state"/> as a guild row of its own (a made-up grain key); returns that key.</summary>
    private static async Task<long> InsertCopyAsync(NpgsqlDataSource dataSource, JsonNode state)
    {
        var key = Random.Shared.NextInt64(1, long.MaxValue);
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO orleansstorage (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring, grainidextensionstring, serviceid, payloadbinary, modifiedon, version)
            SELECT grainidhash, $1, $1, graintypehash, graintypestring, grainidextensionstring, 'migration-test', convert_to($2, 'UTF8'), now(), 1
              FROM orleansstorage WHERE graintypestring = 'guild' LIMIT 1
            """);
        command.Parameters.AddWithValue(key);
        command.Parameters.AddWithValue(state.ToJsonString());
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
        return key;
    }

    private static async Task<JsonNode> PayloadAsync(NpgsqlDataSource dataSource, long key)
    {
        await using var command = dataSource.CreateCommand("SELECT convert_from(payloadbinary, 'UTF8') FROM orleansstorage WHERE serviceid = 'migration-test' AND grainidn0 = $1");
        command.Parameters.AddWithValue(key);
        return JsonNode.Parse((string)(await command.ExecuteScalarAsync())!)!;
    }
}
