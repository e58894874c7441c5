using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text;

namespace Backprop.Api.Datasets;

/// <summary>Where a cell sits, for error messages: <c>Key</c> groups errors (column name or JSON path), <c>Where</c>
/// starts a sentence.</summary>
internal readonly record struct CellLocation(string Key, string Where);

/// <summary>
/// Collects parsed rows into one <see cref="ParsedColumn"/> per feature and one for the target as a reader streams
/// them,
/// enforcing the row and cell limits and gathering cell problems: up to <see
/// cref="DatasetLimits.MaxReportedProblems"/> bad
/// cells stop the parse. Missing feature cells are kept for the preparation to fill; missing targets are counted to
/// the end
/// and then refused. Column types are settled afterwards by <see cref="ColumnTyping"/>.
/// </summary>
internal sealed class DatasetTableBuilder
{
    /// <summary>Distinct target texts kept as a dictionary (classes have at most <see
    /// cref="DatasetAssembler.MaxClasses"/>).</summary>
    private const int TargetTexts = 100_000;

    private readonly DatasetOptions _limits;
    private readonly Func<int, CellLocation> _locate; // column index, −1 = target
    private readonly ParsedColumn[] _columns;
    private readonly ParsedColumn _target = new(TargetTexts, booleans: false);
    private readonly ProblemErrors _problems = new();
    private readonly bool[] _set; // per feature, in the current row
    private int _problemCount, _listedMissing;
    private string? _firstProblem;

    public DatasetTableBuilder(IReadOnlyList<string> featureNames, string targetColumn, DatasetOptions limits,
        Func<int, CellLocation> locate)
    {
        FeatureNames = featureNames;
        TargetColumn = targetColumn;
        _limits = limits;
        _locate = locate;
        _set = new bool[featureNames.Count];
        _columns = [.. featureNames.Select(_ => new ParsedColumn(limits.MaxLevelsPerColumn))];
    }

    public IReadOnlyList<string> FeatureNames { get; private set; }
    public string TargetColumn { get; private set; }
    public int Width => FeatureNames.Count;
    /// <summary>Names the columns anew, for a body that names them after its rows (as many features as
    /// before).</summary>
    public void Rename(IReadOnlyList<string> featureNames, string targetColumn)
    {
        if (featureNames.Count != Width) throw new ArgumentException("The width cannot change.", nameof(featureNames));
        (FeatureNames, TargetColumn) = (featureNames, targetColumn);
    }

    /// <summary>Rows begun so far; the current row's 1-based number while it is read.</summary>
    public int Rows { get; private set; }

    /// <summary>Starts a row: its feature cells may then be set in any order; <see cref="EndRow"/> counts the unset
    /// ones as missing.</summary>
    public void BeginRow()
    {
        if (Rows + 1 > _limits.MaxRows)
            throw new InvalidDatasetException("rows",
                $"The data has more than {_limits.MaxRows} rows (Datasets:MaxRows).");
        if ((long)(Rows + 1) * (Width + 1) > _limits.MaxCells)
            throw new InvalidDatasetException("rows",
                $"The data has more than {_limits.MaxCells} cells (rows × columns, Datasets:MaxCells); "
                + $"with {Width + 1} columns at most {_limits.MaxCells / (Width + 1)} rows fit.");
        Rows++;
        Array.Clear(_set);
    }

    public void EndRow()
    {
        for (int c = 0; c < _set.Length; c++)
            if (!_set[c]) SetMissing(c);
    }

    /// <summary>A feature cell as UTF-8 text; blank means missing, a number is a number, other text a level (or a
    /// boolean).</summary>
    public void SetFeature(int column, ReadOnlySpan<byte> utf8)
    {
        if (_set[column]) return; // a repeated cell of a refused row
        var text = Trim(utf8, out var trimmed);
        if (text.IsEmpty) { SetMissing(column); return; }
        _set[column] = true;
        if (!_columns[column].Add(text)) Problem(column, NonFinite(text));
        if (trimmed is not null) ArrayPool<byte>.Shared.Return(trimmed);
    }

    /// <summary>A feature cell as text (a JSON string, or true/false).</summary>
    public void SetFeature(int column, ReadOnlySpan<char> text) => WithUtf8(text, column, (b, c, t) => b.SetFeature(c,
        t));

    /// <summary>A cell of the wrong kind (a JSON string or boolean where a number belongs).</summary>
    public void Reject(int column, string message)
    {
        Problem(column, message);
        if (column < 0) _target.AddMissing();
        else if (!_set[column]) { _set[column] = true; _columns[column].AddMissing(); }
    }

