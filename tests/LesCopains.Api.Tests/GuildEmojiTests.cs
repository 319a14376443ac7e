using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using LesCopains.Grains.Guilds;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

/// <summary>Guild emoji: <c>POST/PATCH/DELETE /api/guilds/{id}/emojis</c> and their pictures.</summary>
[Collection(UploadsCollection.Name)]
public sealed class GuildEmojiTests(UploadsCluster cluster)
{
    private sealed record Emoji(Guid Id, string Name, string Image, Guid CreatorId, DateTimeOffset CreatedAt);

    [Fact]
    public async Task An_emoji_is_added_shown_to_members_renamed_and_removed_live_with_its_bytes()
    {
        using var owner = await GuildClient.NewAsync(cluster, "em");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1, "Emoji");
        using var member = members[0];
        using var stranger = await GuildClient.NewAsync(cluster, "em");
        await using var memberHub = await member.ConnectHubAsync();

        var bytes = AvatarTests.Picture();
        var emoji = await AddAsync(owner, guild.Id, "party_parrot", bytes);
        Assert.Equal("party_parrot", emoji.Name);
        Assert.Equal(owner.Id, emoji.CreatorId);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), emoji.Image);
        var (_, created) = await memberHub.WaitForAsync("emoji:create");
        Assert.Equal(guild.Id, created.GetProperty("guildId").GetGuid());
        Assert.Equal(emoji.Id, created.GetProperty("emoji").GetProperty("id").GetGuid());
        var listed = Assert.Single((await member.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/guilds/{guild.Id}")).GetProperty("emojis").EnumerateArray());
        Assert.Equal("party_parrot", listed.GetProperty("name").GetString());

        // Anyone signed in loads the picture (a message quoting it may travel); nobody anonymous.
        await AvatarTests.AssertServedAsync(cluster, stranger, $"/api/attachments/emojis/{emoji.Image}", bytes);

        await member.ExpectErrorAsync(HttpMethod.Get, $"/api/attachments/icons/{emoji.Image}", HttpStatusCode.NotFound, "attachment_not_found");

        // Renamed, live; a name another emoji has (whatever its case) is refused.
        var renamed = await owner.ExpectAsync<Emoji>(HttpMethod.Patch, $"/api/guilds/{guild.Id}/emojis/{emoji.Id}", new { name = "parrot" });
        Assert.Equal("parrot", renamed.Name);
        await memberHub.WaitForAsync("emoji:update", e => e.GetProperty("emoji").GetProperty("name").GetString() == "parrot");
        await AddAsync(owner, guild.Id, "cat", AvatarTests.Picture());
        var taken = await owner.ExpectErrorAsync(HttpMethod.Patch, $"/api/guilds/{guild.Id}/emojis/{emoji.Id}", HttpStatusCode.BadRequest, "validation_failed", new { name = "CAT" });
        Assert.StartsWith("name:", taken.Message, StringComparison.Ordinal);

        // Removed: live, gone from the view, its bytes and its address with it; the audit log has all three.
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/emojis/{emoji.Id}");
        var (_, deleted) = await memberHub.WaitForAsync("emoji:delete");
        Assert.Equal(emoji.Id, deleted.GetProperty("emojiId").GetGuid());
        Assert.DoesNotContain(AvatarTests.BlobPath(emoji.Image), cluster.Files());
        await member.ExpectErrorAsync(HttpMethod.Get, $"/api/attachments/emojis/{emoji.Image}", HttpStatusCode.NotFound, "attachment_not_found");
        Assert.Equal(["cat"], (await member.ExpectAsync<JsonElement>(HttpMethod.Get, $"/api/guilds/{guild.Id}")).GetProperty("emojis").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        await owner.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/emojis/{emoji.Id}", HttpStatusCode.NotFound, "emoji_not_found");
        var actions = (await owner.AuditLogAsync(guild.Id)).Select(e => e.Action).ToList();
        Assert.Equal(2, actions.Count(a => a == "emoji_create"));
        Assert.Contains("emoji_update", actions);
        Assert.Contains("emoji_delete", actions);

        // Deleting the guild lets the rest of its emoji go.
        var cat = (await owner.GetGuildAsync(guild.Id)).Emojis!.Single();
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}");
        Assert.DoesNotContain(AvatarTests.BlobPath(cat.Image), cluster.Files());
    }

    [Fact]
    public async Task Only_MANAGE_GUILD_EXPRESSIONS_adds_emoji_and_a_refused_one_stores_nothing()
    {
        using var owner = await GuildClient.NewAsync(cluster, "em");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 2, "Guarded emoji");
        using var member = members[0];
        using var curator = members[1];
        using var stranger = await GuildClient.NewAsync(cluster, "em");
        var kept = await AddAsync(owner, guild.Id, "kept", AvatarTests.Picture());
        var before = cluster.Files();

        await ExpectRefusedAsync(member, guild.Id, "nope", AvatarTests.Picture(), HttpStatusCode.Forbidden, "missing_permission");
        await ExpectRefusedAsync(stranger, guild.Id, "nope", AvatarTests.Picture(), HttpStatusCode.NotFound, "guild_not_found");
        await member.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/emojis/{kept.Id}", HttpStatusCode.Forbidden, "missing_permission");
        await member.ExpectErrorAsync(HttpMethod.Patch, $"/api/guilds/{guild.Id}/emojis/{kept.Id}", HttpStatusCode.Forbidden, "missing_permission", new { name = "mine" });
        foreach (var bad in new[] { "a", "has space", "trop-de-tirets", new string('x', 33), "" })
        {
            await ExpectRefusedAsync(owner, guild.Id, bad, AvatarTests.Picture(), HttpStatusCode.BadRequest, "validation_failed");
        }

        await ExpectRefusedAsync(owner, guild.Id, "KEPT", AvatarTests.Picture(), HttpStatusCode.BadRequest, "validation_failed");
        await ExpectRefusedAsync(owner, guild.Id, "text", "not a picture"u8.ToArray(), HttpStatusCode.BadRequest, "validation_failed");
        var big = new byte[256 * 1024 + 1];
        Random.Shared.NextBytes(big);
        UploadTests.Png(64, 64).CopyTo(big, 0);
        await ExpectRefusedAsync(owner, guild.Id, "big", big, HttpStatusCode.RequestEntityTooLarge, "file_too_large");
        Assert.Equal(before, cluster.Files());
        Assert.Equal(["kept"], (await owner.GetGuildAsync(guild.Id)).Emojis!.Select(e => e.Name));

        // A role with the permission may; the permission is guild-wide.
        var curators = await owner.CreateRoleAsync(guild.Id, "Curators", Permissions.ManageGuildExpressions);
        await owner.SetRolesAsync(guild.Id, curator.Id, curators.Id);
        await AddAsync(curator, guild.Id, "curated", AvatarTests.Picture());

        // At most 50.
        for (var i = 2; i < 50; i++)
        {
            await AddAsync(owner, guild.Id, $"e{i}", AvatarTests.Picture());
        }

        before = cluster.Files();
        await ExpectRefusedAsync(owner, guild.Id, "one_too_many", AvatarTests.Picture(), HttpStatusCode.BadRequest, "limit_reached");
        Assert.Equal(before, cluster.Files());
    }

    [Fact]
    public async Task A_guild_emoji_is_a_reaction_kept_by_its_id_through_a_rename_and_another_guilds_is_refused()
    {
        using var owner = await GuildClient.NewAsync(cluster, "em");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1, "Reactions");
        using var member = members[0];
        var other = await owner.CreateGuildAsync("Elsewhere");
        var parrot = await AddAsync(owner, guild.Id, "parrot", AvatarTests.Picture());
        var foreign = await AddAsync(owner, other.Id, "foreign", AvatarTests.Picture());
        var message = await owner.PostAsync(guild.General.Id, "coucou");
        var key = $"<:{parrot.Id}>";

        var reaction = await member.ReactAsync(guild.General.Id, message.Id, key);
        Assert.Equal(new SocialRoutes.Reaction(key, 1, true), reaction);
        // Renamed, it stays the same reaction.
        await owner.ExpectAsync<Emoji>(HttpMethod.Patch, $"/api/guilds/{guild.Id}/emojis/{parrot.Id}", new { name = "perroquet" });
        Assert.Equal(2, (await owner.ReactAsync(guild.General.Id, message.Id, key)).Count);
        Assert.Equal([new SocialRoutes.Reaction(key, 2, true)], (await owner.HistoryAsync(guild.General.Id)).Single().Reactions);

        // Another guild's emoji, an unknown one, or the message markup instead of the key: refused.
        await member.ExpectErrorAsync(HttpMethod.Put, SocialRoutes.ReactionPath(guild.General.Id, message.Id, $"<:{foreign.Id}>"), HttpStatusCode.NotFound, "emoji_not_found");
        await member.ExpectErrorAsync(HttpMethod.Put, SocialRoutes.ReactionPath(guild.General.Id, message.Id, $"<:{Guid.NewGuid()}>"), HttpStatusCode.NotFound, "emoji_not_found");
        await member.ExpectErrorAsync(HttpMethod.Put, SocialRoutes.ReactionPath(guild.General.Id, message.Id, $"<:parrot:{parrot.Id}>"), HttpStatusCode.BadRequest, "validation_failed");

        // Removed from the guild: no new reactions with it, but taking one back still works.
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/emojis/{parrot.Id}");
        var fresh = await owner.PostAsync(guild.General.Id, "encore");
        await member.ExpectErrorAsync(HttpMethod.Put, SocialRoutes.ReactionPath(guild.General.Id, fresh.Id, key), HttpStatusCode.NotFound, "emoji_not_found");
        Assert.Equal(1, (await member.UnreactAsync(guild.General.Id, message.Id, key)).Count);
    }

    private static async Task<Emoji> AddAsync(GuildClient user, Guid guildId, string name, byte[] bytes)
    {
        using var response = await PostAsync(user, guildId, name, bytes);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Emoji>(JsonSerializerOptions.Web))!;
    }

    private static async Task ExpectRefusedAsync(GuildClient user, Guid guildId, string name, byte[] bytes, HttpStatusCode status, string code)
    {
        using var response = await PostAsync(user, guildId, name, bytes);
        await response.AssertErrorAsync(status, code);
    }

    private static async Task<HttpResponseMessage> PostAsync(GuildClient user, Guid guildId, string name, byte[] bytes)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", "emoji.png" } };
        return await user.Http.PostAsync($"/api/guilds/{guildId}/emojis?name={Uri.EscapeDataString(name)}", form);
    }
}
