using System.Globalization;
using System.Runtime.InteropServices;

namespace Backprop.Api.Datasets;

/// <summary>Per-column statistics (in double precision), class counts, and warnings about data that trains
/// badly.</summary>
internal static class DatasetProfiler
{
    public const double ScaleRatioWarning = 1000;
    public const double ImbalanceRatioWarning = 10;

    public const int ProfiledLevels = 20;

    /// <summary>The profile of settled columns: a coded column's statistics come from its dictionary (each distinct
    /// value and its
    /// count), a column of floats' from one pass over them.</summary>
    public static DatasetProfile Profile(DatasetColumns data)
    {
        var columns = new List<ColumnProfile>(data.Width + 2);
        int encodedWidth = 0;
        // Columns are independent: each one's sums run in the same order on whichever thread takes it.
        var features = new ColumnProfile[data.Width];
        Parallel.For(0, data.Width, c =>
        {
            var kind = data.Columns?[c].Kind ?? ColumnKind.Numeric;
            features[c] = kind == ColumnKind.Categorical
                ? Categorical(data.FeatureNames[c], data.Columns![c].Levels!, data.Features[c])
                : Numeric(data.FeatureNames[c], "feature", data.Features[c]) with { Type = kind == ColumnKind.Boolean ?
                "boolean" : "numeric" };
        });
        for (int c = 0; c < data.Width; c++)
        {
            var profile = features[c];
            columns.Add(profile);
            encodedWidth += (profile.LevelCount ?? 1) + (profile.Type == "categorical" && profile.Missing > 0 ? 1 : 0);
        }
        if (data.SampleWeights is { } weights) columns.Add(Numeric(data.SampleWeightColumn ?? "", "sample_weight",
            ParsedColumn.FromValues(weights, 0, 1)));
        columns.Add(data.Task == TaskKind.Regression
            ? Numeric(data.TargetColumn, "target", data.Target)
            : new ColumnProfile(data.TargetColumn, "target", "categorical", null, null, null, null, 0));

        List<ClassProfile>? classes = null;
        if (data.Task == TaskKind.Classification)
        {
            var counts = new int[data.ClassCount];
            foreach (var (value, count) in Values(data.Target)) counts[(int)value] += count;
            classes = [.. data.ClassNames!.Select((name, i) => new ClassProfile(name, counts[i]))];
        }
        return new DatasetProfile(data.Rows, JsonTask(data.Task), data.TargetColumn, columns, classes,
            Warnings(columns, classes), encodedWidth, data.SampleWeightColumn);
    }

    public static string JsonTask(TaskKind task) => task == TaskKind.Classification ? "classification" : "regression";

    private static ColumnProfile Numeric(string name, string role, ParsedColumn column)
    {
        long present = 0;
        double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity, squares = 0;
        if (column.Coded)
        {
            for (int code = 0; code < column.Entries; code++)
                if (column.Value(code) is var v && !float.IsNaN(v) && column.Count(code) is var n and > 0)
                {
                    present += n; sum += (double)v * n; min = Math.Min(min, v); max = Math.Max(max, v);
                }
            double mean = sum / present;
            for (int code = 0; code < column.Entries; code++)
                if (column.Value(code) - mean is var d && !double.IsNaN(d)) squares += d * d * column.Count(code);
        }
        else
        {
            foreach (var chunk in column.CellChunks())
                foreach (double v in MemoryMarshal.Cast<byte, float>(chunk.Span))
                    if (!double.IsNaN(v)) { present++; sum += v; min = Math.Min(min, v); max = Math.Max(max, v); }
            double mean = sum / present;
            foreach (var chunk in column.CellChunks())
                foreach (float v in MemoryMarshal.Cast<byte, float>(chunk.Span))
                    if (v - mean is var d && !double.IsNaN(d)) squares += d * d;
        }
        return new ColumnProfile(name, role, "numeric", sum / present, Math.Sqrt(squares / present), Shortest(min),
            Shortest(max), (int)(column.Rows - present));
    }

    private static ColumnProfile Categorical(string name, IReadOnlyList<string> levels, ParsedColumn column)
    {
        var counts = new int[levels.Count];
        foreach (var (value, count) in Values(column))
            if (!float.IsNaN(value)) counts[(int)value] += count;
        var top = Enumerable.Range(0, levels.Count).OrderByDescending(l => counts[l]).ThenBy(l =>
            l).Take(ProfiledLevels)
            .Select(l => new LevelProfile(levels[l], counts[l])).ToList();
        return new ColumnProfile(name, "feature", "categorical", null, null, null, null, column.Missing, levels.Count,
            top);
    }

    /// <summary>Each distinct value with its number of cells (a coded column), or each cell once (a column of
    /// floats).</summary>
    private static IEnumerable<(float Value, int Count)> Values(ParsedColumn column)
    {
        if (column.Coded)
        {
            for (int code = 0; code < column.Entries; code++) yield return (column.Value(code), column.Count(code));
            yield break;
        }
        for (int r = 0; r < column.Rows; r++) yield return (column.ValueAt(r), 1);
    }

    /// <summary>A float32 as the double its shortest text denotes (5.1f reads 5.1, not 5.099999904632568).</summary>
    private static double Shortest(double value) =>
        double.Parse(((float)value).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static List<string> Warnings(List<ColumnProfile> columns, List<ClassProfile>? classes)
    {
        var warnings = new List<string>();
        foreach (var c in columns.Where(c => c.Std == 0 && c.Role != "sample_weight"))
            warnings.Add($"Column '{c.Name}' is constant (every value is {c.Min}); it carries no information for "
                + $"training.");

        foreach (var c in columns.Where(c => c.LevelCount == 1))
            warnings.Add($"Column '{c.Name}' has a single level ('{c.Levels![0].Level}'); it carries no information "
                + $"for training.");
        var varying = columns.Where(c => c.Role == "feature" && c.Type == "numeric" && c.Std > 0).ToList();
        if (varying.Count >= 2)
        {
            var widest = varying.MaxBy(c => c.Std)!;
            var narrowest = varying.MinBy(c => c.Std)!;
            double ratio = widest.Std!.Value / narrowest.Std!.Value;
            if (ratio > ScaleRatioWarning)
                warnings.Add($"Features are on very different scales: '{widest.Name}' has standard "
                    + $"deviation {widest.Std:G4} and '{narrowest.Name}' "
                    + $"{narrowest.Std:G4} (ratio {ratio:G3} > {ScaleRatioWarning}); keep input normalization on "
                    + $"(z_score, the default) when training.");
        }

        if (classes is { Count: >= 2 })
        {
            var largest = classes.MaxBy(c => c.Count)!;
            var smallest = classes.MinBy(c => c.Count)!;
            if (smallest.Count == 0)
                warnings.Add($"Class '{smallest.Label}' has no rows.");
            else if ((double)largest.Count / smallest.Count > ImbalanceRatioWarning)
                warnings.Add($"Heavy class imbalance: class '{largest.Label}' has {largest.Count} rows and class "
                    + $"'{smallest.Label}' {smallest.Count} "
                    + $"(ratio {(double)largest.Count / smallest.Count:G3} > {ImbalanceRatioWarning}); accuracy "
                    + $"alone will flatter a model that ignores the rare class.");
        }
        return warnings;
    }
}
