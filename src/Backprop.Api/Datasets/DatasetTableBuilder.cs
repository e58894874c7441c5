using System.Globalization;
using System.Runtime.InteropServices;

namespace Backprop.Api.Datasets;

/// <summary>Where a cell sits, for error messages: <c>Key</c> groups errors (column name or JSON path), <c>Where</c>
/// starts a sentence.</summary>
internal readonly record struct CellLocation(string Key, string Where);

/// <summary>
/// Collects parsed rows (features as float32 and as interned text, target cells as text) as a reader streams them,
/// enforcing the row and cell limits and gathering cell problems: up to <see cref="DatasetLimits.MaxReportedProblems"/>
/// bad cells stop the parse. Missing feature cells are kept (NaN) for the preparation to fill; missing targets are
/// counted to the end and then refused. Column types are settled afterwards by <see cref="ColumnTyping"/>.
/// </summary>
internal sealed class DatasetTableBuilder
{
    private readonly DatasetOptions _limits;
    private readonly Func<int, CellLocation> _locate; // column index, −1 = target
    private readonly List<float> _features = [];
    private readonly List<string> _targets = [];
    private readonly Dictionary<string, string> _labels = new(StringComparer.Ordinal);
    private readonly ProblemErrors _problems = new();
    private readonly int[] _missing; // per feature, then the target
    private readonly bool[] _set; // per feature, in the current row
    // (rows, width): index of the cell's text in its column's texts; Missing or Untracked
    private readonly List<int> _codes = [];
    private readonly ColumnTexts[] _texts;   // per feature
    private int _rowStart, _problemCount, _listedMissing;
    private string? _firstProblem;

    public DatasetTableBuilder(IReadOnlyList<string> featureNames, string targetColumn, DatasetOptions limits,
        Func<int, CellLocation> locate)
    {
        FeatureNames = featureNames;
        TargetColumn = targetColumn;
        _limits = limits;
        _locate = locate;
        _missing = new int[featureNames.Count + 1];
        _set = new bool[featureNames.Count];
        _texts = [.. featureNames.Select(_ => new ColumnTexts(limits.MaxLevelsPerColumn))];
    }

    internal const int MissingCode = -1, UntrackedCode = -2;

    public IReadOnlyList<string> FeatureNames { get; }
    public string TargetColumn { get; }
    public int Width => FeatureNames.Count;
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
        _rowStart = _features.Count;
        CollectionsMarshal.SetCount(_features, _rowStart + Width);
        CollectionsMarshal.AsSpan(_features)[_rowStart..].Clear();
        CollectionsMarshal.SetCount(_codes, _rowStart + Width);
        Array.Clear(_set);
    }

    public void EndRow()
    {
        for (int c = 0; c < Width; c++)
            if (!_set[c]) SetMissing(c);
    }

    /// <summary>A feature cell as text; blank means missing, a number is a number, other text a level (or a
    /// boolean).</summary>
    public void SetFeature(int column, ReadOnlySpan<char> text)
    {
        text = text.Trim();
        if (text.IsEmpty) { SetMissing(column); return; }
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
        {
            SetText(column, text);
            return;
        }
        SetFeature(column, value, text);
    }

    /// <summary>A feature cell already parsed (JSON numbers); <paramref name="text"/> is its text (the level, should
    /// the column be categorical) and is quoted in the error when the value is not finite.</summary>
    public void SetFeature(int column, float value, ReadOnlySpan<char> text)
    {
        if (!float.IsFinite(value))
        {
            Problem(column, NonFinite(text));
            value = 0;
        }
        _set[column] = true;
        _features[_rowStart + column] = value;
        _codes[_rowStart + column] = _texts[column].Code(text.IsEmpty ? value.ToString(CultureInfo.InvariantCulture)
            : text, isText: false, Rows);
    }

    /// <summary>A non-numeric feature cell (a level, or true/false): the feature is NaN until the column's type is
    /// settled.</summary>
    public void SetText(int column, ReadOnlySpan<char> text)
    {
        _set[column] = true;
        _features[_rowStart + column] = float.NaN;
        _codes[_rowStart + column] = _texts[column].Code(text, isText: true, Rows);
    }

    /// <summary>A cell of the wrong kind (a JSON string or boolean where a number belongs).</summary>
    public void Reject(int column, string message)
    {
        Problem(column, message);
        if (column >= 0) _set[column] = true;
        else _targets.Add("");
    }

    /// <summary>A missing feature cell is NaN (the preparation fills it); a missing target is refused at the end.
    /// Target cells are appended, one per row, as for <see cref="AddTarget"/>.</summary>
    public void SetMissing(int column)
    {
        _missing[column < 0 ? Width : column]++;
        if (column >= 0)
        {
            _set[column] = true;
            _features[_rowStart + column] = float.NaN;
            _codes[_rowStart + column] = MissingCode;
            return;
        }
        if (_listedMissing++ < DatasetLimits.MaxReportedProblems)
        {
            var at = _locate(column);
            _problems.Add(at.Key, $"{at.Where} has no value (a missing value).");
        }
        _targets.Add("");
    }

    /// <summary>Appends the next row's target cell as text: class labels keep their spelling; regression parses it
    /// later.</summary>
    public void AddTarget(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        if (text.IsEmpty) { SetMissing(-1); return; }
        if (float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value)
            && !float.IsFinite(value))
            Problem(-1, NonFinite(text));
        _targets.Add(Intern(text));
    }

    /// <summary>The finished table, or an <see cref="InvalidDatasetException"/> listing the bad or missing
    /// cells.</summary>
    public DatasetTable Build(IReadOnlyList<string>? classNames = null)
    {
        if (Rows == 0)
            throw new InvalidDatasetException("rows",
                "The data has no rows: at least one row of values is needed besides the column names.");
        if (_problemCount > 0 || _listedMissing > 0) throw Refusal();
        if (_targets.Count != Rows) throw new InvalidOperationException($"{_targets.Count} targets for {Rows} rows.");
        return new DatasetTable(FeatureNames, TargetColumn, _features.ToArray(), Rows, _targets.ToArray(), classNames)
        {
            Cells = new RawCells(_codes.ToArray(), _texts, _missing[..Width]),
        };
    }

    private void Problem(int column, string message)
    {
        var at = _locate(column);
        var sentence = $"{at.Where}: {message}";
        _firstProblem ??= sentence;
        _problems.Add(at.Key, sentence);
        if (++_problemCount >= DatasetLimits.MaxReportedProblems) throw Refusal();
    }

    private InvalidDatasetException Refusal()
    {
        if (_firstProblem is not null)
        {
            var more = _problemCount > 1
                ? $" ({_problemCount} cells could not be read before parsing stopped; all are listed in errors.)" : "";
            return new(_firstProblem + more, _problems.ToDictionary());
        }
        return new($"The target column '{TargetColumn}' has {_listedMissing} missing value(s) (empty cells); " +
            "a row without a target cannot be "
            + $"learned from: fill or drop those rows and upload again (missing feature cells are fine). The first "
            + $"{Math.Min(_listedMissing, DatasetLimits.MaxReportedProblems)} are listed in errors.",
                _problems.ToDictionary());
    }

    internal static string NonFinite(ReadOnlySpan<char> text) =>
        $"'{Clip(text)}' is not a finite number; NaN and Infinity are not allowed (and values must fit in float32, " +
        "|x| < 3.4e38).";

    internal static string Clip(ReadOnlySpan<char> text) => text.Length <= 40 ? text.ToString()
        : string.Concat(text[..40], "…");

    private string Intern(ReadOnlySpan<char> text)
    {
        var lookup = _labels.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(text, out var known)) return known;
        var s = text.ToString();
        if (_labels.Count < 100_000) _labels[s] = s;
        return s;
    }
}

