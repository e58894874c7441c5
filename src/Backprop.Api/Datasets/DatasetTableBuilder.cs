using System.Globalization;
using System.Runtime.InteropServices;

namespace Backprop.Api.Datasets;

/// <summary>Where a cell sits, for error messages: <c>Key</c> groups errors (column name or JSON path), <c>Where</c> starts a sentence.</summary>
internal readonly record struct CellLocation(string Key, string Where);

/// <summary>
/// Collects parsed rows (features as float32, target cells as text) as a reader streams them, enforcing the row and cell
/// limits and gathering cell problems: up to <see cref="DatasetLimits.MaxReportedProblems"/> bad cells stop the parse;
/// missing cells are counted to the end and then refused, since training has no imputation.
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
    private int _rowStart, _problemCount, _listedMissing;
    private string? _firstProblem;

    public DatasetTableBuilder(IReadOnlyList<string> featureNames, string targetColumn, DatasetOptions limits, Func<int, CellLocation> locate)
    {
        FeatureNames = featureNames;
        TargetColumn = targetColumn;
        _limits = limits;
        _locate = locate;
        _missing = new int[featureNames.Count + 1];
        _set = new bool[featureNames.Count];
    }

    public IReadOnlyList<string> FeatureNames { get; }
    public string TargetColumn { get; }
    public int Width => FeatureNames.Count;
    /// <summary>Rows begun so far; the current row's 1-based number while it is read.</summary>
    public int Rows { get; private set; }

    /// <summary>Starts a row: its feature cells may then be set in any order; <see cref="EndRow"/> counts the unset ones as missing.</summary>
    public void BeginRow()
    {
        if (Rows + 1 > _limits.MaxRows)
            throw new InvalidDatasetException("rows", $"The data has more than {_limits.MaxRows} rows (Datasets:MaxRows).");
        if ((long)(Rows + 1) * (Width + 1) > _limits.MaxCells)
            throw new InvalidDatasetException("rows", $"The data has more than {_limits.MaxCells} cells (rows × columns, Datasets:MaxCells); "
                + $"with {Width + 1} columns at most {_limits.MaxCells / (Width + 1)} rows fit.");
        Rows++;
        _rowStart = _features.Count;
        CollectionsMarshal.SetCount(_features, _rowStart + Width);
        CollectionsMarshal.AsSpan(_features)[_rowStart..].Clear();
        Array.Clear(_set);
    }

    public void EndRow()
    {
        for (int c = 0; c < Width; c++)
            if (!_set[c]) SetMissing(c);
    }

    /// <summary>A feature cell as text; blank means missing.</summary>
    public void SetFeature(int column, ReadOnlySpan<char> text)
    {
        if (text.IsWhiteSpace()) { SetMissing(column); return; }
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
        {
            Problem(column, $"'{Clip(text)}' is not a number (use '.' as the decimal point; no thousands separators).");
            value = 0;
        }
        SetFeature(column, value, text);
    }

    /// <summary>A feature cell already parsed (JSON numbers); <paramref name="text"/> is quoted in the error when it is not finite.</summary>
    public void SetFeature(int column, float value, ReadOnlySpan<char> text)
    {
        if (!float.IsFinite(value))
        {
            Problem(column, NonFinite(text));
            value = 0;
        }
        _set[column] = true;
        _features[_rowStart + column] = value;
    }

    /// <summary>A cell of the wrong kind (a JSON string or boolean where a number belongs).</summary>
    public void Reject(int column, string message)
    {
        Problem(column, message);
        if (column >= 0) _set[column] = true;
        else _targets.Add("");
    }

    /// <summary>Feature cells stay 0 in the row's slot; target cells are appended, one per row, as for <see cref="AddTarget"/>.</summary>
    public void SetMissing(int column)
    {
        if (column >= 0) _set[column] = true;
        _missing[column < 0 ? Width : column]++;
        if (_listedMissing++ < DatasetLimits.MaxReportedProblems)
        {
            var at = _locate(column);
            _problems.Add(at.Key, $"{at.Where} has no value (a missing value).");
        }
        if (column < 0) _targets.Add("");
    }

    /// <summary>Appends the next row's target cell as text: class labels keep their spelling; regression parses it later.</summary>
    public void AddTarget(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        if (text.IsEmpty) { SetMissing(-1); return; }
        if (float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && !float.IsFinite(value))
            Problem(-1, NonFinite(text));
        _targets.Add(Intern(text));
    }

    /// <summary>The finished table, or an <see cref="InvalidDatasetException"/> listing the bad or missing cells.</summary>
    public DatasetTable Build(IReadOnlyList<string>? classNames = null)
    {
        if (Rows == 0)
            throw new InvalidDatasetException("rows", "The data has no rows: at least one row of values is needed besides the column names.");
        if (_problemCount > 0 || _listedMissing > 0) throw Refusal();
        if (_targets.Count != Rows) throw new InvalidOperationException($"{_targets.Count} targets for {Rows} rows.");
        return new DatasetTable(FeatureNames, TargetColumn, _features.ToArray(), Rows, _targets.ToArray(), classNames);
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
            var more = _problemCount > 1 ? $" ({_problemCount} cells could not be read before parsing stopped; all are listed in errors.)" : "";
            return new(_firstProblem + more, _problems.ToDictionary());
        }
        var columns = string.Join(", ", Enumerable.Range(0, Width + 1).Where(i => _missing[i] > 0)
            .Select(i => $"'{(i < Width ? FeatureNames[i] : TargetColumn)}' ({_missing[i]})"));
        return new($"The data has {_listedMissing} missing value(s) (empty cells) in column(s) {columns}. Training does no imputation, so every "
            + $"cell must hold a value: fill or drop those rows and upload again. The first {Math.Min(_listedMissing, DatasetLimits.MaxReportedProblems)} are listed in errors.",
            _problems.ToDictionary());
    }

    internal static string NonFinite(ReadOnlySpan<char> text) =>
        $"'{Clip(text)}' is not a finite number; NaN and Infinity are not allowed (and values must fit in float32, |x| < 3.4e38).";

    internal static string Clip(ReadOnlySpan<char> text) => text.Length <= 40 ? text.ToString() : string.Concat(text[..40], "…");

    private string Intern(ReadOnlySpan<char> text)
    {
        var lookup = _labels.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(text, out var known)) return known;
        var s = text.ToString();
        if (_labels.Count < 100_000) _labels[s] = s;
        return s;
    }
}

/// <summary>Parsed rows before the task is settled: features <c>(rows, width)</c> and the target cell of each row as text.</summary>
/// <remarks><c>ClassNames</c>, when the client sent them, fixes the label order.</remarks>
internal sealed record DatasetTable(IReadOnlyList<string> FeatureNames, string TargetColumn, float[] Features, int Rows, string[] Targets,
    IReadOnlyList<string>? ClassNames = null)
{
    public int Width => FeatureNames.Count;
}
