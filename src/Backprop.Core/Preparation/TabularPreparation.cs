using System.Runtime.CompilerServices;

namespace Backprop.Core.Preparation;

/// <summary>
/// The preparation of raw tabular columns into network inputs, fitted on the training split and stored with the model:
/// imputation of numeric and boolean gaps (mean or median), optional missing indicators, one-hot encoding of
/// categorical columns (rare levels grouped, missing as its own level, unseen levels all-zero). Normalisation follows
/// it as before.
/// </summary>
public sealed class TabularPreparation(IReadOnlyList<PreparedColumn> columns, PreparationSettings settings)
{
    private Dictionary<string, int>[]? _slots;

    /// <summary>The raw columns, in the order a raw row holds them.</summary>
    public IReadOnlyList<PreparedColumn> Columns { get; } = columns;

    /// <summary>The options it was fitted with (the unseen-level policy applies at prediction).</summary>
    public PreparationSettings Settings { get; } = settings;

    /// <summary>Raw columns.</summary>
    public int RawWidth => Columns.Count;

    /// <summary>Network inputs after encoding.</summary>
    public int EncodedWidth => Columns.Sum(c => c.Width);

    /// <summary>One name per network input.</summary>
    public IReadOnlyList<string> EncodedNames() => [.. Columns.SelectMany(c => c.InputNames())];

    /// <summary>Fits on the listed rows of a raw table <c>(rows, columns.Count)</c> (categorical cells are codes into
    /// each column's levels).</summary>
    public static TabularPreparation Fit(IReadOnlyList<RawColumn> columns, ReadOnlySpan<float> raw,
        ReadOnlySpan<int> rows, PreparationSettings settings)
    {
        int width = columns.Count;
        if (raw.Length % Math.Max(width, 1) != 0) throw new ArgumentException("The raw table must hold whole rows.",
            nameof(raw));
        var prepared = new PreparedColumn[width];
        var values = new List<double>(rows.Length);
        for (int c = 0; c < width; c++)
        {
            var column = columns[c];
            if (column.Kind == ColumnKind.Categorical)
            {
                var vocabulary = column.Levels ?? throw new ArgumentException(
                    $"Categorical column '{column.Name}' has no levels.", nameof(columns));
                var counts = new int[vocabulary.Count];
                int missing = 0;
                foreach (int r in rows)
                {
                    float v = raw[r * width + c];
                    if (float.IsNaN(v)) missing++;
                    else counts[(int)v]++;
                }
                var kept = new List<string>();
                var grouped = new List<string>();
                for (int l = 0; l < counts.Length; l++)
                    if (counts[l] >= settings.MinLevelCount) kept.Add(vocabulary[l]);
                    else if (counts[l] > 0) grouped.Add(vocabulary[l]);
                prepared[c] = new PreparedColumn(column.Name, column.Kind, 0, false, kept, grouped, missing > 0);
                continue;
            }
            values.Clear();
            foreach (int r in rows)
                if (raw[r * width + c] is var v && !float.IsNaN(v)) values.Add(v);
            bool hadMissing = values.Count < rows.Length;
            double fill = values.Count == 0 ? 0 : settings.Imputation == ImputationKind.Median ? Median(values)
                : values.Sum() / values.Count;
            prepared[c] = new PreparedColumn(column.Name, column.Kind, fill, settings.MissingIndicators && hadMissing,
                [], [], false);
        }
        return new TabularPreparation(prepared, settings);
    }

    /// <summary>The middle value (the mean of the two middle values for an even count), as numpy.median.</summary>
    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    /// <summary>
    /// The slot code of a categorical text for <see cref="EncodeRow"/>: its level's index, the "(other)" slot for a
    /// grouped level, or −1 for a level the training split never held.
    /// </summary>
    public int Slot(int column, string level)
    {
        _slots ??= Columns.Select(BuildSlots).ToArray();
        return _slots[column].TryGetValue(level, out int slot) ? slot : -1;
    }

