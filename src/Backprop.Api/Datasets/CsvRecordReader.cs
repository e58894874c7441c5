using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Backprop.Api.Datasets;

/// <summary>
/// RFC 4180 tokenizer over UTF-8 bytes read from a <see cref="Stream"/> in large blocks: fields separated by commas,
/// records by CRLF, LF or CR; a field that starts with a quote runs to the closing quote, and "" inside it is one quote
/// (unescaped in place, line breaks inside quotes read as "\n"). Completely empty lines are skipped; a UTF-8 byte order
/// mark is skipped. Fields are spans of the block, so a record costs no allocation; a record that is not plain ASCII is
/// checked to be UTF-8 without control characters. Blocks alternate between two buffers, so the block before the one
/// being read stays valid: another thread may store its cells meanwhile.
/// </summary>
internal sealed class CsvRecordReader(Stream stream, int bufferBytes = CsvRecordReader.BufferBytes) : IDisposable
{
    public const int BufferBytes = 1 << 20;

    /// <summary>The bytes of <see cref="Unquoted"/> as a table, for the scalar scan of short fields.</summary>
    private static readonly bool[] EndsUnquoted = [.. Enumerable.Range(0, 256).Select(b => b is ',' or '"' or '\r' or
        '\n' or 0x7F || (b < 32 && b != '\t'))];

    /// <summary>Bytes that end an unquoted run: separators, quotes and the control characters a cell may not hold (tab
    /// may).</summary>
    private static readonly SearchValues<byte> Unquoted = SearchValues.Create(
        [(byte)',', (byte)'"', (byte)'\r', (byte)'\n', 0x7F, .. Enumerable.Range(0, 32).Where(b => b != '\t').Select(b
            => (byte)b)]);
    private static readonly SearchValues<byte> Quoted = SearchValues.Create(
        [(byte)'"', 0x7F, .. Enumerable.Range(0, 32).Where(b => b != '\t').Select(b => (byte)b)]);

    private readonly CsvBlock[] _blocks = [new(bufferBytes), new(bufferBytes)];
    private CsvBlock _block = null!;
    private byte[] _buffer = [];
    private int _start, _end, _line = 1, _base, _records;
    private bool _eof, _skipLf, _first = true;
    private int[] _fieldStart = [], _fieldLength = [];
    private bool[] _unescape = [];
    private Exception? _pending;

    /// <summary>
    /// Reads the next block: up to <paramref name="maxRecords"/> records, as many as the buffer holds (at least one
    /// unless the input has ended), in the other buffer than the last block's, so that the last block's fields stay
    /// valid until the next call. An input error (or a failed read of the stream) after the block's first record is
    /// thrown by the next call, so that the records before it are used first, as a reader going record by record would.
    /// </summary>
    public async ValueTask<CsvBlock> ReadBlockAsync(int maxRecords, CancellationToken ct)
    {
        if (_pending is { } error) { _pending = null; throw error; }
        Switch();
        while (true)
        {
            try
            {
                while (_records < maxRecords && TryRecord()) { }
            }
            catch (InvalidDatasetException e) when (_records > 0)
            {
                return Defer(e);
            }
            if (_records == maxRecords || _eof) return Done();
            if (_records > 0 && _end == _buffer.Length) return Done();
            try
            {
                await FillAsync(ct);
            }
            catch (Exception e) when (_records > 0)
            {
                return Defer(e);
            }
        }
    }

    /// <summary>Continues in the other buffer: the bytes not yet parsed move there.</summary>
    private void Switch()
    {
        var block = _block == _blocks[0] ? _blocks[1] : _blocks[0];
        int left = _end - _start;
        if (block.Buffer.Length < left) block.Grow(left);
        _buffer.AsSpan(_start, left).CopyTo(block.Buffer);
        (_block, _buffer, _start, _end) = (block, block.Buffer, 0, left);
        (_fieldStart, _fieldLength, _unescape) = (block.FieldStart, block.FieldLength, block.Unescape);
        _records = _base = 0;
    }

    private CsvBlock Defer(Exception e)
    {
        _pending = e;
        return Done();
    }

    private CsvBlock Done()
    {
        _block.Records = _records;
        return _block;
    }

