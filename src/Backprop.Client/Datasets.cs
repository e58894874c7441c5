namespace Backprop.Client;

/// <summary>What the service learns from the data: classification (a label per row) or regression (numbers).</summary>
public enum TaskKind { Classification, Regression }

/// <summary>
/// A JSON upload: either <see cref="Records"/> (one object per row) or <see cref="Features"/> and <see
/// cref="Targets"/>.
/// </summary>
/// <param name="Name">The dataset's name.</param>
/// <param name="TargetColumn">The column to predict, for <see cref="Records"/>.</param>
/// <param name="Task">Inferred from the target when unset.</param>
/// <param name="Records">Rows as objects keyed by column name (numbers, strings, booleans, nulls).</param>
/// <param name="Features">Rows of feature values, in the order of <see cref="FeatureNames"/>.</param>
/// <param name="Targets">One target per row of <see cref="Features"/>.</param>
/// <param name="FeatureNames">Names of the columns of <see cref="Features"/>.</param>
/// <param name="ClassNames">Names of the classes for integer targets.</param>
public sealed record JsonDatasetUpload(
    string Name,
    string? TargetColumn = null,
    TaskKind? Task = null,
    IReadOnlyList<IReadOnlyDictionary<string, object?>>? Records = null,
    IReadOnlyList<IReadOnlyList<object?>>? Features = null,
    IReadOnlyList<object?>? Targets = null,
    IReadOnlyList<string>? FeatureNames = null,
    IReadOnlyList<string>? ClassNames = null);

/// <summary>A stored dataset and the headline of its profile.</summary>
/// <param name="EncodedWidth">Network inputs the data needs with the default preparation (one-hot encoding
/// included).</param>
/// <param name="Warnings">What the profile found worth a look (constant columns, skewed classes, ...).</param>
public sealed record Dataset(Guid Id, string Name, TaskKind Task, string TargetColumn, int RowCount, int FeatureCount,
    int ClassCount, int EncodedWidth, IReadOnlyList<string> Warnings, DateTime CreatedAt);
