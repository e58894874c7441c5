
namespace Backprop.Api.Datasets;

/// <summary>
/// A dataset ready for training, as stored: features <c>(rows, width)</c> in raw units, and class indices <c>(rows)</c>
/// (classification, index into <see cref="ClassNames"/>) or targets <c>(rows)</c> (regression).
/// </summary>
public sealed record DatasetContent(
    TaskKind Task, int Rows, int Width, float[] Features, int[]? Labels, float[]? Targets,
    IReadOnlyList<string> FeatureNames, string TargetColumn, IReadOnlyList<string>? ClassNames)
{
    public int ClassCount => ClassNames?.Count ?? 0;

    public TrainingData ToTrainingData() => Task == TaskKind.Classification
        ? TrainingData.Classification(Features, Rows, Width, Labels!, ClassCount, ClassNames, FeatureNames)
        : TrainingData.Regression(Features, Rows, Width, Targets!, 1, [TargetColumn], FeatureNames);
}