/// <summary>Parsed rows before the task is settled: features <c>(rows, width)</c> (NaN for text and missing cells) and
/// the target cell of each row as text.</summary>
/// <remarks><c>ClassNames</c>, when the client sent them, fixes the label order.</remarks>
internal sealed record DatasetTable(IReadOnlyList<string> FeatureNames, string TargetColumn, float[] Features,
    int Rows, string[] Targets, IReadOnlyList<string>? ClassNames = null)
{
    public int Width => FeatureNames.Count;
    /// <summary>Each feature cell's text, for settling column types; null for tables made without a builder (all
    /// numeric, complete).</summary>
    public RawCells? Cells { get; init; }
    /// <summary>Column kinds once settled, when any column is not numeric or has gaps; null = every feature numeric and
    /// complete.</summary>
    public IReadOnlyList<RawColumn>? Columns { get; init; }
    /// <summary>The sample weight column's values (taken out of the features), or null.</summary>
    public float[]? SampleWeights { get; init; }
    public string? SampleWeightColumn { get; init; }
}

/// <summary>Feature cells as codes <c>(rows, width)</c> into each column's distinct texts, and the missing cells per
/// column.</summary>
internal sealed record RawCells(int[] Codes, ColumnTexts[] Texts, int[] Missing);

/// <summary>
/// A column's distinct cell texts in order of appearance, up to a limit (past it the column is marked overflowed and
/// further new texts are not kept: such a column cannot be categorical anyway). Counts text (non-numeric) cells and
/// remembers the first.
/// </summary>
internal sealed class ColumnTexts(int limit)
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public List<string> Texts { get; } = [];
    public bool Overflowed { get; private set; }
    public int TextCells { get; private set; }
    public int NumberCells { get; private set; }
    public int NonBooleanTextCells { get; private set; }
    public string? FirstText { get; private set; }
    public int FirstTextRow { get; private set; }

    public int Code(ReadOnlySpan<char> text, bool isText, int row)
    {
        if (isText)
        {
            if (TextCells++ == 0) { FirstText = text.ToString(); FirstTextRow = row; }
            // true/false in any case is one of two texts, so a boolean column never outgrows the level limit.
            if (text.Equals("true", StringComparison.OrdinalIgnoreCase)) text = "true";
            else if (text.Equals("false", StringComparison.OrdinalIgnoreCase)) text = "false";
            else NonBooleanTextCells++;
        }
        else
        {
            NumberCells++;
            // Past the limit a number's text is never needed: the column is numeric, or refused as too many levels.
            if (Overflowed) return DatasetTableBuilder.UntrackedCode;
        }
        var lookup = _index.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(text, out int code)) return code;
        if (Texts.Count >= limit) { Overflowed = true; return DatasetTableBuilder.UntrackedCode; }
        var s = text.ToString();
        _index[s] = Texts.Count;
        Texts.Add(s);
        return Texts.Count - 1;
    }
}
