using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Backprop.Api.Datasets;

/// <summary>What a distinct cell text of a column is.</summary>
internal enum CellKind : byte { Number, Text, NonFinite, Missing }

/// <summary>
/// One column of an upload, filled a cell per row as the reader streams. While the column has at most <c>limit</c>
/// distinct
/// texts each cell is a code (1, 2 or 4 bytes) into a dictionary of those texts, each with its number (NaN for text and
/// missing cells) and count: pixel-like columns cost a byte per cell, categorical columns keep their texts as written,
/// and a
/// profile needs one pass over the dictionary. Past the limit (a column of real numbers) the cells become float32 and
/// new
/// texts are only counted: such a column cannot be categorical. Cells live in chunks of <see cref="ChunkRows"/>, so
/// growing
/// never copies the column. Settling the column's type rewrites dictionary values (a level's index, a boolean's 1/0),
/// not cells.
/// </summary>
internal sealed class ParsedColumn
{
    public const int ChunkShift = 14, ChunkRows = 1 << ChunkShift;

    private readonly int _limit;
    private readonly bool _booleans;
    private TextCodes? _codes = new();
    private readonly List<string> _texts = [];
    private readonly List<float> _values = [];
    private readonly List<CellKind> _kinds = [];
    private int[] _counts = [];
        // per code, counted from the cells when asked (a count per cell would cost a cache miss per cell)
    private int _countedRows = -1, _nonFiniteEntries;
    private int _missingCode = -1, _trueCode = -1, _falseCode = -1;
    private readonly List<byte[]> _chunks = [];
    private byte[] _chunk = [];
    private int _used = ChunkRows;
    private int _floatNumbers, _floatTexts, _floatNonBoolean, _floatMissing;

    /// <param name="limit">Distinct texts kept as a dictionary.</param>
    /// <param name="booleans">true/false in any case is one text (a feature); a target keeps its labels'
    /// spelling.</param>
    public ParsedColumn(int limit, bool booleans = true) => (_limit, _booleans) = (limit, booleans);

    /// <summary>A column of floats (NaN = missing) taken from a row-major table.</summary>
    public static ParsedColumn FromValues(ReadOnlySpan<float> table, int column, int stride)
    {
        var parsed = new ParsedColumn(0) { _codes = null, CellBytes = 4 };
        for (int r = column; r < table.Length; r += stride)
            if (float.IsNaN(table[r])) parsed.AppendMissingFloat();
            else parsed.AppendFloat(table[r]);
        return parsed;
    }

    public int Rows { get; private set; }
    /// <summary>1, 2 or 4 bytes per cell code; 4 for a column of floats.</summary>
    public int CellBytes { get; private set; } = 1;
    /// <summary>Cells are codes into the dictionary (else float32 values).</summary>
    public bool Coded => _codes is not null;
    public int Entries => _texts.Count;
    public string Text(int code) => _texts[code];
    public CellKind Kind(int code) => _kinds[code];
    public float Value(int code) => _values[code];
    public int Count(int code) => Counts()[code];
    public void SetValue(int code, float value) => _values[code] = value;
    public string? FirstText { get; private set; }
    public int FirstTextRow { get; private set; }

    public int Missing => _floatMissing + (_missingCode >= 0 ? Counts()[_missingCode] : 0);
    public int NumberCells => _floatNumbers + Sum(k => k is CellKind.Number or CellKind.NonFinite);
    public int TextCells => _floatTexts + Sum(k => k == CellKind.Text);
    public int NonBooleanTextCells => _floatNonBoolean + SumCodes(c => _kinds[c] == CellKind.Text && c != _trueCode &&
        c != _falseCode);
    /// <summary>Distinct texts of present cells, in order of appearance, with their codes (a coded column).</summary>
    public IEnumerable<(string Text, int Code)> Distinct() =>
        Enumerable.Range(0, _texts.Count).Where(c => _kinds[c] != CellKind.Missing).Select(c => (_texts[c], c));