    private async ValueTask FillAsync(CancellationToken ct)
    {
        if (_start > 0 && _records == 0) // no field of this block points into the buffer yet
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) // one record longer than the buffer
        {
            _block.Grow(_buffer.Length * 2);
            _buffer = _block.Buffer;
        }
        int read = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
        _end += read;
        _eof = read == 0;
        if (_first && (_end >= 3 || _eof))
        {
            _first = false;
            if (_buffer.AsSpan(0, _end).StartsWith("\uFEFF"u8)) _start = 3;
        }
    }

    /// <summary>Parses one record from the buffered bytes; false when they end before it does (and the input has
    /// more).</summary>
    private bool TryRecord()
    {
        if (_first) return false;
        var data = _buffer.AsSpan(0, _end);
        int pos = _start, line = _line, count = 0, recordLine = _line;
        bool skipLf = _skipLf;
        if (skipLf && pos < _end)
        {
            if (data[pos] == '\n') pos++;
            skipLf = false;
        }
        while (true) // blank lines
        {
            if (pos == _end)
            {
                if (!_eof) return false;
                _start = pos; _skipLf = skipLf;
                return false;
            }
            if (data[pos] is not ((byte)'\r' or (byte)'\n')) break;
            line++;
            if (data[pos] == '\r' && pos + 1 < _end && data[pos + 1] == '\n') pos++;
            else if (data[pos] == '\r' && pos + 1 == _end && !_eof) return false;
            pos++;
        }
        recordLine = line;
        int recordStart = pos;
        while (true)
        {
            if (_base + count == _fieldStart.Length) GrowFields();
            _unescape[_base + count] = false;
            if (pos < _end && data[pos] == '"')
            {
                int quoteLine = line, fieldStart = ++pos;
                while (true)
                {
                    int at = pos < _end ? data[pos..].IndexOfAny(Quoted) : -1;
                    if (at < 0)
                    {
                        if (!_eof) return false;
                        throw new InvalidDatasetException("file",
                            $"Line {quoteLine}: a quoted field is never closed (the input ends inside it).");
                    }
                    pos += at;
                    byte b = data[pos];
                    if (b == '"')
                    {
                        if (pos + 1 == _end && !_eof) return false;
                        if (pos + 1 < _end && data[pos + 1] == '"') { pos += 2; _unescape[_base + count] = true;
                            continue; }
                        break;
                    }
                    if (b is (byte)'\r' or (byte)'\n')
                    {
                        if (b == '\r' && pos + 1 == _end && !_eof) return false;
                        line++;
                        _unescape[_base + count] = true;
                        pos += b == '\r' && pos + 1 < _end && data[pos + 1] == '\n' ? 2 : 1;
                        continue;
                    }
                    throw Control(line, count, b);
                }
                _fieldStart[_base + count] = fieldStart;
                _fieldLength[_base + count++] = pos - fieldStart;
                pos++; // the closing quote
                if (pos == _end)
                {
                    if (!_eof) return false;
                    return Finish(recordStart, pos, pos, line, recordLine, count, skipLf: false);
                }
                byte next = data[pos];
                if (next == ',') { pos++; continue; }
                if (next is (byte)'\r' or (byte)'\n') return EndOfLine(data, recordStart, pos, line, recordLine, count);
                throw new InvalidDatasetException("file",
                    $"Line {line}: '{(char)next}' after the closing quote of a quoted field; a closing quote must be "
                    + "followed by a comma or the end of the line (write a quote inside a quoted field as \"\").");
            }
            int start = pos;
            // Most cells are short numbers: a few table lookups beat a vector search's setup.
            int scalarEnd = Math.Min(_end, pos + 16);
            while (pos < scalarEnd && !EndsUnquoted[data[pos]]) pos++;
            int found = pos < scalarEnd ? 0 : data[pos..].IndexOfAny(Unquoted);
            if (found < 0)
            {
                if (!_eof) return false;
                _fieldStart[_base + count] = start;
                _fieldLength[_base + count++] = _end - start;
                return Finish(recordStart, _end, _end, line, recordLine, count, skipLf: false);
            }
            pos += found;
            _fieldStart[_base + count] = start;
            _fieldLength[_base + count++] = pos - start;
            byte c = data[pos];
            if (c == ',') { pos++; continue; }
            if (c is (byte)'\r' or (byte)'\n') return EndOfLine(data, recordStart, pos, line, recordLine, count);
            if (c == '"')
                throw new InvalidDatasetException("file",
                    $"Line {line}: a quote inside an unquoted field. Enclose the field in quotes and double "
                    + "any quote inside it (RFC 4180), e.g. \"say \"\"hi\"\"\".");
            throw Control(line, count - 1, c);
        }
    }

    private bool EndOfLine(ReadOnlySpan<byte> data, int recordStart, int pos, int line, int recordLine, int count)
    {
        bool cr = data[pos] == '\r';
        int next = pos + 1;
        if (cr && next < _end && data[next] == '\n') { next++; cr = false; }
        return Finish(recordStart, pos, next, line + 1, recordLine, count, skipLf: cr);
    }

    private bool Finish(int recordStart, int recordEnd, int next, int line, int recordLine, int count, bool skipLf)
    {
        var record = _buffer.AsSpan(recordStart, recordEnd - recordStart);
        if (!Ascii.IsValid(record)) CheckText(recordLine, count);
        for (int f = _base; f < _base + count; f++)
            if (_unescape[f]) Unescape(f);
        _block.AddRecord(_records++, _base, count, recordLine);
        _base += count;
        _line = line;
        _start = next;
        _skipLf = skipLf;
        return true;
    }

    /// <summary>"" → " and CRLF or CR → LF, in place (the field only shrinks).</summary>
    private void Unescape(int field)
    {
        var span = _buffer.AsSpan(_fieldStart[field], _fieldLength[field]);
        int w = 0;
        for (int r = 0; r < span.Length; r++)
        {
            byte b = span[r];
            if (b == '"') r++;
            else if (b == '\r') { b = (byte)'\n'; if (r + 1 < span.Length && span[r + 1] == '\n') r++; }
            span[w++] = b;
        }
        _fieldLength[field] = w;
    }

    /// <summary>A record with non-ASCII bytes: each field must be UTF-8 without C1 control characters.</summary>
    private void CheckText(int recordLine, int count)
    {
        for (int f = 0; f < count; f++)
        {
            var field = _buffer.AsSpan(_fieldStart[_base + f], _fieldLength[_base + f]);
            if (Ascii.IsValid(field)) continue;
            int line = recordLine + LineBreaks(field);
            if (!Utf8.IsValid(field))
                throw new InvalidDatasetException("file",
                    $"Line {line}, column {f + 1}: bytes that are not valid UTF-8; save the file as UTF-8.");
            foreach (var rune in Encoding.UTF8.GetString(field).EnumerateRunes())
                if (Rune.IsControl(rune) && rune.Value >= 0x80)
                    throw Control(line, f, rune.Value);
        }
    }

    private static int LineBreaks(ReadOnlySpan<byte> field)
    {
        int breaks = 0;
        for (int i = 0; i < field.Length; i++)
            if (field[i] == '\n' || (field[i] == '\r' && (i + 1 == field.Length || field[i + 1] != '\n'))) breaks++;
        return breaks;
    }

    // Control characters are never data: "2\0" must not read as 2. Tabs pass (whitespace around numbers).
    private static InvalidDatasetException Control(int line, int field, int c) =>
        new("file", $"Line {line}, column {field + 1}: control character U+{c:X4}; remove it (only tabs and, inside "
            + $"quotes, line breaks are allowed).");

    private void GrowFields()
    {
        _block.GrowFields();
        (_fieldStart, _fieldLength, _unescape) = (_block.FieldStart, _block.FieldLength, _block.Unescape);
    }

    public void Dispose()
    {
        foreach (var block in _blocks) block.Dispose();
        _buffer = [];
    }
}