    private static Dictionary<string, int> BuildSlots(PreparedColumn column)
    {
        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < column.Levels.Count; i++) slots[column.Levels[i]] = i;
        foreach (var level in column.Grouped) slots[level] = column.Levels.Count;
        return slots;
    }

    /// <summary>
    /// Encodes one raw row in slot codes (numbers and 1/0 as they are; categorical cells as <see cref="Slot"/> gives
    /// them, −1 for an unseen level; NaN for missing) into <see cref="EncodedWidth"/> inputs. Returns the number of
    /// unseen levels, whose columns were left all-zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int EncodeRow(ReadOnlySpan<float> raw, Span<float> encoded)
    {
        if (raw.Length != RawWidth) throw new ArgumentException($"Expected {RawWidth} raw values, got {raw.Length}.",
            nameof(raw));
        int o = 0, unseen = 0;
        for (int c = 0; c < raw.Length; c++)
        {
            var column = Columns[c];
            float v = raw[c];
            if (column.Kind != ColumnKind.Categorical)
            {
                bool missing = float.IsNaN(v);
                encoded[o++] = missing ? (float)column.Fill : v;
                if (column.Indicator) encoded[o++] = missing ? 1 : 0;
                continue;
            }
            int w = column.Width;
            var slots = encoded.Slice(o, w);
            slots.Clear();
            if (float.IsNaN(v))
            {
                if (column.MissingLevel) slots[w - 1] = 1;
                else unseen++;
            }
            else if (v < 0) unseen++;
            else slots[(int)v] = 1;
            o += w;
        }
        return unseen;
    }

    /// <summary>
    /// Encodes a whole raw table whose categorical cells are codes into <paramref name="columns"/>' vocabularies (the
    /// stored data), <c>(rows, RawWidth)</c> into <c>(rows, EncodedWidth)</c>: what training and evaluation feed the
    /// normaliser.
    /// </summary>
    public float[] EncodeTable(IReadOnlyList<RawColumn> columns, ReadOnlySpan<float> raw, int rows)
    {
        int width = RawWidth, encodedWidth = EncodedWidth;
        if (columns.Count != width || raw.Length != rows * width) throw new ArgumentException(
            $"Expected {rows} rows of {width} raw columns.", nameof(raw));
        // vocabulary code → slot code, per categorical column
        var maps = new int[width][];
        for (int c = 0; c < width; c++)
            if (Columns[c].Kind == ColumnKind.Categorical)
                maps[c] = [.. columns[c].Levels!.Select(level => Slot(c, level))];
        var encoded = new float[rows * encodedWidth];
        var row = new float[width];
        for (int r = 0; r < rows; r++)
        {
            raw.Slice(r * width, width).CopyTo(row);
            for (int c = 0; c < width; c++)
                if (maps[c] is { } map && !float.IsNaN(row[c])) row[c] = map[(int)row[c]];
            EncodeRow(row, encoded.AsSpan(r * encodedWidth, encodedWidth));
        }
        return encoded;
    }

    /// <summary>Checks internal consistency (after loading a model). Empty when valid.</summary>
    public IReadOnlyList<OptionError> Validate()
    {
        var errors = Settings.Validate().ToList();
        for (int c = 0; c < Columns.Count; c++)
        {
            var column = Columns[c];
            var path = $"preparation.columns[{c}]";
            if (string.IsNullOrEmpty(column.Name)) errors.Add(new(path + ".name", "A column needs a name."));
            if (!Enum.IsDefined(column.Kind)) errors.Add(new(path + ".kind",
                $"Unknown column kind {(int)column.Kind}."));
            if (!double.IsFinite(column.Fill)) errors.Add(new(path + ".fill",
                "The fill value must be a finite number."));
            if (column.Kind == ColumnKind.Categorical)
            {
                if (column.Width == 0) errors.Add(new(path + ".levels",
                    $"Categorical column '{column.Name}' has no levels."));
                var all = column.Levels.Concat(column.Grouped).ToList();
                if (all.Distinct(StringComparer.Ordinal).Count() != all.Count) errors.Add(new(path + ".levels",
                    $"Column '{column.Name}' lists a level twice."));
            }
            else if (column.Levels.Count > 0 || column.Grouped.Count > 0 || column.MissingLevel)
                errors.Add(new(path + ".levels",
                    $"Only categorical columns have levels; '{column.Name}' is {JsonNames.Of(column.Kind)}."));
        }
        if (Columns.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != Columns.Count)
            errors.Add(new("preparation.columns", "Column names must be unique."));
        return errors;
    }
}
