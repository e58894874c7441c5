using System.Text.Json;

namespace Backprop.Api.Predictions;

/// <summary>
/// A <see cref="PredictionResponse"/> as the serializer writes it with the API's options (camelCase properties, nulls
/// written, enums snake_case, dictionary keys as given), token for token; the tests hold the two to the same bytes.
/// </summary>
internal static class PredictionJson
{
    private static readonly Dictionary<TaskKind, string> TaskNames =
        Enum.GetValues<TaskKind>().ToDictionary(t => t, t => JsonNames.Of(t));

    public static void Write(Utf8JsonWriter writer, PredictionResponse response)
    {
        writer.WriteStartObject();
        writer.WriteString("modelId"u8, response.ModelId);
        writer.WriteString("task"u8, TaskNames[response.Task]);
        writer.WritePropertyName("targetNames"u8);
        Strings(writer, response.TargetNames);
        writer.WriteStartArray("predictions"u8);
        foreach (var row in response.Predictions) Row(writer, row);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void Row(Utf8JsonWriter writer, RowPrediction row)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("label"u8);
        if (row.Label is null) writer.WriteNullValue(); else writer.WriteStringValue(row.Label);
        writer.WritePropertyName("classIndex"u8);
        if (row.ClassIndex is { } index) writer.WriteNumberValue(index); else writer.WriteNullValue();
        writer.WritePropertyName("probabilities"u8);
        if (row.Probabilities is null) writer.WriteNullValue();
        else if (row.Probabilities is ProbabilityDictionary view) view.WriteTo(writer);
        else
        {
            writer.WriteStartObject();
            foreach (var (name, p) in row.Probabilities) writer.WriteNumber(name, p);
            writer.WriteEndObject();
        }
        writer.WritePropertyName("values"u8);
        if (row.Values is null) writer.WriteNullValue();
        else
        {
            writer.WriteStartArray();
            foreach (var v in row.Values)
                if (v is { } value) writer.WriteNumberValue(value); else writer.WriteNullValue();
            writer.WriteEndArray();
        }
        writer.WritePropertyName("warnings"u8);
        Strings(writer, row.Warnings);
        writer.WriteEndObject();
    }

    private static void Strings(Utf8JsonWriter writer, IReadOnlyList<string>? values)
    {
        if (values is null) { writer.WriteNullValue(); return; }
        writer.WriteStartArray();
        foreach (var value in values) writer.WriteStringValue(value);
        writer.WriteEndArray();
    }
}