/// <summary>Records the reader parsed into one of its buffers: each record's fields as spans of the buffer.</summary>
internal sealed class CsvBlock(int bufferBytes) : ICellBlock, IDisposable
{
    private int[] _recordBase = new int[16], _recordFields = new int[16], _recordLine = new int[16];

    public byte[] Buffer { get; private set; } = ArrayPool<byte>.Shared.Rent(bufferBytes);
    public int[] FieldStart { get; private set; } = new int[1024];
    public int[] FieldLength { get; private set; } = new int[1024];
    public bool[] Unescape { get; private set; } = new bool[1024];

    public int Records { get; internal set; }
    /// <summary>1-based line on which a record of the block starts.</summary>
    public int LineOf(int record) => _recordLine[record];
    public int FieldCountOf(int record) => _recordFields[record];
    public ReadOnlySpan<byte> Cell(int record, int field) =>
        Buffer.AsSpan(FieldStart[_recordBase[record] + field], FieldLength[_recordBase[record] + field]);

    /// <summary>The cells as a struct, so that generic code reading them is compiled for it (no interface call per
    /// cell).</summary>
    public Cells View => new(Buffer, FieldStart, FieldLength, _recordBase);

    internal readonly struct Cells(byte[] buffer, int[] start, int[] length, int[] recordBase) : ICellBlock
    {
        public ReadOnlySpan<byte> Cell(int record, int field) =>
            buffer.AsSpan(start[recordBase[record] + field], length[recordBase[record] + field]);
    }

    public void AddRecord(int record, int firstField, int fields, int line)
    {
        if (record == _recordBase.Length)
        {
            Array.Resize(ref _recordBase, record * 2);
            Array.Resize(ref _recordFields, record * 2);
            Array.Resize(ref _recordLine, record * 2);
        }
        (_recordBase[record], _recordFields[record], _recordLine[record]) = (firstField, fields, line);
    }

    /// <summary>A buffer of at least <paramref name="bytes"/> that keeps the bytes of this one.</summary>
    public void Grow(int bytes)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(bytes, Buffer.Length * 2));
        Buffer.CopyTo(larger, 0);
        ArrayPool<byte>.Shared.Return(Buffer);
        Buffer = larger;
    }

    public void GrowFields()
    {
        FieldStart = [.. FieldStart, .. new int[FieldStart.Length]];
        FieldLength = [.. FieldLength, .. new int[FieldLength.Length]];
        Unescape = [.. Unescape, .. new bool[Unescape.Length]];
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(Buffer);
        Buffer = [];
    }
}
