using System.Text.Json;
using System.Text.Json.Serialization;

namespace Backprop.Api.Infrastructure;

/// <summary>Enums as their snake_case names (<c>leaky_relu</c>); an unknown name is refused with the accepted ones and
/// the closest.</summary>
public sealed class ApiEnumConverterFactory : JsonConverterFactory
{
    /// <summary>Marks the converter's own messages, which need no rewording.</summary>
    internal const string NotOneOf = "is not one of";

    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(ApiEnumConverter<>).MakeGenericType(typeToConvert))!;
}

/// <summary>One enum's names: the snake_case name on the wire; the C# name is also read, so documents stored by older
/// versions still load.</summary>
public sealed class ApiEnumConverter<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
{
    /// <summary>The accepted names, in declaration order.</summary>
    public static readonly IReadOnlyList<string> Names = Enum.GetValues<TEnum>().Select(v => JsonNames.Of(v)).ToArray();

    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new JsonException($"A {reader.TokenType.ToString().ToLowerInvariant()} " +
                $"{ApiEnumConverterFactory.NotOneOf} {string.Join(", ", Names)} (give the name as a string).");
        return Parse(reader.GetString()!);
    }

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
        writer.WriteStringValue(JsonNames.Of(value));

    public override TEnum ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert,
        JsonSerializerOptions options) => Parse(reader.GetString()!);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
        writer.WritePropertyName(JsonNames.Of(value));

    private static TEnum Parse(string text)
    {
        if (JsonNames.TryParse<TEnum>(text) is { } value) return value;
        var closest = NameSuggestions.Closest(text, Names.ToArray());
        throw new JsonException($"'{text}' {ApiEnumConverterFactory.NotOneOf} {string.Join(", ", Names)}."
            + (closest is null ? "" : $" Did you mean {closest}?"));
    }
}
