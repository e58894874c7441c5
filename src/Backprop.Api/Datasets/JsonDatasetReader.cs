using System.Text.Json;
using System.Text.Unicode;

namespace Backprop.Api.Datasets;

/// <summary>What a JSON upload says besides its rows.</summary>
internal sealed class JsonUploadHeader
{
    public string? Name { get; set; }
    public string? Task { get; set; }
    public string? TargetColumn { get; set; }
    public List<string>? FeatureNames { get; set; }
    public List<string>? ClassNames { get; set; }
    public Dictionary<string, ColumnKind>? ColumnTypes { get; set; }
    public string? SampleWeightColumn { get; set; }
}

/// <summary>
/// Reads a JSON upload: <c>{ name, task?, featureNames?, classNames?, targetColumn?, features: [[...]], targets: [...]
/// }</c> or <c>{ name, task?, classNames?, targetColumn, records: [{column: value, ...}] }</c>. The body (already
/// capped at <see cref="DatasetOptions.MaxUploadBytes"/>) is held as UTF-8 bytes and walked once with <see
/// cref="Utf8JsonReader"/>, so properties may come in any order and no value tree is built. Unknown or repeated
/// properties are refused by name.
/// </summary>
internal static class JsonDatasetReader
{
    private static readonly string[] Properties =
        ["name", "task", "targetColumn", "featureNames", "classNames", "features", "targets", "records", "columnTypes",
            "sampleWeightColumn"];

