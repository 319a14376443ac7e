using System.Text.Json;
using LesCopains.Grains.Presence;

namespace LesCopains.Grains.Tests;

public class PresenceRulesTests
{
    private static readonly Guid A = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid B = Guid.Parse("00000000-0000-0000-0000-00000000000b");
    private static readonly Guid C = Guid.Parse("00000000-0000-0000-0000-00000000000c");
    private static readonly Guid D = Guid.Parse("00000000-0000-0000-0000-00000000000d");

    [Fact]
    public void Grouped_lists_ids_under_their_status_in_a_fixed_order_and_leaves_empty_groups_out()
    {
        var grouped = PresenceRules.Grouped([
            new MemberPresence(A, PresenceStatus.Offline),
            new MemberPresence(B, PresenceStatus.Dnd),
            new MemberPresence(C, PresenceStatus.Online),
            new MemberPresence(D, PresenceStatus.Dnd),
        ]);

        Assert.Equal(
            """{"online":["00000000-0000-0000-0000-00000000000c"],"dnd":["00000000-0000-0000-0000-00000000000b","00000000-0000-0000-0000-00000000000d"],"offline":["00000000-0000-0000-0000-00000000000a"]}""",
            JsonSerializer.Serialize(grouped, JsonSerializerOptions.Web));
    }

    [Fact]
    public void Invisible_is_listed_as_offline_and_nothing_gives_an_empty_object()
    {
        Assert.Equal(["offline"], PresenceRules.Grouped([new MemberPresence(A, PresenceStatus.Invisible)]).Keys);
        Assert.Empty(PresenceRules.Grouped([]));
    }
}