    /// <summary>A missing feature cell (the preparation fills it); a missing target is refused at the end. Target cells
    /// are appended, one per row, as for <see cref="AddTarget(ReadOnlySpan{byte})"/>.</summary>
    public void SetMissing(int column)
    {
        if (column >= 0)
        {
            if (_set[column]) return;
            _set[column] = true;
            _columns[column].AddMissing();
            return;
        }
        if (_listedMissing++ < DatasetLimits.MaxReportedProblems)
        {
            var at = _locate(column);
            _problems.Add(at.Key, $"{at.Where} has no value (a missing value).");
        }
        _target.AddMissing();
    }

    /// <summary>Appends the next row's target cell as UTF-8 text: class labels keep their spelling; regression reads
    /// it as a number later.</summary>
    public void AddTarget(ReadOnlySpan<byte> utf8)
    {
        var text = Trim(utf8, out var trimmed);
        if (text.IsEmpty) { SetMissing(-1); return; }
        if (!_target.Add(text)) Problem(-1, NonFinite(text));
        if (trimmed is not null) ArrayPool<byte>.Shared.Return(trimmed);
    }

    public void AddTarget(ReadOnlySpan<char> text) => WithUtf8(text, -1, (b, _, t) => b.AddTarget(t));

    /// <summary>
    /// Appends <paramref name="count"/> rows of a block, column after column (each column's dictionary stays in cache
    /// for the block, where row after row would touch every column's per cell). Cell problems are reported in row
    /// order, as row by row would (so the same ten stop the parse); rows past the row or cell limit are refused after
    /// the rows before them.
    /// </summary>
    /// <param name="featureField">The record field of each feature.</param>
    /// <param name="locate">(column, record of the block) → where; column −1 is the target.</param>
    /// <param name="targetField">The record field of the target, or −1 when the block has no targets (they come
    /// through <see cref="AddTarget(ReadOnlySpan{byte})"/>).</param>
    public void AddRows<TBlock>(TBlock block, int count, int[] featureField, int targetField, Func<int, int,
        CellLocation> locate)
        where TBlock : ICellBlock, allows ref struct
    {
        int allowed = Allowed(count);
        List<CellEvent>? events = null;
        for (int c = 0; c < Width; c++) AddColumn(block, c, featureField[c], 0, allowed, ref events);
        if (targetField >= 0) AddTargets(block, targetField, 0, allowed, ref events);
        EndRows(block, count, allowed, events, locate);
    }

    /// <summary>Rows of the block within the row and cell limits.</summary>
    private int Allowed(int count) =>
        (int)Math.Min(count, Math.Min((long)_limits.MaxRows - Rows, _limits.MaxCells / (Width + 1) - Rows));