    /// <summary>Appends a present cell (trimmed, not empty); false when it is a number that is not finite (NaN,
    /// Infinity, beyond float32).</summary>
    // Called per cell: optimized from the first upload on, not after tiers of slower code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Add(ReadOnlySpan<byte> text)
    {
        if (_codes is not null)
        {
            if (!_codes.TryGet(text, out int code)) code = NewEntry(text);
            if (code >= 0)
            {
                AppendCode(code);
                return _nonFiniteEntries == 0 || _kinds[code] != CellKind.NonFinite;
            }
        }
        if (Utf8Numbers.TryParse(text, out float value))
        {
            _floatNumbers++;
            bool finite = float.IsFinite(value);
            AppendFloat(finite ? value : 0);
            return finite;
        }
        if (_floatTexts++ == 0 && FirstText is null) (FirstText, FirstTextRow) = (Encoding.UTF8.GetString(text), Rows +
            1);
        if (!IsBoolean(text)) _floatNonBoolean++;
        AppendFloat(float.NaN);
        return true;
    }

    public void AddMissing()
    {
        if (_codes is null) { AppendMissingFloat(); return; }
        if (_missingCode < 0) _missingCode = AddEntry("", float.NaN, CellKind.Missing);
        AppendCode(_missingCode);
    }

    /// <summary>The cell's code (a coded column).</summary>
    public int CodeAt(int row)
    {
        var chunk = _chunks[row >> ChunkShift];
        int i = row & (ChunkRows - 1);
        return CellBytes switch { 1 => chunk[i], 2 => Unsafe.ReadUnaligned<ushort>(ref chunk[i * 2]), _ =>
            Unsafe.ReadUnaligned<int>(ref chunk[i * 4]) };
    }

    /// <summary>The cell's number: its dictionary value, or its float.</summary>
    public float ValueAt(int row) =>
        _codes is not null ? _values[CodeAt(row)] : Unsafe.ReadUnaligned<float>(ref _chunks[row >> ChunkShift][(row &
            (ChunkRows - 1)) * 4]);

    /// <summary>The cells as stored, <see cref="CellBytes"/> each, chunk by chunk.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> CellChunks()
    {
        for (int i = 0; i < _chunks.Count; i++)
            yield return _chunks[i].AsMemory(0, Math.Min(ChunkRows, Rows - (i << ChunkShift)) * CellBytes);
    }

    /// <summary>Every cell's number into <paramref name="destination"/> (rows).</summary>
    public void CopyValues(Span<float> destination)
    {
        for (int r = 0; r < Rows; r++) destination[r] = ValueAt(r);
    }

    private int NewEntry(ReadOnlySpan<byte> text)
    {
        if (Utf8Numbers.TryParse(text, out float value))
        {
            bool finite = float.IsFinite(value);
            return Remember(text, AddEntry(Encoding.UTF8.GetString(text), finite ? value : 0, finite ? CellKind.Number
                : CellKind.NonFinite));
        }
        // true/false in any case is one entry, so a boolean column never outgrows the limit.
        bool isTrue = _booleans && Ascii.EqualsIgnoreCase(text, "true"u8), isFalse = _booleans && !isTrue &&
            Ascii.EqualsIgnoreCase(text, "false"u8);
        if (isTrue && _trueCode >= 0) return Remember(text, _trueCode);
        if (isFalse && _falseCode >= 0) return Remember(text, _falseCode);
        if (FirstText is null) (FirstText, FirstTextRow) = (Encoding.UTF8.GetString(text), Rows + 1);
        int code = AddEntry(isTrue ? "true" : isFalse ? "false" : Encoding.UTF8.GetString(text), float.NaN,
            CellKind.Text);
        if (code < 0) return code;
        if (isTrue) _trueCode = code;
        if (isFalse) _falseCode = code;
        return Remember(text, code);
    }

    private int Remember(ReadOnlySpan<byte> text, int code)
    {
        if (code >= 0) _codes!.Add(text, code);
        return code;
    }

    private int AddEntry(string text, float value, CellKind kind)
    {
        if (kind != CellKind.Missing && _texts.Count - (_missingCode >= 0 ? 1 : 0) >= _limit)
        {
            ToFloats();
            return -1;
        }
        int code = _texts.Count;
        if (code == 256 || code == 65536) Widen(code == 256 ? 2 : 4);
        _texts.Add(text);
        _values.Add(value);
        _kinds.Add(kind);
        if (kind == CellKind.NonFinite) _nonFiniteEntries++;
        return code;
    }

