using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LesCopains.Api.Hubs;

/// <summary>
/// A hub message argument that is already JSON: written into the frame as it is, instead of being
/// parsed into a <see cref="JsonElement"/> only to be written out again. Only for JSON this process
/// or a grain wrote with <see cref="JsonSerializer"/>, which is valid by construction.
/// </summary>
[JsonConverter(typeof(Converter))]
public sealed class RawJson(ReadOnlyMemory<byte> utf8)
{
    public ReadOnlyMemory<byte> Utf8 { get; } = utf8;

    public static RawJson FromString(string json) => new(Encoding.UTF8.GetBytes(json));

    /// <summary>The value as a <see cref="JsonElement"/>, for tests and the rare reader.</summary>
    public JsonElement Parse() => JsonSerializer.Deserialize<JsonElement>(Utf8.Span);

    public override string ToString() => Encoding.UTF8.GetString(Utf8.Span);

    private sealed class Converter : JsonConverter<RawJson>
    {
        public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return FromString(document.RootElement.GetRawText());
        }

        public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.Utf8.Span, skipInputValidation: true);
    }
}