    /// <summary>Rows <paramref name="from"/> to <paramref name="to"/> of the block into feature
    /// <paramref name="c"/>; cells it refuses become events.</summary>
    private void AddColumn<TBlock>(TBlock block, int c, int field, int from, int to, ref List<CellEvent>? events)
        where TBlock : ICellBlock, allows ref struct
    {
        var column = _columns[c];
        for (int r = from; r < to; r++)
        {
            var text = Trim(block.Cell(r, field), out var rented);
            if (text.IsEmpty) column.AddMissing();
            else if (!column.Add(text)) (events ??= []).Add(new(r, field, c));
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void AddTargets<TBlock>(TBlock block, int field, int from, int to, ref List<CellEvent>? events)
        where TBlock : ICellBlock, allows ref struct
    {
        for (int r = from; r < to; r++)
        {
            var text = Trim(block.Cell(r, field), out var rented);
            if (text.IsEmpty) { _target.AddMissing(); (events ??= []).Add(new(r, field, -1)); }
            else if (!_target.Add(text)) (events ??= []).Add(new(r, field, -1));
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Counts the block's rows and reports its cell problems in row order.</summary>
    private void EndRows<TBlock>(TBlock block, int count, int allowed, List<CellEvent>? events,
        Func<int, int, CellLocation> locate)
        where TBlock : ICellBlock, allows ref struct
    {
        Rows += allowed;
        foreach (var (record, field, column) in (events ?? []).OrderBy(e => e.Record).ThenBy(e => e.Field))
        {
            var at = locate(column, record);
            var text = Trim(block.Cell(record, field), out _);
            if (text.IsEmpty)
            {
                if (_listedMissing++ < DatasetLimits.MaxReportedProblems) _problems.Add(at.Key,
                    $"{at.Where} has no value (a missing value).");
            }
            else Problem(at, NonFinite(text));
        }
        if (allowed < count) BeginRow(); // refuses the first row past the limits
    }

    /// <summary>A refused cell of a block: its record, field and column (−1 = the target).</summary>
    private readonly record struct CellEvent(int Record, int Field, int Column);

    /// <summary>
    /// One block's rows on their way into the columns, as <see cref="AddRows"/> appends them, in parts (groups of
    /// columns, the target in the last) that threads take in any order while the reader parses the next block. Each
    /// column is filled by one part, row after row, so every column ends as one thread would leave it; problems are
    /// reported afterwards, in row order, by <see cref="End"/>.
    /// </summary>
    internal sealed class BlockParts<TBlock>
        where TBlock : struct, ICellBlock
    {
        /// <summary>Rows a part stores before its next column, so that the rows' bytes stay in cache.</summary>
        private const int Stripe = 256;
        private const int MaxParts = 16;

        private readonly DatasetTableBuilder _table;
        private readonly TBlock _block;
        private readonly int[] _featureField;
        private readonly int _count, _allowed, _targetField, _perPart;
        private readonly List<CellEvent>?[] _events;
        private int _next = -1;
        private int _stored; // parts stored (or failed), whichever thread took them
        private Exception? _failure;

        public BlockParts(DatasetTableBuilder table, TBlock block, int count, int[] featureField, int targetField)
        {
            (_table, _block, _count, _featureField, _targetField) = (table, block, count, featureField, targetField);
            _allowed = table.Allowed(count);
            int columns = table.Width + 1;
            _perPart = (columns + MaxParts - 1) / MaxParts;
            _events = new List<CellEvent>?[(columns + _perPart - 1) / _perPart];
        }

        /// <summary>Stores parts until none is left; any number of threads may call it at once.</summary>
        public void Help()
        {
            for (int part; (part = Interlocked.Increment(ref _next)) < _events.Length;) StoreCounted(part);
        }

        /// <summary>
        /// After this thread's <see cref="Help"/>: waits until every part taken by another thread is stored, and
        /// rethrows the first failure of one. A helper that starts later finds no part left and touches nothing, so a
        /// caller that cannot await it need not block on a thread-pool item that has not started yet.
        /// </summary>
        public void WaitUntilStored()
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref _stored) < _events.Length) spin.SpinOnce();
            if (Volatile.Read(ref _failure) is { } failure) ExceptionDispatchInfo.Throw(failure);
        }

        private void StoreCounted(int part)
        {
            try
            {
                Store(part);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
                throw;
            }
            finally
            {
                Interlocked.Increment(ref _stored);
            }
        }

        private void Store(int part)
        {
            int first = part * _perPart, last = Math.Min(first + _perPart, _table.Width + 1);
            ref var events = ref _events[part];
            for (int from = 0; from < _allowed; from += Stripe)
            {
                int to = Math.Min(from + Stripe, _allowed);
                for (int c = first; c < last; c++)
                    if (c < _table.Width) _table.AddColumn(_block, c, _featureField[c], from, to, ref events);
                    else if (_targetField >= 0) _table.AddTargets(_block, _targetField, from, to, ref events);
            }
        }

        /// <summary>After every part is stored (every <see cref="Help"/> returned): counts the rows and reports the
        /// block's cell problems.</summary>
        public void End(Func<int, int, CellLocation> locate) =>
            _table.EndRows(_block, _count, _allowed, [.. _events.SelectMany(e => e ?? [])], locate);
    }

    /// <summary>The finished table, or an <see cref="InvalidDatasetException"/> listing the bad or missing
    /// cells.</summary>
    public DatasetTable Build(IReadOnlyList<string>? classNames = null)
    {
        if (Rows == 0)
            throw new InvalidDatasetException("rows",
                "The data has no rows: at least one row of values is needed besides the column names.");
        if (_problemCount > 0 || _listedMissing > 0) throw Refusal();
        if (_target.Rows != Rows) throw new InvalidOperationException($"{_target.Rows} targets for {Rows} rows.");
        return new DatasetTable(FeatureNames, TargetColumn, _columns, Rows, _target, classNames);
    }

    private void Problem(int column, string message) => Problem(_locate(column), message);

    private void Problem(CellLocation at, string message)
    {
        var sentence = $"{at.Where}: {message}";
        _firstProblem ??= sentence;
        _problems.Add(at.Key, sentence);
        if (++_problemCount >= DatasetLimits.MaxReportedProblems) throw Refusal();
    }

    private InvalidDatasetException Refusal()
    {
        if (_firstProblem is not null)
        {
            var more = _problemCount > 1 ?
                $" ({_problemCount} cells could not be read before parsing stopped; all are listed in errors.)" : "";
            return new(_firstProblem + more, _problems.ToDictionary());
        }
        return new($"The target column '{TargetColumn}' has {_listedMissing} missing value(s) (empty cells); a row "
            + $"without a target cannot be "
            + $"learned from: fill or drop those rows and upload again (missing feature cells are fine). The first "
            + $"{Math.Min(_listedMissing, DatasetLimits.MaxReportedProblems)} are listed in errors.",
            _problems.ToDictionary());
    }

    internal static string NonFinite(ReadOnlySpan<char> text) =>
        $"'{Clip(text)}' is not a finite number; NaN and Infinity are not allowed (and values must fit in float32, "
            + $"|x| < 3.4e38).";

    private static string NonFinite(ReadOnlySpan<byte> utf8) => NonFinite(Encoding.UTF8.GetString(utf8));

    internal static string Clip(ReadOnlySpan<char> text) => text.Length <= 40 ? text.ToString() :
        string.Concat(text[..40], "…");

    /// <summary>The text without white space around it. ASCII edges are trimmed in place; a non-ASCII edge (which may
    /// be a Unicode
    /// space) is trimmed as text, into a pooled buffer returned in <paramref name="rented"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> text, out byte[]? rented)
    {
        rented = null;
        if (text.Length > 0 && text[0] is > 32 and < 0x80 && text[^1] is > 32 and < 0x80) return text;
        return TrimEdges(text, out rented);
    }

    private static ReadOnlySpan<byte> TrimEdges(ReadOnlySpan<byte> text, out byte[]? rented)
    {
        rented = null;
        text = text.Trim(" \t\n\v\f\r"u8);
        if (text.IsEmpty || (text[0] < 0x80 && text[^1] < 0x80)) return text;
        var chars = Encoding.UTF8.GetString(text).AsSpan().Trim();
        rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(chars.Length));
        return rented.AsSpan(0, Encoding.UTF8.GetBytes(chars, rented));
    }

