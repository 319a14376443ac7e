using LesCopains.Grains.Guilds;
using Npgsql;

namespace LesCopains.Grains.Guilds;

/// <summary>The <c>guild_members</c> table.</summary>
public sealed class GuildMemberStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "m.user_id, m.nickname, m.role_ids, m.joined_at, m.timeout_until";

    public async Task<Member?> GetAsync(Guid guildId, Guid userId)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM guild_members m WHERE m.guild_id = $1 AND m.user_id = $2");
        command.Parameters.AddWithValue(guildId);
        command.Parameters.AddWithValue(userId);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Read(reader) : null;
    }

    /// <summary>Inserts the member; false if already there.</summary>
    public async Task<bool> AddAsync(Guid guildId, Member member)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO guild_members (guild_id, user_id, nickname, role_ids, joined_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING");
        command.Parameters.AddWithValue(guildId);
        command.Parameters.AddWithValue(member.UserId);
        command.Parameters.AddWithValue((object?)member.Nickname ?? DBNull.Value);
        command.Parameters.AddWithValue(member.RoleIds.ToArray());
        command.Parameters.AddWithValue(member.JoinedAt);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    public async Task UpdateAsync(Guid guildId, Member member)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE guild_members SET nickname = $3, role_ids = $4, timeout_until = $5 WHERE guild_id = $1 AND user_id = $2");
        command.Parameters.AddWithValue(guildId);
        command.Parameters.AddWithValue(member.UserId);
        command.Parameters.AddWithValue((object?)member.Nickname ?? DBNull.Value);
        command.Parameters.AddWithValue(member.RoleIds.ToArray());
        command.Parameters.AddWithValue((object?)member.TimeoutUntil ?? DBNull.Value);
        await command.ExecuteNonQueryAsync();
    }

    public async Task RemoveAsync(Guid guildId, Guid userId)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM guild_members WHERE guild_id = $1 AND user_id = $2");
        command.Parameters.AddWithValue(guildId);
        command.Parameters.AddWithValue(userId);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Takes a deleted role off every member that had it.</summary>
    public async Task RemoveRoleAsync(Guid guildId, Guid roleId)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE guild_members SET role_ids = array_remove(role_ids, $2) WHERE guild_id = $1 AND $2 = ANY(role_ids)");
        command.Parameters.AddWithValue(guildId);
        command.Parameters.AddWithValue(roleId);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DeleteGuildAsync(Guid guildId)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM guild_members WHERE guild_id = $1");
        command.Parameters.AddWithValue(guildId);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<int> CountAsync(Guid guildId)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM guild_members WHERE guild_id = $1");
        command.Parameters.AddWithValue(guildId);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// One page of members with their account names, in the member list's order: by shown name
    /// (nickname, else display name, else username; <c>shown_name</c>, kept by triggers, migration 0014)
    /// under ICU's root collation, the order a browser's <c>localeCompare</c> gives, then by user id;
    /// after <paramref name="after"/> (a name and user id). Each comes with the name it was sorted by.
    /// One range of the index on (guild, shown name, user id), whatever the guild's size.
    /// </summary>
    public async Task<IReadOnlyList<(MemberDto Member, string Name)>> PageAsync(Guid guildId, (string Name, Guid UserId)? after, int limit)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {Columns}, a.username, a.display_name, m.shown_name
              FROM guild_members m JOIN accounts a ON a.id = m.user_id
             WHERE m.guild_id = $1 {(after is null ? "" : """AND (m.shown_name, m.user_id) > ($3::text COLLATE "und-x-icu", $4::uuid)""")}
             ORDER BY m.shown_name, m.user_id
             LIMIT $2
            """);
        command.Parameters.AddWithValue(guildId);
        command.Parameters.AddWithValue(limit);
        if (after is { } from)
        {
            command.Parameters.AddWithValue(from.Name);
            command.Parameters.AddWithValue(from.UserId);
        }

        var page = new List<(MemberDto, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            page.Add((Dto(reader), reader.GetString(7)));
        }

        return page;
    }

    /// <summary>
    /// Up to <paramref name="limit"/> members whose shown name or username starts with
    /// <paramref name="prefix"/>, case and accents aside, in the member list's order (migration 0015:
    /// folded copies of both names, indexed with the guild).
    /// </summary>
    public async Task<IReadOnlyList<MemberDto>> SearchAsync(Guid guildId, string prefix, int limit)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {Columns}, a.username, a.display_name
              FROM guild_members m JOIN accounts a ON a.id = m.user_id
             WHERE m.guild_id = $1
               AND (m.search_name LIKE member_search_fold($2) || '%' OR m.search_username LIKE member_search_fold($2) || '%')
             ORDER BY m.shown_name, m.user_id
             LIMIT $3
            """);
        command.Parameters.AddWithValue(guildId);
        // LIKE's own characters match themselves (folding leaves them as they are).
        command.Parameters.AddWithValue(prefix.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal));
        command.Parameters.AddWithValue(limit);
        return await ReadDtosAsync(command);
    }

    /// <summary>The members among <paramref name="userIds"/>, ordered by user id, with their account names.</summary>
    public async Task<IReadOnlyList<MemberDto>> FindAsync(Guid guildId, Guid[] userIds)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {Columns}, a.username, a.display_name
              FROM guild_members m JOIN accounts a ON a.id = m.user_id
             WHERE m.guild_id = $1 AND m.user_id = ANY($2)
             ORDER BY m.user_id
            """);
        command.Parameters.AddWithValue(guildId);
        command.Parameters.AddWithValue(userIds);
        return await ReadDtosAsync(command);
    }

    private static async Task<IReadOnlyList<MemberDto>> ReadDtosAsync(NpgsqlCommand command)
    {
        var found = new List<MemberDto>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found.Add(Dto(reader));
        }

        return found;
    }

    private static MemberDto Dto(NpgsqlDataReader reader)
    {
        var m = Read(reader);
        return new MemberDto(m.UserId, reader.GetString(5), reader.GetString(6), m.Nickname, m.RoleIds, m.JoinedAt, m.TimeoutUntil);
    }

    private static Member Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.IsDBNull(1) ? null : reader.GetString(1),
        reader.GetFieldValue<Guid[]>(2),
        reader.GetFieldValue<DateTimeOffset>(3),
        reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4));
}
