using System.Globalization;

namespace Backprop.Api.Datasets;

/// <summary>
/// Settles the task and turns target text into class indices or numbers. Task when not given: a non-numeric target (or
/// explicit classNames) means classification; numeric targets with at most <see
/// cref="DatasetLimits.MaxInferredClasses"/> distinct integer values mean classification; anything else regression.
/// Class names are the label texts, ordered numerically when all are integers and ordinally otherwise, unless the
/// client sent classNames.
/// </summary>
internal static class DatasetAssembler
{
    public const int MaxClasses = 10_000;

    public static DatasetContent Assemble(DatasetTable table, TaskKind? task)
    {
        if (table.Width < 1)
            throw new InvalidDatasetException("features",
                "The data needs at least one feature column besides the target.");
        var numbers = ParseNumbers(table.Targets);
        task ??= table.ClassNames is not null || numbers is null || LooksLikeLabels(numbers) ? TaskKind.Classification
            : TaskKind.Regression;
        if (task == TaskKind.Regression)
        {
            if (table.ClassNames is not null)
                throw new InvalidDatasetException("classNames",
                    "classNames only applies to classification; drop it or send task 'classification'.");
            if (numbers is null)
            {
                int row = Array.FindIndex(table.Targets, t => ParseNumber(t) is null);
                throw new InvalidDatasetException(table.TargetColumn, $"Row {row + 1}, " +
                    $"target column '{table.TargetColumn}': '{DatasetTableBuilder.Clip(table.Targets[row])}' "
                    + "is not a number; regression needs numeric targets (send task 'classification' for class "
                    + "labels).");
            }
            return new DatasetContent(TaskKind.Regression, table.Rows, table.Width, table.Features, null, numbers,
                table.FeatureNames, table.TargetColumn, null)
                { Columns = table.Columns, SampleWeights = table.SampleWeights,
                    SampleWeightColumn = table.SampleWeightColumn };
        }
        var classes = table.ClassNames ?? Distinct(table.Targets);
        if (classes.Count < 2)
            throw new InvalidDatasetException(table.TargetColumn,
                $"Classification needs at least 2 classes, but the target column '{table.TargetColumn}' holds only "
                + (classes.Count == 1 ? $"'{classes[0]}'" : "no labels") + ".");
        if (classes.Count > MaxClasses)
            throw new InvalidDatasetException(table.TargetColumn,
                $"The target column '{table.TargetColumn}' has {classes.Count} distinct labels; at most {MaxClasses} "
                + "classes are supported (send task 'regression' for a numeric target).");
        if (table.ClassNames?.GroupBy(c => c, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new InvalidDatasetException("classNames",
                $"classNames lists '{twice.Key}' more than once; class names must be unique.");
        var labels = Labels(table, classes);
        if (table.ClassNames is not null)
        {
            var held = new bool[classes.Count];
            foreach (int label in labels) held[label] = true;
            if (Array.IndexOf(held, false) is var missing and >= 0)
                throw new InvalidDatasetException("classNames",
                    $"classNames declares '{DatasetTableBuilder.Clip(classes[missing])}' but no row has that label; "
                    + "a class without rows cannot be learned or evaluated. Drop it from classNames, "
                    + "or add rows of it.");
        }
        return new DatasetContent(TaskKind.Classification, table.Rows, table.Width, table.Features, labels, null,
            table.FeatureNames, table.TargetColumn, classes)
            { Columns = table.Columns, SampleWeights = table.SampleWeights,
                SampleWeightColumn = table.SampleWeightColumn };
    }

    private static int[] Labels(DatasetTable table, IReadOnlyList<string> classes)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < classes.Count; i++) index[classes[i]] = i;
        var labels = new int[table.Rows];
        for (int r = 0; r < labels.Length; r++)
            labels[r] = index.TryGetValue(table.Targets[r], out int label) ? label
                : throw new InvalidDatasetException(table.TargetColumn,
                    $"Row {r + 1}: label '{DatasetTableBuilder.Clip(table.Targets[r])}' is not one of "
                    + $"classNames ({string.Join(", ", classes)}).");
        return labels;
    }

    private static List<string> Distinct(string[] targets)
    {
        var distinct = new HashSet<string>(targets, StringComparer.Ordinal).ToList();
        if (distinct.All(t => long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)))
            return [.. distinct.OrderBy(t => long.Parse(t, CultureInfo.InvariantCulture))
                .ThenBy(t => t, StringComparer.Ordinal)];
        distinct.Sort(StringComparer.Ordinal);
        return distinct;
    }

    private static bool LooksLikeLabels(float[] numbers)
    {
        var distinct = new HashSet<float>();
        foreach (var value in numbers)
            if (value != MathF.Round(value) || (distinct.Add(value)
                && distinct.Count > DatasetLimits.MaxInferredClasses)) return false;
        return true;
    }

    private static float[]? ParseNumbers(string[] targets)
    {
        var numbers = new float[targets.Length];
        for (int i = 0; i < targets.Length; i++)
            if (ParseNumber(targets[i]) is { } value) numbers[i] = value;
            else return null;
        return numbers;
    }

    private static float? ParseNumber(string text) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value)
            && float.IsFinite(value) ? value : null;
}
