using LesCopains.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace LesCopains.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class TypingTests(InProcessCluster cluster)
{
    [Fact]
    public async Task Typing_sends_one_event_per_user_and_channel_per_throttle_window()
    {
        using var owner = await GuildClient.NewAsync(cluster, "typ");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 1);
        var general = guild.General.Id;
        var random = await owner.CreateChannelAsync(guild.Id, "random");
        await using var ownerHub = await owner.ConnectHubAsync();
        await using var readerHub = await members[0].ConnectHubAsync();
        var reader = new SocialEvents(readerHub);

        for (var i = 0; i < 5; i++)
        {
            await ownerHub.Connection.InvokeAsync("StartTyping", general);
        }

        await ownerHub.Connection.InvokeAsync("StartTyping", random.Id);
        var typing = await reader.WaitForAsync("typing:start");
        Assert.Equal(owner.Id, typing.GetProperty("user").GetProperty("id").GetGuid());
        Assert.Equal(owner.Tokens.User.DisplayName, typing.GetProperty("user").GetProperty("displayName").GetString());

        var marker = await owner.PostAsync(general, "done typing");
        var markerRandom = await owner.PostAsync(random.Id, "done typing");
        await reader.WaitForMessageAsync(marker.Id);
        await reader.WaitForMessageAsync(markerRandom.Id);
        Assert.Equal(1, reader.Count("typing:start", SocialEvents.InChannel(general)));
        Assert.Equal(1, reader.Count("typing:start", SocialEvents.InChannel(random.Id)));

        // Never stored: typing leaves no row anywhere.
        await using var db = TestEnvironment.OpenDatabase(cluster.DatabaseUrl);
        await using var count = db.CreateCommand("SELECT count(*) FROM messages WHERE channel_id = $1");
        count.Parameters.AddWithValue(general);
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Only_members_who_can_view_the_channel_see_typing_and_outsiders_cannot_type_there()
    {
        using var owner = await GuildClient.NewAsync(cluster, "typ");
        var (guild, members) = await GuildClient.GuildWithMembersAsync(owner, 2);
        var insiders = await owner.CreateRoleAsync(guild.Id, "insiders");
        await owner.SetRolesAsync(guild.Id, members[0].Id, insiders.Id);
        var secret = await owner.CreatePrivateChannelAsync(guild.Id, "secret", insiders.Id);
        await using var ownerHub = await owner.ConnectHubAsync();
        await using var insiderHub = await members[0].ConnectHubAsync();
        await using var outsiderHub = await members[1].ConnectHubAsync();
        var insider = new SocialEvents(insiderHub);
        var outsider = new SocialEvents(outsiderHub);

        await ownerHub.Connection.InvokeAsync("StartTyping", secret.Id);
        await insider.WaitForAsync("typing:start", SocialEvents.InChannel(secret.Id));
        var marker = await owner.PostAsync(guild.General.Id, "marker");
        await outsider.WaitForMessageAsync(marker.Id);
        Assert.Equal(0, outsider.Count("typing:start"));

        var error = await Assert.ThrowsAsync<HubException>(() => outsiderHub.Connection.InvokeAsync("StartTyping", secret.Id));
        Assert.StartsWith("channel_not_found:", error.Message.Split("HubException: ")[^1], StringComparison.Ordinal);
    }
}
