using System.Text;
using System.Text.Json;

namespace Backprop.Api.Datasets;

/// <summary>
/// Reads <c>records: [{"sepal_length": 5.1, ..., "species": "setosa"}, ...]</c>: the first record names the columns;
/// later records may order them differently, and a column absent or null in a record is a missing value.
/// </summary>
internal static class JsonRecordsReader
{
    public static DatasetTable Read(ref Utf8JsonReader records, JsonUploadHeader header, DatasetOptions limits)
    {
        JsonCells.Expect(ref records, JsonTokenType.StartArray, "$.records", "an array of objects, one per row");
        var columns = FirstRecordColumns(records, limits);
        if (columns.Count == 0) throw new InvalidDatasetException("$.records",
            "$.records has no rows: give one object per row.");
        int target = TargetIndex(columns, header.TargetColumn);
        var features = columns.Where((_, i) => i != target).ToArray();
        // Column position in the record → feature index, or −1 for the target.
        var featureOf = new int[columns.Count];
        for (int i = 0, f = 0; i < columns.Count; i++) featureOf[i] = i == target ? -1 : f++;
        var utf8 = columns.Select(Encoding.UTF8.GetBytes).ToArray();
        var position = columns.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i,
            StringComparer.Ordinal);

        DatasetTableBuilder table = null!;
        table = new DatasetTableBuilder(features, columns[target], limits, c =>
        {
            var path = $"$.records[{table.Rows - 1}].{(c < 0 ? columns[target] : features[c])}";
            return new CellLocation(path, path);
        });
        var seen = new bool[columns.Count];
        while (records.Read() && records.TokenType != JsonTokenType.EndArray)
        {
            var record = $"$.records[{table.Rows}]";
            JsonCells.Expect(ref records, JsonTokenType.StartObject, record, "an object of column: value");
            table.BeginRow();
            Array.Clear(seen);
            for (int k = 0; records.Read() && records.TokenType == JsonTokenType.PropertyName; k++)
            {
                // Records usually repeat the first record's order; compare in place before allocating the name.
                int at = k < utf8.Length && JsonCells.NameEquals(ref records, utf8[k]) ? k : Lookup(ref records,
                    position, record, columns);
                if (seen[at]) throw new InvalidDatasetException($"{record}.{columns[at]}",
                    $"{record} has property '{columns[at]}' more than once.");
                seen[at] = true;
                records.Read();
                if (featureOf[at] >= 0) JsonCells.ReadFeature(ref records, table, featureOf[at]);
                else JsonCells.ReadTarget(ref records, table, header.ClassNames);
            }
            if (!seen[target]) table.SetMissing(-1);
            table.EndRow();
        }
        return table.Build(header.ClassNames);
    }

    private static int Lookup(ref Utf8JsonReader records, Dictionary<string, int> position, string record,
        List<string> columns)
    {
        var name = JsonCells.Text(ref records, record);
        return position.TryGetValue(name, out int at) ? at
            : throw new InvalidDatasetException($"{record}.{name}",
                $"{record} has property '{name}', which the first record does not have; "
                + $"every record uses the first record's columns ({string.Join(", ", columns)}).");
    }

    private static List<string> FirstRecordColumns(Utf8JsonReader records, DatasetOptions limits)
    {
        var columns = new List<string>();
        if (!records.Read() || records.TokenType == JsonTokenType.EndArray) return columns;
        JsonCells.Expect(ref records, JsonTokenType.StartObject, "$.records[0]", "an object of column: value");
        while (records.Read() && records.TokenType == JsonTokenType.PropertyName)
        {
            columns.Add(JsonCells.Text(ref records, "$.records[0]"));
            if (columns.Count > limits.MaxColumns)
                throw new InvalidDatasetException("$.records[0]",
                    $"Records have more than {limits.MaxColumns} columns (Datasets:MaxColumns).");
            records.Read();
            records.Skip();
        }
        JsonCells.CheckNames(columns, "$.records[0]");
        return columns;
    }

    private static int TargetIndex(List<string> columns, string? targetColumn)
    {
        var list = string.Join(", ", columns);
        if (string.IsNullOrWhiteSpace(targetColumn))
            throw new InvalidDatasetException("$.targetColumn",
                $"Name the property to predict with targetColumn; the records have: {list}.");
        // Property names are kept as written, so one with spaces around it is found as given as well as trimmed.
        int index = columns.IndexOf(targetColumn) is >= 0 and var exact ? exact : columns.IndexOf(targetColumn.Trim());
        if (index < 0)
            throw new InvalidDatasetException("$.targetColumn",
                $"The target column '{targetColumn}' is not a property of the first record ({list}).");
        if (columns.Count < 2)
            throw new InvalidDatasetException("$.records[0]", "Records need at least one feature besides the target.");
        return index;
    }
}
