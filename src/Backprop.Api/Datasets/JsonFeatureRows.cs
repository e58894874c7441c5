using System.Runtime.ExceptionServices;
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
    private const int ParallelBlockCells = 65_536;

    private DatasetTableBuilder? _table;
    private bool _namesFirst; // featureNames came before the rows: they set the width
    private int _width, _targetIndex;
    private int[][] _start = [[], []], _length = [[], []];
    private int[] _fields = [];

    /// <summary>Reads the rows in <paramref name="block"/>; true once the array has ended, false when the next row is
    /// not complete in it (the reader then stands before that row).</summary>
    /// <param name="shared">The array whose start <paramref name="block"/> is, or null: given, each block of rows is
    /// stored on two threads while the next one is tokenized (<see cref="ReadInParallel"/>); null, block after block on
    /// this thread (the reference the parallel reading is tested against).</param>
    public bool Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> block, byte[]? shared)
    {
        if (_table is null && !Begin(reader)) return false;
        if (shared is not null) return ReadInParallel(ref reader, block, shared);
        var table = _table!;
        while (true)
        {
            int first = table.Rows;
            var (rows, end, plain, ragged) = ReadBlock(ref reader, block, 0, BlockRows);
            if (rows > 0)
                table.AddRows(new JsonCellBlock(block, _start[0], _length[0], _width), rows, _fields, -1,
                    (c, r) => $"$.features[{first + r}][{c}]" is var path ? new CellLocation(path, path) : default);
            if (ragged >= 0) throw Ragged(table.Rows, ragged);
            if (end) return true;
            if (!plain && !ReadOneRow(ref reader, block)) return false;
            if (plain && rows < BlockRows) return false;
        }
    }

    /// <summary>
    /// As the sequential reading, but a full block's rows are stored in column groups on two threads
    /// (<see cref="DatasetTableBuilder.BlockParts{TBlock}"/>) while this thread tokenizes the next block into the other
    /// set of cell positions, then helps. Every block is stored before the step returns (the caller then moves the
    /// buffer's bytes). Errors come in the sequential order: the block's cell problems and limits, its ragged row, then
    /// a JSON syntax error met while tokenizing the next block.
    /// </summary>
    private bool ReadInParallel(ref Utf8JsonReader reader, ReadOnlySpan<byte> block, byte[] shared)
    {
        var table = _table!;
        int set = 0, blockRows = ParallelBlockRows(_width);
        var (rows, end, plain, ragged) = ReadBlock(ref reader, block, set, blockRows);
        while (true)
        {
            bool more = rows == blockRows && ragged < 0 && !end && plain;
            ExceptionDispatchInfo? failed = null;
            var next = (Rows: 0, End: false, Plain: true, Ragged: -1);
            if (rows > 0)
            {
                var parts = new DatasetTableBuilder.BlockParts<JsonCellArrays>(table,
                    new JsonCellArrays(shared, _start[set], _length[set], _width), rows, _fields, -1);
                _ = Task.Run(parts.Help, CancellationToken.None); // faults are rethrown by WaitUntilStored
                if (more)
                {
                    try
                    {
                        next = ReadBlock(ref reader, block, 1 - set, blockRows);
                    }
                    catch (Exception e)
                    {
                        failed = ExceptionDispatchInfo.Capture(e); // thrown after this block's rows, as in order
                    }
                }
                try
                {
                    parts.Help();
                }
                finally
                {
                    parts.WaitUntilStored(); // the block's bytes move only after both threads left them
                }
                int first = table.Rows;
                parts.End((c, r) => $"$.features[{first + r}][{c}]" is var path ? new CellLocation(path, path)
                    : default);
            }
            if (ragged >= 0) throw Ragged(table.Rows, ragged);
            if (end) return true;
            failed?.Throw();
            if (more)
            {
                (rows, end, plain, ragged) = next;
                set = 1 - set;
                continue;
            }
            if (!plain && !ReadOneRow(ref reader, block)) return false;
            if (plain) return false;
            (rows, end, plain, ragged) = ReadBlock(ref reader, block, set, blockRows);
        }
    }

    /// <summary>Rows per parallel block: about <see cref="ParallelBlockCells"/> cells, so that a 1 MiB buffer of wide
    /// rows still holds several blocks to overlap.</summary>
    private static int ParallelBlockRows(int width) => Math.Clamp(ParallelBlockCells / Math.Max(width, 1), 1,
        BlockRows);

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
        _start = [new int[width * BlockRows], new int[width * BlockRows]];
        _length = [new int[width * BlockRows], new int[width * BlockRows]];
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
    private (int Rows, bool End, bool Plain, int Ragged) ReadBlock(ref Utf8JsonReader reader, ReadOnlySpan<byte> block,
        int set, int blockRows)
    {
        var cells = new JsonCellBlock(block, _start[set], _length[set], _width);
        int rows = 0;
        while (rows < blockRows)
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

    /// <summary>A block's cells as <see cref="JsonCellBlock"/> finds them, over the array the block is the start of, for
    /// the threads that store it.</summary>
    private readonly struct JsonCellArrays(byte[] json, int[] start, int[] length, int width) : ICellBlock
    {
        public ReadOnlySpan<byte> Cell(int record, int field) => json.AsSpan(start[record * width + field],
            length[record * width + field]);
    }

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
