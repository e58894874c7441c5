using System.Globalization;

namespace Backprop.Api.Datasets;

/// <summary>Per-column statistics (in double precision), class counts, and warnings about data that trains
/// badly.</summary>
internal static class DatasetProfiler
{
    public const double ScaleRatioWarning = 1000;
    public const double ImbalanceRatioWarning = 10;

    public const int ProfiledLevels = 20;

    public static DatasetProfile Profile(DatasetContent data)
    {
        var columns = new List<ColumnProfile>(data.Width + 2);
        int encodedWidth = 0;
        for (int c = 0; c < data.Width; c++)
        {
            var kind = data.Columns?[c].Kind ?? ColumnKind.Numeric;
            var profile = kind == ColumnKind.Categorical
                ? Categorical(data.FeatureNames[c], data.Columns![c].Levels!, data.Features.AsSpan(), c, data.Width)
                : Numeric(data.FeatureNames[c], "feature", data.Features.AsSpan(), c,
                    data.Width) with { Type = kind == ColumnKind.Boolean ? "boolean" : "numeric" };
            columns.Add(profile);
            encodedWidth += (profile.LevelCount ?? 1) + (kind == ColumnKind.Categorical && profile.Missing > 0 ? 1 : 0);
        }
        if (data.SampleWeights is { } weights) columns.Add(Numeric(data.SampleWeightColumn ?? "", "sample_weight",
            weights, 0, 1));
        columns.Add(data.Task == TaskKind.Regression
            ? Numeric(data.TargetColumn, "target", data.Targets!, 0, 1)
            : new ColumnProfile(data.TargetColumn, "target", "categorical", null, null, null, null, 0));

        List<ClassProfile>? classes = null;
        if (data.Labels is not null)
        {
            var counts = new int[data.ClassCount];
            foreach (var label in data.Labels) counts[label]++;
            classes = [.. data.ClassNames!.Select((name, i) => new ClassProfile(name, counts[i]))];
        }
        return new DatasetProfile(data.Rows, JsonTask(data.Task), data.TargetColumn, columns, classes,
            Warnings(columns, classes), encodedWidth, data.SampleWeightColumn);
    }

    public static string JsonTask(TaskKind task) => task == TaskKind.Classification ? "classification" : "regression";

    private static ColumnProfile Numeric(string name, string role, ReadOnlySpan<float> values, int column, int stride)
    {
        int rows = values.Length / stride, present = 0;
        double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int r = 0; r < rows; r++)
        {
            double v = values[r * stride + column];
            if (double.IsNaN(v)) continue;
            present++;
            sum += v; min = Math.Min(min, v); max = Math.Max(max, v);
        }
        double mean = sum / present, squares = 0;
        for (int r = 0; r < rows; r++)
        {
            double d = values[r * stride + column] - mean;
            if (!double.IsNaN(d)) squares += d * d;
        }
        return new ColumnProfile(name, role, "numeric", mean, Math.Sqrt(squares / present), Shortest(min),
            Shortest(max), rows - present);
    }

    private static ColumnProfile Categorical(string name, IReadOnlyList<string> levels, ReadOnlySpan<float> values,
        int column, int stride)
    {
        int rows = values.Length / stride, missing = 0;
        var counts = new int[levels.Count];
        for (int r = 0; r < rows; r++)
            if (values[r * stride + column] is var v && float.IsNaN(v)) missing++;
            else counts[(int)v]++;
        var top = Enumerable.Range(0, levels.Count).OrderByDescending(l => counts[l]).ThenBy(l => l)
            .Take(ProfiledLevels)
            .Select(l => new LevelProfile(levels[l], counts[l])).ToList();
        return new ColumnProfile(name, "feature", "categorical", null, null, null, null, missing, levels.Count, top);
    }

    /// <summary>A float32 as the double its shortest text denotes (5.1f reads 5.1, not 5.099999904632568).</summary>
    private static double Shortest(double value) =>
        double.Parse(((float)value).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static List<string> Warnings(List<ColumnProfile> columns, List<ClassProfile>? classes)
    {
        var warnings = new List<string>();
        foreach (var c in columns.Where(c => c.Std == 0 && c.Role != "sample_weight"))
            warnings.Add(
                $"Column '{c.Name}' is constant (every value is {c.Min}); it carries no information for training.");

        foreach (var c in columns.Where(c => c.LevelCount == 1))
            warnings.Add($"Column '{c.Name}' has a single level ('{c.Levels![0].Level}'); it carries no information " +
                "for training.");
        var varying = columns.Where(c => c.Role == "feature" && c.Type == "numeric" && c.Std > 0).ToList();
        if (varying.Count >= 2)
        {
            var widest = varying.MaxBy(c => c.Std)!;
            var narrowest = varying.MinBy(c => c.Std)!;
            double ratio = widest.Std!.Value / narrowest.Std!.Value;
            if (ratio > ScaleRatioWarning)
                warnings.Add($"Features are on very different scales: '{widest.Name}' has standard deviation " +
                    $"{widest.Std:G4} and '{narrowest.Name}' "
                    + $"{narrowest.Std:G4} (ratio {ratio:G3} > {ScaleRatioWarning}); keep input normalization on "
                    + "(z_score, the default) when training.");
        }

        if (classes is { Count: >= 2 })
        {
            var largest = classes.MaxBy(c => c.Count)!;
            var smallest = classes.MinBy(c => c.Count)!;
            if (smallest.Count == 0)
                warnings.Add($"Class '{smallest.Label}' has no rows.");
            else if ((double)largest.Count / smallest.Count > ImbalanceRatioWarning)
                warnings.Add($"Heavy class imbalance: class '{largest.Label}' has {largest.Count} rows and class " +
                    $"'{smallest.Label}' {smallest.Count} "
                    + $"(ratio {(double)largest.Count / smallest.Count:G3} > {ImbalanceRatioWarning}); "
                    + "accuracy alone will flatter a model that ignores the rare class.");
        }
        return warnings;
    }
}
