using System.Text;
using System.Text.Json;

namespace Backprop.Api.Datasets;

/// <summary>Reading single values and cells from a <see cref="Utf8JsonReader"/> positioned on them.</summary>
internal static class JsonCells
{
    public static void Expect(ref Utf8JsonReader reader, JsonTokenType token, string path, string what)
    {
        if (reader.TokenType != token) throw new InvalidDatasetException(path, $"{path} must be {what}.");
    }

    public static string? ReadString(ref Utf8JsonReader reader, string path) => reader.TokenType switch
    {
        JsonTokenType.String => Text(ref reader, path),
        JsonTokenType.Null => null,
        _ => throw new InvalidDatasetException(path, $"{path} must be a string."),
    };

    public static List<string> ReadStrings(ref Utf8JsonReader reader, string path, int max)
    {
        Expect(ref reader, JsonTokenType.StartArray, path, "an array of strings");
        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String) throw new InvalidDatasetException($"{path}[{list.Count}]",
                $"{path}[{list.Count}] must be a string.");
            if (list.Count == max) throw new InvalidDatasetException(path, $"{path} has more than {max} entries.");
            list.Add(Text(ref reader, $"{path}[{list.Count}]").Trim());
        }
        return list;
    }

    /// <summary>The current string or property name. Its bytes are valid UTF-8 (checked up front), but a \u escape can
    /// still
    /// leave half a surrogate pair, which GetString refuses with InvalidOperationException.</summary>
    /// <summary>Whether the current property name equals <paramref name="utf8"/>; false (not a throw) when the name
    /// holds a broken
    /// \u escape, so that the caller's lookup reports it through <see cref="Text"/> as a validation error.</summary>
    public static bool NameEquals(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8)
    {
        try
        {
            return reader.ValueTextEquals(utf8);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public static string Text(ref Utf8JsonReader reader, string path)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDatasetException(path,
                $"A string in {path} cannot be read: {e.Message} "
                + "(a \\u escape must not leave half of a surrogate pair).");
        }
    }

    /// <summary>Column names must be present, unique and not too long.</summary>
    public static void CheckNames(IReadOnlyList<string> names, string path)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (name.Length == 0) throw new InvalidDatasetException(path, "Column names must not be empty.");
            if (name.Length > DatasetLimits.MaxColumnNameLength)
                throw new InvalidDatasetException(path,
                    $"Column name '{DatasetTableBuilder.Clip(name)}' is longer "
                        + $"than {DatasetLimits.MaxColumnNameLength} characters.");
            if (!seen.Add(name)) throw new InvalidDatasetException(path,
                $"Column name '{name}' is used twice; column names (features and target) must be unique.");
        }
    }

    public static void ReadFeature(ref Utf8JsonReader reader, DatasetTableBuilder table, int column)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                // The number's text (ASCII, never escaped) is the level should the column be categorical.
                table.SetFeature(column, reader.ValueSpan);
                break;
            case JsonTokenType.Null:
                table.SetMissing(column);
                break;
            case JsonTokenType.String:
                table.SetFeature(column, Text(ref reader, "$")); // as a CSV cell: blank = missing, a number, or a level
                break;
            case JsonTokenType.True or JsonTokenType.False:
                table.SetFeature(column, reader.TokenType == JsonTokenType.True ? "true"u8 : "false"u8);
                break;
            default:
                table.Reject(column, $"a {Describe(reader.TokenType)} is not a cell value; feature values must be "
                    + $"numbers, strings, booleans or null.");
                reader.Skip();
                break;
        }
    }

    /// <summary>A target: a string, or a number kept as its JSON text; with classNames an integer is an index into
    /// them.</summary>
    public static void ReadTarget(ref Utf8JsonReader reader, DatasetTableBuilder table, IReadOnlyList<string>?
        classNames)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                table.AddTarget(Text(ref reader, "$"));
                break;
            case JsonTokenType.Number when classNames is not null:
                if (reader.TryGetInt32(out int index) && (uint)index < (uint)classNames.Count)
                    table.AddTarget(classNames[index]);
                else table.Reject(-1,
                    $"{Encoding.UTF8.GetString(reader.ValueSpan)} is not a class index 0..{classNames.Count - 1} "
                        + $"(classNames has {classNames.Count} names).");
                break;
            case JsonTokenType.Number:
                table.AddTarget(reader.ValueSpan);
                break;
            case JsonTokenType.Null:
                table.SetMissing(-1);
                break;
            default:
                table.Reject(-1, $"a {Describe(reader.TokenType)} is not a valid target; use a number or a string (a "
                    + $"class label).");
                reader.Skip();
                break;
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array",
        JsonTokenType.StartObject => "object",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        _ => token.ToString(),
    };
}
