using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LesCopains.Testing;
using OtpNet;
using static LesCopains.Api.Tests.GuildClient;

namespace LesCopains.Api.Tests;

/// <summary>With two-factor authentication on, deleting a guild or giving it away needs a code, as on Discord.</summary>
[Collection(ApiCollection.Name)]
public sealed class GuardedGuildActionTests(InProcessCluster cluster)
{
    [Fact]
    public async Task An_owner_with_two_factor_deletes_or_transfers_a_guild_only_with_a_code()
    {
        using var owner = await NewAsync(cluster, "mfo");
        var (guild, members) = await GuildWithMembersAsync(owner, 1);
        using var member = members[0];
        var secret = ApiClient.NewTotpSecret();
        var totp = new Totp(Base32Encoding.ToBytes(secret));
        await owner.ExpectAsync<JsonElement>(HttpMethod.Post, "/api/users/@me/mfa/totp/enable",
            new { password = ApiClient.GoodPassword, secret, code = totp.ComputeTotp(DateTime.UtcNow.AddSeconds(-30)) });

        await owner.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}", HttpStatusCode.Forbidden, "mfa_required");
        await owner.ExpectErrorAsync(HttpMethod.Patch, $"/api/guilds/{guild.Id}", HttpStatusCode.Forbidden, "mfa_required", new { ownerId = member.Id });
        await owner.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}", HttpStatusCode.BadRequest, "invalid_mfa_code",
            new { code = totp.ComputeTotp(DateTime.UtcNow.AddMinutes(10)) });
        // A member is refused for want of permission, not asked for a code; a rename needs none.
        await member.ExpectErrorAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}", HttpStatusCode.Forbidden, "missing_permission");
        await owner.ExpectAsync<GuildView>(HttpMethod.Patch, $"/api/guilds/{guild.Id}", new { name = "Renamed" });
        Assert.Equal(owner.Id, (await owner.GetGuildAsync(guild.Id)).OwnerId);

        var given = await owner.ExpectAsync<GuildView>(HttpMethod.Patch, $"/api/guilds/{guild.Id}", new { ownerId = member.Id, code = totp.ComputeTotp() });
        Assert.Equal(member.Id, given.OwnerId);

        // The new owner has no second factor: deleting needs nothing more.
        await member.ExpectStatusAsync(HttpMethod.Delete, $"/api/guilds/{guild.Id}");
    }
}