    private void WithUtf8(ReadOnlySpan<char> text, int column, Utf8Action action)
    {
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            action(this, column, rented.AsSpan(0, Encoding.UTF8.GetBytes(text, rented)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private delegate void Utf8Action(DatasetTableBuilder builder, int column, ReadOnlySpan<byte> utf8);
}

/// <summary>Rows of cells as UTF-8 text, by record of the block and field of the record.</summary>
internal interface ICellBlock
{
    ReadOnlySpan<byte> Cell(int record, int field);
}

/// <summary>Parsed rows before the task is settled: one <see cref="ParsedColumn"/> per feature, and the target cells
/// as texts.</summary>
/// <remarks><c>ClassNames</c>, when the client sent them, fixes the label order.</remarks>
internal sealed record DatasetTable(IReadOnlyList<string> FeatureNames, string TargetColumn, ParsedColumn[] Cells, int
    Rows, ParsedColumn Target,
    IReadOnlyList<string>? ClassNames = null)
{
    public int Width => FeatureNames.Count;
    /// <summary>Column kinds once settled, when any column is not numeric or has gaps; null = every feature numeric
    /// and complete.</summary>
    public IReadOnlyList<RawColumn>? Columns { get; init; }
    /// <summary>The sample weight column's values (taken out of the features), or null.</summary>
    public float[]? SampleWeights { get; init; }
    public string? SampleWeightColumn { get; init; }

    /// <summary>A row-major copy of the features <c>(rows, width)</c>, NaN for text and missing cells until the types
    /// are settled.</summary>
    public float[] Features()
    {
        var features = new float[Rows * Width];
        for (int c = 0; c < Width; c++)
            for (int r = 0; r < Rows; r++) features[r * Width + c] = Cells[c].ValueAt(r);
        return features;
    }

    /// <summary>Each row's target text (a target kept as a dictionary of texts).</summary>
    public string[] Targets() => [.. Enumerable.Range(0, Rows).Select(r => Target.Text(Target.CodeAt(r)))];
}