    private static bool IsBoolean(ReadOnlySpan<byte> text) => Ascii.EqualsIgnoreCase(text, "true"u8) ||
        Ascii.EqualsIgnoreCase(text, "false"u8);

    private int Sum(Func<CellKind, bool> which) => SumCodes(c => which(_kinds[c]));

    private int SumCodes(Func<int, bool> which)
    {
        var counts = Counts();
        int sum = 0;
        for (int c = 0; c < counts.Length; c++)
            if (which(c)) sum += counts[c];
        return sum;
    }

    /// <summary>Cells per code: one pass over the codes, repeated only after more cells arrive.</summary>
    private int[] Counts()
    {
        if (_codes is null) return [];
        if (_countedRows == Rows && _counts.Length == _texts.Count) return _counts;
        var counts = new int[_texts.Count];
        for (int i = 0; i < _chunks.Count; i++)
        {
            int cells = Math.Min(ChunkRows, Rows - (i << ChunkShift));
            var chunk = _chunks[i].AsSpan(0, cells * CellBytes);
            switch (CellBytes)
            {
                case 1: foreach (byte code in chunk) counts[code]++; break;
                case 2: foreach (ushort code in MemoryMarshal.Cast<byte, ushort>(chunk)) counts[code]++; break;
                default: foreach (int code in MemoryMarshal.Cast<byte, int>(chunk)) counts[code]++; break;
            }
        }
        (_counts, _countedRows) = (counts, Rows);
        return counts;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AppendCode(int code)
    {
        if (_used == ChunkRows) NextChunk();
        switch (CellBytes)
        {
            case 1: _chunk[_used] = (byte)code; break;
            case 2: Unsafe.WriteUnaligned(ref _chunk[_used * 2], (ushort)code); break;
            default: Unsafe.WriteUnaligned(ref _chunk[_used * 4], code); break;
        }
        _used++;
        Rows++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AppendFloat(float value)
    {
        if (_used == ChunkRows) NextChunk();
        Unsafe.WriteUnaligned(ref _chunk[_used * 4], value);
        _used++;
        Rows++;
    }

    private void AppendMissingFloat()
    {
        _floatMissing++;
        AppendFloat(float.NaN);
    }

    private void NextChunk()
    {
        _chunk = new byte[ChunkRows * CellBytes];
        _chunks.Add(_chunk);
        _used = 0;
    }

    private void Widen(int bytes)
    {
        for (int i = 0; i < _chunks.Count; i++)
        {
            var wider = new byte[ChunkRows * bytes];
            for (int j = 0; j < ChunkRows; j++)
            {
                int code = CellBytes == 1 ? _chunks[i][j] : Unsafe.ReadUnaligned<ushort>(ref _chunks[i][j * 2]);
                if (bytes == 2) Unsafe.WriteUnaligned(ref wider[j * 2], (ushort)code);
                else Unsafe.WriteUnaligned(ref wider[j * 4], code);
            }
            _chunks[i] = wider;
        }
        CellBytes = bytes;
        if (_chunks.Count > 0) _chunk = _chunks[^1];
    }

    /// <summary>Past the limit: every cell becomes its float, and the counts so far move to the float
    /// counters.</summary>
    private void ToFloats()
    {
        _floatMissing += Missing;
        _floatNumbers += NumberCells;
        _floatTexts += TextCells;
        _floatNonBoolean += NonBooleanTextCells;
        for (int i = 0; i < _chunks.Count; i++)
        {
            var floats = new byte[ChunkRows * 4];
            var values = MemoryMarshal.Cast<byte, float>(floats.AsSpan());
            int cells = Math.Min(ChunkRows, Rows - (i << ChunkShift));
            for (int j = 0; j < cells; j++) values[j] = _values[CodeAt((i << ChunkShift) + j)];
            _chunks[i] = floats;
        }
        _codes = null;
        _missingCode = _trueCode = _falseCode = -1;
        _texts.Clear(); _values.Clear(); _kinds.Clear();
        _counts = [];
        CellBytes = 4;
        if (_chunks.Count > 0) _chunk = _chunks[^1];
    }
}
