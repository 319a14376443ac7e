using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using LesCopains.Grains.Guilds;
using LesCopains.Testing;

namespace LesCopains.Api.Tests;

/// <summary>Guild icons: <c>PUT/DELETE /api/guilds/{id}/icon</c> and the icons themselves.</summary>
[Collection(UploadsCollection.Name)]
public sealed class GuildIconTests(UploadsCluster cluster)
{
    [Fact]
    public async Task An_icon_is_set_shown_to_members_and_on_invites_replaced_and_removed_live_and_its_bytes_go_with_it()
    {
        using var owner = await GuildClient.NewAsync(cluster, "gi");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1, "Icons");
        using var member = members[0];
        using var stranger = await GuildClient.NewAsync(cluster, "gi");
        await using var memberHub = await member.ConnectHubAsync();
        await using var strangerHub = await stranger.ConnectHubAsync();

        var first = AvatarTests.Picture();
        var sha = await SetAsync(owner, guild.Id, first);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(first)), sha);
        Assert.Contains(AvatarTests.BlobPath(sha), cluster.Files());
        var (_, set) = await memberHub.WaitForAsync("guild:update", e => e.TryGetProperty("icon", out _));
        Assert.Equal(guild.Id, set.GetProperty("guildId").GetGuid());
        Assert.Equal(sha, set.GetProperty("icon").GetString());
        Assert.Equal(sha, (await member.GetGuildAsync(guild.Id)).Icon);
        Assert.Equal(sha, (await member.ListGuildsAsync()).Single(g => g.Id == guild.Id).Icon);

        // The icon's bytes, for members and for whoever holds an invite (its preview names the icon).
        var invite = await owner.CreateInviteAsync(guild.Id, guild.General.Id);
        Assert.Equal(sha, (await stranger.PreviewInviteAsync(invite.Code)).GuildIcon);
        foreach (var viewer in new[] { member, stranger })
        {
            await AvatarTests.AssertServedAsync(cluster, viewer, $"/api/attachments/icons/{sha}", first);
        }

        // An icon is not a profile picture, nor the other way round.
        await member.ExpectErrorAsync(HttpMethod.Get, $"/api/attachments/avatars/{sha}", HttpStatusCode.NotFound, "attachment_not_found");

        // Replaced: the old bytes go, the old address answers 404; the audit log says who.
        var second = await SetAsync(owner, guild.Id, AvatarTests.Picture());
        Assert.DoesNotContain(AvatarTests.BlobPath(sha), cluster.Files());
        await member.ExpectErrorAsync(HttpMethod.Get, $"/api/attachments/icons/{sha}", HttpStatusCode.NotFound, "attachment_not_found");
        await memberHub.WaitForAsync("guild:update", e => e.TryGetProperty("icon", out var icon) && icon.GetString() == second);
        var audit = (await owner.AuditLogAsync(guild.Id)).Where(e => e.Action == "guild_update").ToList();
        Assert.Equal(2, audit.Count);
        Assert.All(audit, e => Assert.Equal(owner.Id, e.ActorId));
        Assert.Equal(sha, audit[0].Changes.GetProperty("icon").GetProperty("old").GetString());
        Assert.Equal(second, audit[0].Changes.GetProperty("icon").GetProperty("new").GetString());

        // Removed: live, gone from the view, and the bytes with it. Removing none again tells nobody.
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/icon");
        await memberHub.WaitForAsync("guild:update", e => e.TryGetProperty("icon", out var icon) && icon.ValueKind == JsonValueKind.Null);
        Assert.Null((await member.GetGuildAsync(guild.Id)).Icon);
        Assert.DoesNotContain(AvatarTests.BlobPath(second), cluster.Files());
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/icon");
        await Task.Delay(300);
        Assert.Equal(3, memberHub.Count("guild:update", e => e.TryGetProperty("icon", out _)));
        Assert.Equal(0, strangerHub.Count("guild:update"));
    }

    [Fact]
    public async Task Only_MANAGE_GUILD_sets_an_icon_and_a_refused_upload_stores_nothing_and_keeps_the_icon()
    {
        using var owner = await GuildClient.NewAsync(cluster, "gi");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 2, "Guarded");
        using var member = members[0];
        using var manager = members[1];
        using var stranger = await GuildClient.NewAsync(cluster, "gi");
        var sha = await SetAsync(owner, guild.Id, AvatarTests.Picture());
        var before = cluster.Files();

        using (var refused = await PutAsync(member, guild.Id, AvatarTests.Picture()))
        {
            await refused.AssertErrorAsync(HttpStatusCode.Forbidden, "missing_permission");
        }

        using (var refused = await PutAsync(stranger, guild.Id, AvatarTests.Picture()))
        {
            await refused.AssertErrorAsync(HttpStatusCode.NotFound, "guild_not_found");
        }

        await member.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/icon", HttpStatusCode.Forbidden, "missing_permission");

        using (var text = await PutAsync(owner, guild.Id, "just some text, not a picture"u8.ToArray()))
        {
            var error = await text.AssertErrorAsync(HttpStatusCode.BadRequest, "validation_failed");
            Assert.StartsWith("file:", error.Message, StringComparison.Ordinal);
        }

        var big = new byte[1024 * 1024 + 1];
        Random.Shared.NextBytes(big);
        UploadTests.Png(64, 64).CopyTo(big, 0);
        using (var tooLarge = await PutAsync(owner, guild.Id, big))
        {
            await tooLarge.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "file_too_large");
        }

        using (var json = await owner.Http.PutAsJsonAsync($"/api/guilds/{guild.Id}/icon", new { file = "x" }))
        {
            await json.AssertErrorAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        }

        Assert.Equal(before, cluster.Files());
        Assert.Equal(sha, (await owner.GetGuildAsync(guild.Id)).Icon);

        // A role with MANAGE_GUILD may.
        var managers = await owner.CreateRoleAsync(guild.Id, "Managers", Permissions.ManageGuild);
        await owner.SetRolesAsync(guild.Id, manager.Id, managers.Id);
        var theirs = await SetAsync(manager, guild.Id, AvatarTests.Picture());
        Assert.Equal(theirs, (await member.GetGuildAsync(guild.Id)).Icon);
    }

    [Fact]
    public async Task Bytes_shared_with_a_profile_picture_stay_and_deleting_the_guild_lets_its_icon_go()
    {
        using var owner = await GuildClient.NewAsync(cluster, "gi");
        var guild = await owner.CreateGuildAsync("Shared");
        var shared = AvatarTests.Picture();
        var sha = await SetAsync(owner, guild.Id, shared);
        using (var avatar = await AvatarTests.PutAsync(owner, shared))
        {
            Assert.Equal(HttpStatusCode.OK, avatar.StatusCode);
        }

        // The icon goes; the picture keeps the bytes, and the icon's address no longer serves them.
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}/icon");
        Assert.Contains(AvatarTests.BlobPath(sha), cluster.Files());
        await owner.ExpectErrorAsync(HttpMethod.Get, $"/api/attachments/icons/{sha}", HttpStatusCode.NotFound, "attachment_not_found");
        await owner.ExpectStatusAsync(HttpMethod.Delete, "/api/users/@me/avatar");
        Assert.DoesNotContain(AvatarTests.BlobPath(sha), cluster.Files());

        // Deleting the guild lets its icon's bytes go.
        var other = await owner.CreateGuildAsync("Doomed");
        var doomed = await SetAsync(owner, other.Id, AvatarTests.Picture());
        await owner.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{other.Id}");
        Assert.DoesNotContain(AvatarTests.BlobPath(doomed), cluster.Files());
        await owner.ExpectErrorAsync(HttpMethod.Get, $"/api/attachments/icons/{doomed}", HttpStatusCode.NotFound, "attachment_not_found");
    }

    private static async Task<HttpResponseMessage> PutAsync(GuildClient user, Guid guildId, byte[] bytes)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", "icon.png" } };
        return await user.Http.PutAsync($"/api/guilds/{guildId}/icon", form);
    }

    private static async Task<string> SetAsync(GuildClient user, Guid guildId, byte[] bytes)
    {
        using var response = await PutAsync(user, guildId, bytes);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("icon").GetString()!;
    }
}
