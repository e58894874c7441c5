using System.Globalization;

namespace Backprop.Api.Datasets;

/// <summary>Per-column statistics (in double precision), class counts, and warnings about data that trains badly.</summary>
internal static class DatasetProfiler
{
    public const double ScaleRatioWarning = 1000;
    public const double ImbalanceRatioWarning = 10;

    public static DatasetProfile Profile(DatasetContent data)
    {
        var columns = new List<ColumnProfile>(data.Width + 1);
        for (int c = 0; c < data.Width; c++)
            columns.Add(Numeric(data.FeatureNames[c], "feature", data.Features.AsSpan(), c, data.Width));
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
        return new DatasetProfile(data.Rows, JsonTask(data.Task), data.TargetColumn, columns, classes, Warnings(columns, classes));
    }

    public static string JsonTask(TaskKind task) => task == TaskKind.Classification ? "classification" : "regression";

    private static ColumnProfile Numeric(string name, string role, ReadOnlySpan<float> values, int column, int stride)
    {
        int rows = values.Length / stride;
        double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int r = 0; r < rows; r++)
        {
            double v = values[r * stride + column];
            sum += v; min = Math.Min(min, v); max = Math.Max(max, v);
        }
        double mean = sum / rows, squares = 0;
        for (int r = 0; r < rows; r++)
        {
            double d = values[r * stride + column] - mean;
            squares += d * d;
        }
        return new ColumnProfile(name, role, "numeric", mean, Math.Sqrt(squares / rows), Shortest(min), Shortest(max), 0);
    }

    /// <summary>A float32 as the double its shortest text denotes (5.1f reads 5.1, not 5.099999904632568).</summary>
    private static double Shortest(double value) =>
        double.Parse(((float)value).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static List<string> Warnings(List<ColumnProfile> columns, List<ClassProfile>? classes)
    {
        var warnings = new List<string>();
        foreach (var c in columns.Where(c => c.Std == 0))
            warnings.Add($"Column '{c.Name}' is constant (every value is {c.Min}); it carries no information for training.");

        var varying = columns.Where(c => c.Role == "feature" && c.Std > 0).ToList();
        if (varying.Count >= 2)
        {
            var widest = varying.MaxBy(c => c.Std)!;
            var narrowest = varying.MinBy(c => c.Std)!;
            double ratio = widest.Std!.Value / narrowest.Std!.Value;
            if (ratio > ScaleRatioWarning)
                warnings.Add($"Features are on very different scales: '{widest.Name}' has standard deviation {widest.Std:G4} and '{narrowest.Name}' "
                    + $"{narrowest.Std:G4} (ratio {ratio:G3} > {ScaleRatioWarning}); keep input normalization on (z_score, the default) when training.");
        }

        if (classes is { Count: >= 2 })
        {
            var largest = classes.MaxBy(c => c.Count)!;
            var smallest = classes.MinBy(c => c.Count)!;
            if (smallest.Count == 0)
                warnings.Add($"Class '{smallest.Label}' has no rows.");
            else if ((double)largest.Count / smallest.Count > ImbalanceRatioWarning)
                warnings.Add($"Heavy class imbalance: class '{largest.Label}' has {largest.Count} rows and class '{smallest.Label}' {smallest.Count} "
                    + $"(ratio {(double)largest.Count / smallest.Count:G3} > {ImbalanceRatioWarning}); accuracy alone will flatter a model that ignores the rare class.");
        }
        return warnings;
    }
}
