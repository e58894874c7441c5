
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
