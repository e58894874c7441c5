using System.Text.Json;

namespace Backprop.Api.Datasets;

/// <summary>
/// The rows of <c>features: [[...], ...]</c> as they stream in, block by block: rows of plain cells (numbers, unescaped
/// strings, true/false, null) go to the table in blocks, column by column, like CSV rows; a row with anything else is
/// read alone, cell by cell, which reports it. Names given after the rows (<c>featureNames</c>, <c>targetColumn</c>)
/// are applied at the end, and <c>targets</c> are read then, when the class names are known too.
/// </summary>
internal sealed class JsonFeatureRows(JsonUploadHeader header, DatasetOptions limits)
{
    private const int BlockRows = 256;

    private DatasetTableBuilder? _table;
    private bool _namesFirst; // featureNames came before the rows: they set the width
    private int _width, _targetIndex;
    private int[] _start = [], _length = [], _fields = [];

    /// <summary>Reads the rows in <paramref name="block"/>; true once the array has ended, false when the next row is
    /// not complete in it (the reader then stands before that row).</summary>
    public bool Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> block)
    {
        if (_table is null && !Begin(reader)) return false;
        var table = _table!;
        while (true)
        {
            int first = table.Rows;
            var (rows, end, plain, ragged) = ReadBlock(ref reader, block);
            if (rows > 0)
                table.AddRows(new JsonCellBlock(block, _start, _length, _width), rows, _fields, -1,
                    (c, r) => $"$.features[{first + r}][{c}]" is var path ? new CellLocation(path, path) : default);
            if (ragged >= 0) throw Ragged(table.Rows, ragged);
            if (end) return true;
            if (!plain && !ReadOneRow(ref reader, block)) return false;
            if (plain && rows < BlockRows) return false;
        }
    }

    /// <summary>The table, its names as the whole body gave them, with <paramref name="targets"/> (the text of the
    /// targets array) read into it.</summary>
    public DatasetTable Finish(byte[] targets)
    {
        var table = _table ?? Create(0);
        if (header.FeatureNames is { } late && !_namesFirst)
        {
            if (table.Rows > 0 && late.Count != _width) throw new InvalidDatasetException("$.features[0]",
                $"$.features[0] has {_width} value(s) but featureNames has {late.Count}; every row needs one value "
                    + "per feature.");
            if (table.Rows == 0 && late.Count != _width) table = Create(late.Count);
        }
        var (names, target) = Names(_width);
        JsonCells.CheckNames([.. names, target], header.FeatureNames is null ? "$.targetColumn" : "$.featureNames");
        table.Rename(names, target);
        if (table.Rows == 0) return table.Build();

        var reader = new Utf8JsonReader(targets, JsonUploadParser.Options);
        reader.Read();
        JsonCells.Expect(ref reader, JsonTokenType.StartArray, "$.targets", "an array with one target per row");
        for (; reader.Read() && reader.TokenType != JsonTokenType.EndArray; _targetIndex++)
            if (_targetIndex < table.Rows) JsonCells.ReadTarget(ref reader, table, header.ClassNames);
            else reader.Skip();
        if (_targetIndex != table.Rows)
            throw new InvalidDatasetException("$.targets",
                $"$.targets has {_targetIndex} value(s) but $.features has {table.Rows} row(s); give one target per "
                    + $"row.");
        return table.Build(header.ClassNames);
    }

    /// <summary>Sets the width, from featureNames or else the first row (false until that row is complete).</summary>
    private bool Begin(Utf8JsonReader firstRow)
    {
        int width;
        if (header.FeatureNames is { } names)
        {
            width = names.Count;
            _namesFirst = true;
        }
        else if (FirstRowWidth(firstRow) is { } counted) width = counted;
        else return false;
        if (width + 1 > limits.MaxColumns)
            throw new InvalidDatasetException("$.features",
                $"Rows have {width} features; at most {limits.MaxColumns - 1} are allowed besides the target "
                    + $"(Datasets:MaxColumns).");
        // Names given later are checked at the end, with the rest of the body.
        if (_namesFirst)
        {
            var (featureNames, target) = Names(width);
            JsonCells.CheckNames([.. featureNames, target], "$.featureNames");
        }
        _table = Create(width);
        _start = new int[width * BlockRows];
        _length = new int[width * BlockRows];
        _fields = [.. Enumerable.Range(0, width)];
        return true;
    }

    private DatasetTableBuilder Create(int width)
    {
        _width = width;
        var (names, target) = Names(width);
        DatasetTableBuilder table = null!;
        table = new DatasetTableBuilder(names, target, limits, c =>
        {
            var path = c < 0 ? $"$.targets[{_targetIndex}]" : $"$.features[{table.Rows - 1}][{c}]";
            return new CellLocation(path, path);
        });
        return _table = table;
    }

    private (List<string> Features, string Target) Names(int width) => (
        header.FeatureNames ?? [.. Enumerable.Range(0, width).Select(i => $"x{i}")],
        string.IsNullOrWhiteSpace(header.TargetColumn) ? "target" : header.TargetColumn.Trim());

    /// <summary>The first row's cell count (0 when it is not an array), or null while it is not complete.</summary>
    private static int? FirstRowWidth(Utf8JsonReader reader)
    {
        if (!reader.Read()) return null;
        if (reader.TokenType != JsonTokenType.StartArray) return 0;
        int width = 0;
        while (true)
        {
            if (!reader.Read()) return null;
            if (reader.TokenType == JsonTokenType.EndArray) return width;
            if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject && !reader.TrySkip())
                return null;
            width++;
        }
    }

    /// <summary>
    /// Up to a block of complete rows: how many, whether the array ended, whether the row after them has only plain
    /// cells (false: it is read alone), and the cell count of a row with the wrong number (−1 if none; the rows before
    /// it are the block). The reader stands after the last row taken.
    /// </summary>
    private (int Rows, bool End, bool Plain, int Ragged) ReadBlock(ref Utf8JsonReader reader, ReadOnlySpan<byte> block)
    {
        var cells = new JsonCellBlock(block, _start, _length, _width);
        int rows = 0;
        while (rows < BlockRows)
        {
            var mark = reader;
            if (!reader.Read()) return (rows, false, true, -1);
            if (reader.TokenType == JsonTokenType.EndArray) return (rows, true, true, -1);
            if (reader.TokenType != JsonTokenType.StartArray) { reader = mark; return (rows, false, false, -1); }
            int c = 0;
            while (true)
            {
                if (!reader.Read()) { reader = mark; return (rows, false, true, -1); }
                if (reader.TokenType == JsonTokenType.EndArray) break;
                if (c < _width && !cells.Set(ref reader, rows, c)) { reader = mark; return (rows, false, false, -1); }
                if (c >= _width && reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject
                    && !reader.TrySkip()) { reader = mark; return (rows, false, true, -1); }
                c++;
            }
            if (c != _width) return (rows, false, true, c);
            rows++;
        }
        return (rows, false, true, -1);
    }

    /// <summary>One row cell by cell, once it is complete in the block (false before).</summary>
    private bool ReadOneRow(ref Utf8JsonReader reader, ReadOnlySpan<byte> block)
    {
        var mark = reader;
        if (!reader.Read()) return false;
        int start = (int)reader.TokenStartIndex;
        if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject && !reader.TrySkip())
        {
            reader = mark;
            return false;
        }
        var row = new Utf8JsonReader(block[start..(int)reader.BytesConsumed], JsonUploadParser.Options);
        row.Read();
        var table = _table!;
        var path = $"$.features[{table.Rows}]";
        JsonCells.Expect(ref row, JsonTokenType.StartArray, path, "an array of numbers");
        table.BeginRow();
        int c = 0;
        while (row.Read() && row.TokenType != JsonTokenType.EndArray)
        {
            if (c < _width) JsonCells.ReadFeature(ref row, table, c);
            else row.Skip();
            c++;
        }
        if (c != _width) throw Ragged(table.Rows - 1, c);
        return true;
    }

    private InvalidDatasetException Ragged(int row, int cells) => new($"$.features[{row}]",
        $"$.features[{row}] has {cells} value(s) but {(_namesFirst ? "featureNames" : "the first row")} has {_width}; "
            + "every row needs one value per feature.");

    /// <summary>Where each plain cell of a block of rows sits in the block: its UTF-8 text (empty for null).</summary>
    private readonly ref struct JsonCellBlock(ReadOnlySpan<byte> json, int[] start, int[] length, int width)
        : ICellBlock
    {
        private readonly ReadOnlySpan<byte> _json = json;

        public ReadOnlySpan<byte> Cell(int record, int field) => _json.Slice(start[record * width + field],
            length[record * width + field]);

        public bool Set(ref Utf8JsonReader reader, int record, int field)
        {
            int at = record * width + field, first = (int)reader.TokenStartIndex;
            (start[at], length[at]) = reader.TokenType switch
            {
                JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False => (first, reader.ValueSpan.Length),
                JsonTokenType.String when !reader.ValueIsEscaped => (first + 1, reader.ValueSpan.Length),
                JsonTokenType.Null => (first, 0),
                _ => (-1, -1),
            };
            return start[at] >= 0;
        }
    }
}
