using System.Text;
using System.Text.Json;

namespace Backprop.Api.Datasets;

/// <summary>
/// Reads <c>records: [{"sepal_length": 5.1, ..., "species": "setosa"}, ...]</c> as they stream in, a whole record at a
/// time: the first record names the columns; later records may order them differently, and a column absent or null in
/// a record is a missing value. The target column must be known before the first record (the parser holds records
/// that come before <c>targetColumn</c> and reads them with <see cref="ReadAll"/> at the end).
/// </summary>
internal sealed class JsonRecordRows(JsonUploadHeader header, DatasetOptions limits)
{
    private List<string> _columns = [];
    private int _target;
    private int[] _featureOf = [];      // column position in the record → feature index, or −1 for the target
    private byte[][] _utf8 = [];
    private Dictionary<string, int> _position = [];
    private bool[] _seen = [];
    private DatasetTableBuilder? _table;

    /// <summary>True when a target was a number read without class names (they would have made it a class
    /// index).</summary>
    public bool NumericTargets { get; private set; }

    /// <summary>Every record of an array already in memory (the reader stands on its start).</summary>
    public static DatasetTable ReadAll(ref Utf8JsonReader records, JsonUploadHeader header, DatasetOptions limits)
    {
        JsonCells.Expect(ref records, JsonTokenType.StartArray, "$.records", "an array of objects, one per row");
        var rows = new JsonRecordRows(header, limits);
        while (records.Read() && records.TokenType != JsonTokenType.EndArray) rows.ReadRecord(ref records);
        return rows.Build();
    }

    /// <summary>Reads the records in <paramref name="block"/>; true once the array has ended, false when the next
    /// record is not complete in it (the reader then stands before that record).</summary>
    public bool Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> block)
    {
        while (true)
        {
            var mark = reader;
            if (!reader.Read()) return false;
            if (reader.TokenType == JsonTokenType.EndArray) return true;
            int start = (int)reader.TokenStartIndex;
            if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject && !reader.TrySkip())
            {
                reader = mark;
                return false;
            }
            var record = new Utf8JsonReader(block[start..(int)reader.BytesConsumed], JsonUploadParser.Options);
            record.Read();
            ReadRecord(ref record);
        }
    }

    public DatasetTable Build()
    {
        if (_table is null) throw new InvalidDatasetException("$.records",
            "$.records has no rows: give one object per row.");
        return _table.Build(header.ClassNames);
    }

    /// <summary>One record; the reader stands on its first token.</summary>
    private void ReadRecord(ref Utf8JsonReader records)
    {
        var table = _table ?? Begin(records);
        var record = $"$.records[{table.Rows}]";
        JsonCells.Expect(ref records, JsonTokenType.StartObject, record, "an object of column: value");
        table.BeginRow();
        Array.Clear(_seen);
        for (int k = 0; records.Read() && records.TokenType == JsonTokenType.PropertyName; k++)
        {
            // Records usually repeat the first record's order; compare in place before allocating the name.
            int at = k < _utf8.Length && JsonCells.NameEquals(ref records, _utf8[k]) ? k : Lookup(ref records, record);
            if (_seen[at]) throw new InvalidDatasetException($"{record}.{_columns[at]}",
                $"{record} has property '{_columns[at]}' more than once.");
            _seen[at] = true;
            records.Read();
            if (_featureOf[at] >= 0) JsonCells.ReadFeature(ref records, table, _featureOf[at]);
            else
            {
                NumericTargets |= records.TokenType == JsonTokenType.Number && header.ClassNames is null;
                JsonCells.ReadTarget(ref records, table, header.ClassNames);
            }
        }
        if (!_seen[_target]) table.SetMissing(-1);
        table.EndRow();
    }

    private DatasetTableBuilder Begin(Utf8JsonReader first)
    {
        _columns = FirstRecordColumns(first);
        _target = TargetIndex(_columns, header.TargetColumn);
        var features = _columns.Where((_, i) => i != _target).ToArray();
        _featureOf = new int[_columns.Count];
        for (int i = 0, f = 0; i < _columns.Count; i++) _featureOf[i] = i == _target ? -1 : f++;
        _utf8 = [.. _columns.Select(Encoding.UTF8.GetBytes)];
        _position = _columns.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i,
            StringComparer.Ordinal);
        _seen = new bool[_columns.Count];
        var columns = _columns;
        int target = _target;
        DatasetTableBuilder table = null!;
        table = new DatasetTableBuilder(features, columns[target], limits, c =>
        {
            var path = $"$.records[{table.Rows - 1}].{(c < 0 ? columns[target] : features[c])}";
            return new CellLocation(path, path);
        });
        return _table = table;
    }

    private int Lookup(ref Utf8JsonReader records, string record)
    {
        var name = JsonCells.Text(ref records, record);
        return _position.TryGetValue(name, out int at) ? at
            : throw new InvalidDatasetException($"{record}.{name}",
                $"{record} has property '{name}', which the first record does not have; "
                + $"every record uses the first record's columns ({string.Join(", ", _columns)}).");
    }

    /// <summary>The first record's property names (the reader stands on the record's first token).</summary>
    private List<string> FirstRecordColumns(Utf8JsonReader records)
    {
        var columns = new List<string>();
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
        if (columns.Count == 0) throw new InvalidDatasetException("$.records",
            "$.records has no rows: give one object per row.");
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
