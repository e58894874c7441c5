using System.Globalization;

namespace Backprop.Api.Datasets;

/// <summary>
/// Settles the task and turns the target's texts into class indices or numbers. Task when not given: a non-numeric
/// target (or
/// explicit classNames) means classification; numeric targets with at most <see
/// cref="DatasetLimits.MaxInferredClasses"/>
/// distinct integer values mean classification; anything else regression. Class names are the label texts, ordered
/// numerically when all are integers and ordinally otherwise, unless the client sent classNames.
/// </summary>
internal static class DatasetAssembler
{
    public const int MaxClasses = 10_000;

    public static DatasetColumns Assemble(DatasetTable table, TaskKind? task)
    {
        if (table.Width < 1)
            throw new InvalidDatasetException("features",
                "The data needs at least one feature column besides the target.");
        var target = table.Target;
        bool numeric = target.TextCells == 0;
        task ??= table.ClassNames is not null || !numeric || LooksLikeLabels(target) ? TaskKind.Classification :
            TaskKind.Regression;
        if (task == TaskKind.Regression)
        {
            if (table.ClassNames is not null)
                throw new InvalidDatasetException("classNames",
                    "classNames only applies to classification; drop it or send task 'classification'.");
            if (!numeric)
                throw new InvalidDatasetException(table.TargetColumn,
                    $"Row {target.FirstTextRow}, target column '{table.TargetColumn}': "
                    + $"'{DatasetTableBuilder.Clip(target.FirstText)}' is not a number; regression needs numeric "
                    + $"targets (send task 'classification' for class labels).");
            return Columns(table, TaskKind.Regression, null);
        }
        if (!target.Coded)
            throw new InvalidDatasetException(table.TargetColumn,
                $"The target column '{table.TargetColumn}' has more than {MaxClasses} distinct labels; at "
                    + $"most {MaxClasses} "
                + "classes are supported (send task 'regression' for a numeric target).");
        var classes = table.ClassNames ?? Distinct(target);
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
        var held = Label(table, classes);
        if (table.ClassNames is not null && Array.IndexOf(held, false) is var missing and >= 0)
            throw new InvalidDatasetException("classNames",
                $"classNames declares '{DatasetTableBuilder.Clip(classes[missing])}' but no row has that label; "
                + "a class without rows cannot be learned or evaluated. Drop it from classNames, or add rows of it.");
        return Columns(table, TaskKind.Classification, classes);
    }

    private static DatasetColumns Columns(DatasetTable table, TaskKind task, IReadOnlyList<string>? classes) =>
        new(task, table.Rows, table.FeatureNames, table.TargetColumn, classes, table.Cells, table.Target)
            { Columns = table.Columns, SampleWeights = table.SampleWeights, SampleWeightColumn =
                table.SampleWeightColumn };

    /// <summary>Sets each target text's value to its class index; says which classes have rows.</summary>
    private static bool[] Label(DatasetTable table, IReadOnlyList<string> classes)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < classes.Count; i++) index[classes[i]] = i;
        var held = new bool[classes.Count];
        var unknown = new HashSet<int>();
        foreach (var (text, code) in table.Target.Distinct())
            if (index.TryGetValue(text, out int label)) { table.Target.SetValue(code, label); held[label] = true; }
            else unknown.Add(code);
        if (unknown.Count == 0) return held;
        int row = Enumerable.Range(0, table.Rows).First(r => unknown.Contains(table.Target.CodeAt(r)));
        throw new InvalidDatasetException(table.TargetColumn,
            $"Row {row + 1}: label '{DatasetTableBuilder.Clip(table.Target.Text(table.Target.CodeAt(row)))}' "
            + $"is not one of classNames ({string.Join(", ", classes)}).");
    }

    private static List<string> Distinct(ParsedColumn target)
    {
        var distinct = target.Distinct().Select(d => d.Text).ToList();
        if (distinct.All(t => long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)))
            return [.. distinct.OrderBy(t => long.Parse(t, CultureInfo.InvariantCulture)).ThenBy(t => t,
                StringComparer.Ordinal)];
        distinct.Sort(StringComparer.Ordinal);
        return distinct;
    }

    private static bool LooksLikeLabels(ParsedColumn target)
    {
        if (!target.Coded) return false;
        var distinct = new HashSet<float>();
        foreach (var (_, code) in target.Distinct())
            if (target.Value(code) is var value && (value != MathF.Round(value) || (distinct.Add(value) &&
                distinct.Count > DatasetLimits.MaxInferredClasses)))
                return false;
        return true;
    }
}
