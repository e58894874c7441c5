using System.Text;

namespace Backprop.Api.Datasets;

/// <summary>
/// RFC 4180 tokenizer over a <see cref="TextReader"/>, read asynchronously in blocks: fields separated by commas,
/// records by CRLF, LF or CR; a field that starts with a quote runs to the closing quote, and "" inside it is one
/// quote. Completely empty lines are skipped. Field text is kept in one reusable buffer, so numeric cells allocate
/// nothing.
/// </summary>
internal sealed class CsvRecordReader(TextReader reader)
{
    /// <summary>
    /// Bytes that are not UTF-8 decode to U+FFFF (a noncharacter no dataset needs) rather than U+FFFD, which valid text
    /// may hold: the reader refuses it with its line and column instead of storing replacement characters in names and
    /// labels.
    /// </summary>
    public static readonly Encoding StrictUtf8 = Encoding.GetEncoding("utf-8", EncoderFallback.ExceptionFallback,
        new DecoderReplacementFallback(NotUtf8.ToString()));
    private const char NotUtf8 = '\uFFFF';

    private enum State { FieldStart, Unquoted, Quoted, QuoteInQuoted }

    private readonly char[] _block = new char[16 * 1024];
    private readonly List<(int Start, int Length)> _fields = [];
    private char[] _record = new char[1024];
    private int _recordLength, _pos, _len, _line = 1, _quoteLine;
    private bool _eof, _skipLf, _any;
    private State _state;

    /// <summary>1-based line on which the current record starts.</summary>
    public int Line { get; private set; }
    public int FieldCount => _fields.Count;
    public ReadOnlySpan<char> this[int field] => _record.AsSpan(_fields[field].Start, _fields[field].Length);

    /// <summary>Reads the next record; false at the end of the input.</summary>
    public async ValueTask<bool> ReadAsync(CancellationToken ct)
    {
        _fields.Clear(); _recordLength = 0; _state = State.FieldStart; _any = false; Line = _line;
        while (true)
        {
            if (_pos == _len)
            {
                if (!_eof)
                {
                    _len = await reader.ReadAsync(_block.AsMemory(), ct);
                    _pos = 0;
                    _eof = _len == 0;
                }
                if (_eof) return FinishAtEnd();
            }
            if (Scan()) return true;
        }
    }

    /// <summary>Consumes buffered characters until a record ends (true) or the block runs out (false).</summary>
    private bool Scan()
    {
        while (_pos < _len)
        {
            char c = _block[_pos++];
            if (_skipLf) { _skipLf = false; if (c == '\n') continue; }
            switch (_state)
            {
                case State.FieldStart when c == '"':
                    _state = State.Quoted; _quoteLine = _line; _any = true; break;
                case State.FieldStart or State.Unquoted when c == ',':
                    EndField(); _any = true; break;
                case State.FieldStart or State.Unquoted when c is '\r' or '\n':
                    NewLine(c);
                    if (!_any) { Line = _line; break; } // blank line
                    EndField(); return true;
                case State.FieldStart or State.Unquoted when c == '"':
                    throw new InvalidDatasetException("file",
                        $"Line {_line}: a quote inside an unquoted field. Enclose the field in quotes and double "
                        + "any quote inside it (RFC 4180), e.g. \"say \"\"hi\"\"\".");
                case State.FieldStart or State.Unquoted:
                    Append(c); _state = State.Unquoted; _any = true; break;
                case State.Quoted when c == '"':
                    _state = State.QuoteInQuoted; break;
                case State.Quoted when c is '\r' or '\n':
                    NewLine(c); Append('\n'); break; // CRLF inside quotes is one line break
                case State.Quoted:
                    Append(c); break;
                case State.QuoteInQuoted when c == '"':
                    Append('"'); _state = State.Quoted; break;
                case State.QuoteInQuoted when c == ',':
                    EndField(); break;
                case State.QuoteInQuoted when c is '\r' or '\n':
                    NewLine(c); EndField(); return true;
                case State.QuoteInQuoted:
                    throw new InvalidDatasetException("file",
                        $"Line {_line}: '{c}' after the closing quote of a quoted field; a closing quote must be "
                        + "followed by a comma or the end of the line (write a quote inside a quoted field as \"\").");
            }
        }
        return false;
    }

    private bool FinishAtEnd()
    {
        if (_state == State.Quoted)
            throw new InvalidDatasetException("file",
                $"Line {_quoteLine}: a quoted field is never closed (the input ends inside it).");
        if (!_any) return false;
        EndField();
        return true;
    }

    private void NewLine(char c)
    {
        _line++;
        _skipLf = c == '\r';
    }

    private void EndField()
    {
        int start = _fields.Count == 0 ? 0 : _fields[^1].Start + _fields[^1].Length;
        _fields.Add((start, _recordLength - start));
        _state = State.FieldStart;
    }

    private void Append(char c)
    {
        // Control characters are never data: "2\0" must not read as 2. Tabs pass (whitespace around numbers).
        if (c == NotUtf8)
            throw new InvalidDatasetException("file",
                $"Line {_line}, column {_fields.Count + 1}: bytes that are not valid UTF-8; save the file as UTF-8.");
        if (char.IsControl(c) && c is not '\t' and not '\n')
            throw new InvalidDatasetException("file", $"Line {_line}, column {_fields.Count + 1}: " +
                $"control character U+{(int)c:X4}; remove it (only tabs and, inside quotes, line breaks are allowed).");
        if (_recordLength == _record.Length) Array.Resize(ref _record, _record.Length * 2);
        _record[_recordLength++] = c;
    }
}
