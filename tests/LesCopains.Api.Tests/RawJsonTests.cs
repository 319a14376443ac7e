using System.Text.Json;
using LesCopains.Api.Hubs;

namespace LesCopains.Api.Tests;

public sealed class RawJsonTests
{
    [Fact]
    public void Is_written_into_a_hub_frame_as_the_json_it_holds()
    {
        const string payload = """{"guildId":"0b5c","message":{"content":"caf\u00e9 \ud83d\udc4d","seq":7}}""";

        var frame = JsonSerializer.Serialize(new { type = 1, target = "message:create", arguments = new object[] { RawJson.FromString(payload) } });

        Assert.Equal($$"""{"type":1,"target":"message:create","arguments":[{{payload}}]}""", frame);
        Assert.Equal("café 👍", JsonDocument.Parse(frame).RootElement.GetProperty("arguments")[0].GetProperty("message").GetProperty("content").GetString());
    }
}
