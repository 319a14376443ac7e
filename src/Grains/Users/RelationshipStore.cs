using LesCopains.Grains.Dms;
using Npgsql;

namespace LesCopains.Grains.Users;

/// <summary>
/// The <c>relationships</c> table: one row per side of a pair, changed together in one transaction
/// under a lock on the pair, so two people asking each other at the same instant become friends once.
/// </summary>
public sealed class RelationshipStore(NpgsqlDataSource dataSource)
{
    /// <summary>Friends and pending requests (sent and received) one person may have, as on Discord.</summary>
    public const int MaxRelationships = 1000;

    public sealed record Row(ConversationMember User, RelationshipType Type, DateTimeOffset Since);

    /// <summary>What a request did: the requester's side after it, and whether anything changed.</summary>
    public sealed record RequestOutcome(RelationshipType Type, DateTimeOffset Since, bool Changed);

    public async Task<IReadOnlyList<Row>> ListAsync(Guid userId)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT r.other_id, a.username, a.display_name, r.kind, r.since
              FROM relationships r JOIN accounts a ON a.id = r.other_id
             WHERE r.user_id = $1
             ORDER BY r.kind, lower(a.display_name), a.username
            """);
        command.Parameters.AddWithValue(userId);
        var rows = new List<Row>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(
                new ConversationMember(reader.GetGuid(0), reader.GetString(1), reader.GetString(2)),
                (RelationshipType)reader.GetInt16(3),
                reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return rows;
    }

    /// <summary>The friends two people have in common (at most 100, by name).</summary>
    public async Task<IReadOnlyList<ConversationMember>> MutualFriendsAsync(Guid userId, Guid otherId)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT a.id, a.username, a.display_name
              FROM relationships x
              JOIN relationships y ON y.other_id = x.other_id AND y.user_id = $2 AND y.kind = 1
              JOIN accounts a ON a.id = x.other_id
             WHERE x.user_id = $1 AND x.kind = 1
             ORDER BY lower(a.display_name), a.username
             LIMIT 100
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(otherId);
        var friends = new List<ConversationMember>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            friends.Add(new ConversationMember(reader.GetGuid(0), reader.GetString(1), reader.GetString(2)));
        }

        return friends;
    }

    /// <summary>The ids of the person's friends (accepted requests only).</summary>
    public async Task<IReadOnlyList<Guid>> FriendIdsAsync(Guid userId)
    {
        await using var command = dataSource.CreateCommand("SELECT other_id FROM relationships WHERE user_id = $1 AND kind = 1");
        command.Parameters.AddWithValue(userId);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    /// <summary>
    /// A friend request from <paramref name="from"/> to <paramref name="to"/>: accepted at once when
    /// <paramref name="to"/> had asked first, unchanged when already sent or already friends.
    /// <c>user_not_found</c> when <paramref name="to"/> blocked the requester (as for a conversation),
    /// <c>validation_failed</c> when the requester blocked them, <c>limit_reached</c> past
    /// <see cref="MaxRelationships"/> on either side.
    /// </summary>
    public async Task<RequestOutcome> RequestAsync(Guid from, Guid to, DateTimeOffset now, FriendRequestPolicy? policy = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await LockPairAsync(connection, tx, from, to);

        await using (var blocks = new NpgsqlCommand(
            "SELECT blocker_id FROM dm_blocks WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)", connection, tx))
        {
            blocks.Parameters.AddWithValue(from);
            blocks.Parameters.AddWithValue(to);
            await using var reader = await blocks.ExecuteReaderAsync();
            var blockers = new List<Guid>();
            while (await reader.ReadAsync())
            {
                blockers.Add(reader.GetGuid(0));
            }

            if (blockers.Contains(to))
            {
                throw new DomainException(ErrorCodes.UserNotFound, "No such user.");
            }

            if (blockers.Contains(from))
            {
                throw new DomainException(ErrorCodes.ValidationFailed, "userId: you blocked this user; unblock them first.");
            }
        }

        RelationshipType? current = null;
        DateTimeOffset since = now;
        await using (var select = new NpgsqlCommand("SELECT kind, since FROM relationships WHERE user_id = $1 AND other_id = $2", connection, tx))
        {
            select.Parameters.AddWithValue(from);
            select.Parameters.AddWithValue(to);
            await using var reader = await select.ExecuteReaderAsync();
            if (await reader.ReadAsync())
            {
                current = (RelationshipType)reader.GetInt16(0);
                since = reader.GetFieldValue<DateTimeOffset>(1);
            }
        }

        switch (current)
        {
            case RelationshipType.Friend or RelationshipType.Outgoing:
                return new RequestOutcome(current.Value, since, Changed: false);
            case RelationshipType.Incoming:
                await using (var accept = new NpgsqlCommand(
                    "UPDATE relationships SET kind = 1, since = $3 WHERE (user_id = $1 AND other_id = $2) OR (user_id = $2 AND other_id = $1)", connection, tx))
                {
                    accept.Parameters.AddWithValue(from);
                    accept.Parameters.AddWithValue(to);
                    accept.Parameters.AddWithValue(now);
                    await accept.ExecuteNonQueryAsync();
                }

                await tx.CommitAsync();
                return new RequestOutcome(RelationshipType.Friend, now, Changed: true);
        }

        await using (var count = new NpgsqlCommand(
            "SELECT user_id, count(*) FROM relationships WHERE user_id = ANY($1) GROUP BY user_id", connection, tx))
        {
            count.Parameters.AddWithValue(new[] { from, to });
            await using var reader = await count.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                if (reader.GetInt64(1) >= MaxRelationships)
                {
                    throw new DomainException(
                        ErrorCodes.LimitReached,
                        reader.GetGuid(0) == from
                            ? $"You have {MaxRelationships} friends and pending requests: remove some first."
                            : "This user cannot take more friend requests.");
                }
            }
        }

        if (policy is { Everyone: false } && !await AllowedByPolicyAsync(connection, tx, from, to, policy))
        {
            throw new DomainException(ErrorCodes.FriendRequestRefused, "This person is not accepting friend requests from you.");
        }

        await using (var insert = new NpgsqlCommand(
            "INSERT INTO relationships (user_id, other_id, kind, since) VALUES ($1, $2, 4, $3), ($2, $1, 3, $3)", connection, tx))
        {
            insert.Parameters.AddWithValue(from);
            insert.Parameters.AddWithValue(to);
            insert.Parameters.AddWithValue(now);
            await insert.ExecuteNonQueryAsync();
        }

        await tx.CommitAsync();
        return new RequestOutcome(RelationshipType.Outgoing, now, Changed: true);
    }

    /// <summary>Whether <paramref name="from"/> is one of those <paramref name="to"/> takes requests from besides everyone.</summary>
    private static async Task<bool> AllowedByPolicyAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid from, Guid to, FriendRequestPolicy policy)
    {
        await using var check = new NpgsqlCommand(
            """
            SELECT ($3 AND EXISTS (SELECT 1 FROM relationships a JOIN relationships b ON b.other_id = a.other_id
                                    WHERE a.user_id = $1 AND a.kind = 1 AND b.user_id = $2 AND b.kind = 1))
                OR ($4 AND EXISTS (SELECT 1 FROM guild_members x JOIN guild_members y ON y.guild_id = x.guild_id
                                    WHERE x.user_id = $1 AND y.user_id = $2))
            """, connection, tx);
        check.Parameters.AddWithValue(from);
        check.Parameters.AddWithValue(to);
        check.Parameters.AddWithValue(policy.FriendsOfFriends);
        check.Parameters.AddWithValue(policy.GuildMembers);
        return (bool)(await check.ExecuteScalarAsync())!;
    }

    /// <summary>Deletes both sides of the pair's relationship; false when there was none.</summary>
    public async Task<bool> RemoveAsync(Guid userId, Guid otherId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await LockPairAsync(connection, tx, userId, otherId);
        await using var delete = new NpgsqlCommand(
            "DELETE FROM relationships WHERE (user_id = $1 AND other_id = $2) OR (user_id = $2 AND other_id = $1)", connection, tx);
        delete.Parameters.AddWithValue(userId);
        delete.Parameters.AddWithValue(otherId);
        var removed = await delete.ExecuteNonQueryAsync();
        await tx.CommitAsync();
        return removed > 0;
    }

    /// <summary>
    /// One transaction at a time per pair, whichever side starts it: the key is the same for (a, b)
    /// and (b, a). Two pairs that share a key only wait for each other.
    /// </summary>
    private static async Task LockPairAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid a, Guid b)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, tx);
        command.Parameters.AddWithValue(PairKey(a, b));
        await command.ExecuteNonQueryAsync();
    }

    internal static long PairKey(Guid a, Guid b)
    {
        Span<byte> x = stackalloc byte[16];
        Span<byte> y = stackalloc byte[16];
        a.TryWriteBytes(x);
        b.TryWriteBytes(y);
        long key = 0x4c43_4652_4e44; // "LCFRND": apart from the migration runner's lock.
        for (var i = 0; i < 16; i++)
        {
            key ^= (long)(x[i] ^ y[i]) << (i % 8 * 8);
        }

        return key;
    }
}
