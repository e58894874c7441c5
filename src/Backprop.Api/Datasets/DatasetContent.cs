
namespace Backprop.Api.Datasets;

/// <summary>
/// A dataset ready for training, as stored: features <c>(rows, width)</c> in raw units, and class indices <c>(rows)</c>
/// (classification, index into <see cref="ClassNames"/>) or targets <c>(rows)</c> (regression). With <see
/// cref="Columns"/> the features are a raw table (categorical cells as codes into their column's levels, booleans 1/0,
/// NaN where missing).
/// </summary>
public sealed record DatasetContent(
    TaskKind Task, int Rows, int Width, float[] Features, int[]? Labels, float[]? Targets,
    IReadOnlyList<string> FeatureNames, string TargetColumn, IReadOnlyList<string>? ClassNames)
{
    public int ClassCount => ClassNames?.Count ?? 0;
    /// <summary>Column kinds and levels; null when every feature is numeric and complete.</summary>
    public IReadOnlyList<RawColumn>? Columns { get; init; }
    /// <summary>Weight per row (≥ 0) from the sample weight column, or null.</summary>
    public float[]? SampleWeights { get; init; }
    public string? SampleWeightColumn { get; init; }

    public TrainingData ToTrainingData() => Task == TaskKind.Classification
        ? TrainingData.Classification(Features, Rows, Width, Labels!, ClassCount, ClassNames, FeatureNames, Columns,
            SampleWeights)
        : TrainingData.Regression(Features, Rows, Width, Targets!, 1, [TargetColumn], FeatureNames, Columns,
            SampleWeights);
}

/// <summary>
/// A dataset as an upload stores it, column by column as parsed (<see cref="ParsedColumn"/>): each feature's cells
/// read as numbers,
/// level indices or 1/0 once the types are settled; the target's as class indices (classification) or numbers
/// (regression).
/// </summary>
internal sealed record DatasetColumns(TaskKind Task, int Rows, IReadOnlyList<string> FeatureNames, string TargetColumn,
    IReadOnlyList<string>? ClassNames, ParsedColumn[] Features, ParsedColumn Target)
{
    public int Width => FeatureNames.Count;
    public int ClassCount => ClassNames?.Count ?? 0;
    public IReadOnlyList<RawColumn>? Columns { get; init; }
    public float[]? SampleWeights { get; init; }
    public string? SampleWeightColumn { get; init; }

    /// <summary>The columns of a row-major dataset (float cells).</summary>
    public static DatasetColumns From(DatasetContent data)
    {
        var features = Enumerable.Range(0, data.Width).Select(c => ParsedColumn.FromValues(data.Features, c,
            data.Width)).ToArray();
        var target = data.Labels is { } labels
            ? ParsedColumn.FromValues([.. labels.Select(l => (float)l)], 0, 1)
            : ParsedColumn.FromValues(data.Targets, 0, 1);
        return new DatasetColumns(data.Task, data.Rows, data.FeatureNames, data.TargetColumn, data.ClassNames,
            features, target)
            { Columns = data.Columns, SampleWeights = data.SampleWeights, SampleWeightColumn =
                data.SampleWeightColumn };
    }
}