    public static async Task<(JsonUploadHeader Header, DatasetTable Table)> ReadAsync(Stream body,
        DatasetOptions limits, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, ct);
        try
        {
            return Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), limits);
        }
        catch (JsonException e)
        {
            throw new InvalidDatasetException("$",
                $"The body is not valid JSON: {e.Message} (JSON has no NaN or Infinity; numbers must be finite.)");
        }
    }

    internal static (JsonUploadHeader, DatasetTable) Parse(ReadOnlySpan<byte> json, DatasetOptions limits)
    {
        // Utf8JsonReader checks structure, not the bytes inside strings: GetString would throw
        // InvalidOperationException on them.
        if (!Utf8.IsValid(json))
            throw new InvalidDatasetException("$", "The body is not valid UTF-8; send JSON encoded as UTF-8.");
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
        if (!reader.Read())
            throw new InvalidDatasetException("$", "The body is empty: expected a JSON object with 'features' and " +
                "'targets', or 'records' and 'targetColumn'.");
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new InvalidDatasetException("$",
                "The body must be a JSON object with 'features' and 'targets', or 'records' and 'targetColumn'.");
        var header = new JsonUploadHeader();
        Utf8JsonReader features = default, targets = default, records = default;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = JsonCells.Text(ref reader, "$");
            var known = Array.Find(Properties, p => p.Equals(property, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidDatasetException($"$.{property}",
                    $"Unknown property '{property}'; a dataset body has only: {string.Join(", ", Properties)}.");
            if (!seen.Add(known)) throw new InvalidDatasetException($"$.{known}",
                $"Property '{known}' appears more than once.");
            reader.Read();
            switch (known)
            {
                case "name": header.Name = JsonCells.ReadString(ref reader, "$.name"); break;
                case "task": header.Task = JsonCells.ReadString(ref reader, "$.task"); break;
                case "targetColumn": header.TargetColumn = JsonCells.ReadString(ref reader, "$.targetColumn"); break;
                case "featureNames": header.FeatureNames = JsonCells.ReadStrings(ref reader, "$.featureNames",
                    limits.MaxColumns); break;
                case "classNames": header.ClassNames = JsonCells.ReadStrings(ref reader, "$.classNames",
                    int.MaxValue); break;
                case "features": features = reader; reader.Skip(); break;
                case "targets": targets = reader; reader.Skip(); break;
                case "records": records = reader; reader.Skip(); break;
                case "columnTypes": header.ColumnTypes = ReadColumnTypes(ref reader, limits); break;
                case "sampleWeightColumn": header.SampleWeightColumn = JsonCells.ReadString(ref reader,
                    "$.sampleWeightColumn"); break;
            }
        }
        if (reader.Read()) throw new InvalidDatasetException("$", "Unexpected content after the JSON object.");

        if (seen.Contains("records"))
        {
            if (seen.Contains("features") || seen.Contains("targets") || seen.Contains("featureNames"))
                throw new InvalidDatasetException("$", "Send either 'records' (objects with named columns) or " +
                    "'features' + 'targets' (+ 'featureNames'), not both.");
            return (header, JsonRecordsReader.Read(ref records, header, limits));
        }
        if (!seen.Contains("features") || !seen.Contains("targets"))
            throw new InvalidDatasetException("$",
                "Send 'features' (an array of rows, each an array of numbers) with 'targets' (one per row), "
                + "or 'records' (an array of objects) with 'targetColumn'.");
        return (header, ReadRows(ref features, ref targets, header, limits));
    }

    private static DatasetTable ReadRows(ref Utf8JsonReader features, ref Utf8JsonReader targets,
        JsonUploadHeader header, DatasetOptions limits)
    {
        JsonCells.Expect(ref features, JsonTokenType.StartArray, "$.features",
            "an array of rows, each an array of numbers");
        int width = header.FeatureNames?.Count ?? FirstRowWidth(features);
        if (width + 1 > limits.MaxColumns)
            throw new InvalidDatasetException("$.features", $"Rows have {width} features; " +
                $"at most {limits.MaxColumns - 1} are allowed besides the target (Datasets:MaxColumns).");
        var names = header.FeatureNames ?? Enumerable.Range(0, width).Select(i => $"x{i}").ToList();
        var targetName = string.IsNullOrWhiteSpace(header.TargetColumn) ? "target" : header.TargetColumn.Trim();
        JsonCells.CheckNames([.. names, targetName], header.FeatureNames is null ? "$.targetColumn" : "$.featureNames");

        int targetIndex = 0;
        DatasetTableBuilder table = null!;
        table = new DatasetTableBuilder(names, targetName, limits, c =>
        {
            var path = c < 0 ? $"$.targets[{targetIndex}]" : $"$.features[{table.Rows - 1}][{c}]";
            return new CellLocation(path, path);
        });
        while (features.Read() && features.TokenType != JsonTokenType.EndArray)
        {
            var row = $"$.features[{table.Rows}]";
            JsonCells.Expect(ref features, JsonTokenType.StartArray, row, "an array of numbers");
            table.BeginRow();
            int c = 0;
            while (features.Read() && features.TokenType != JsonTokenType.EndArray)
            {
                if (c < width) JsonCells.ReadFeature(ref features, table, c);
                else features.Skip();
                c++;
            }
            if (c != width)
                throw new InvalidDatasetException(row, $"{row} has {c} value(s) but " +
                    $"{(header.FeatureNames is null ? "the first row" : "featureNames")} has {width}; "
                    + "every row needs one value per feature.");
        }
        if (table.Rows == 0) return table.Build();

        JsonCells.Expect(ref targets, JsonTokenType.StartArray, "$.targets", "an array with one target per row");
        for (; targets.Read() && targets.TokenType != JsonTokenType.EndArray; targetIndex++)
            if (targetIndex < table.Rows) JsonCells.ReadTarget(ref targets, table, header.ClassNames);
            else targets.Skip();
        if (targetIndex != table.Rows)
            throw new InvalidDatasetException("$.targets", $"$.targets has {targetIndex} value(s) but $.features " +
                $"has {table.Rows} row(s); give one target per row.");
        return table.Build(header.ClassNames);
    }

    private static Dictionary<string, ColumnKind> ReadColumnTypes(ref Utf8JsonReader reader, DatasetOptions limits)
    {
        JsonCells.Expect(ref reader, JsonTokenType.StartObject, "$.columnTypes",
            "an object of column name to 'numeric', 'categorical' or 'boolean'");
        var types = new Dictionary<string, ColumnKind>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = JsonCells.Text(ref reader, "$.columnTypes");
            if (types.Count >= limits.MaxColumns) throw new InvalidDatasetException("$.columnTypes",
                $"$.columnTypes has more than {limits.MaxColumns} entries.");
            reader.Read();
            types[name] = ColumnSettings.ParseKind(name, JsonCells.ReadString(ref reader, $"$.columnTypes.{name}"));
        }
        return types;
    }

    private static int FirstRowWidth(Utf8JsonReader features)
    {
        if (!features.Read() || features.TokenType != JsonTokenType.StartArray) return 0;
        int width = 0;
        while (features.Read() && features.TokenType != JsonTokenType.EndArray) { features.Skip(); width++; }
        return width;
    }
}
