namespace Backprop.Core.Training;

/// <summary>Whether targets are class labels or real values.</summary>
public enum TaskKind
{
    /// <summary>Targets are class indices <c>0..C−1</c>.</summary>
    Classification,
    /// <summary>Targets are real values, one or more per row.</summary>
    Regression,
}

/// <summary>
/// A dataset in raw units: features row-major <c>(rows, width)</c>, and either class labels <c>(rows)</c> or
/// regression targets row-major <c>(rows, targetWidth)</c>. Immutable by convention: the trainer never writes to it.
/// </summary>
public sealed class TrainingData
{
    private TrainingData(TaskKind task, float[] features, int rows, int width, int[]? labels, int classCount,
        float[]? targets, int targetWidth,
        IReadOnlyList<string>? featureNames, IReadOnlyList<string>? classNames, IReadOnlyList<string>? targetNames,
        IReadOnlyList<RawColumn>? columns, float[]? sampleWeights)
    {
        Task = task; Features = features; Rows = rows; Width = width; Labels = labels; ClassCount = classCount;
        Targets = targets; TargetWidth = targetWidth; FeatureNames = featureNames; ClassNames =
            classNames; TargetNames = targetNames;
        Columns = columns; SampleWeights = sampleWeights;
        var errors = Validate().ToList();
        if (errors.Count > 0) throw new InvalidTrainingOptionsException(errors);
    }

    /// <summary>A classification dataset. With raw column kinds (<c>columns</c>) the features are a raw table (see <see
    /// cref="RawColumn"/>; NaN = missing) that a <see cref="TabularPreparation"/> fitted on the training split encodes;
    /// without them every feature is a finite number. <c>sampleWeights</c>: a non-negative weight per row for the loss
    /// and the weighted metrics; null = all 1.</summary>
    public static TrainingData Classification(float[] features, int rows, int width, int[] labels, int classCount,
        IReadOnlyList<string>? classNames = null, IReadOnlyList<string>? featureNames = null,
        IReadOnlyList<RawColumn>? columns = null, float[]? sampleWeights = null) =>
        new(TaskKind.Classification, features, rows, width, labels, classCount, null, 0, featureNames, classNames,
            null, columns, sampleWeights);

    /// <summary>A regression dataset; raw column kinds and sample weights as for <see
    /// cref="Classification"/>.</summary>
    public static TrainingData Regression(float[] features, int rows, int width, float[] targets, int targetWidth,
        IReadOnlyList<string>? targetNames = null, IReadOnlyList<string>? featureNames = null,
        IReadOnlyList<RawColumn>? columns = null, float[]? sampleWeights = null) =>
        new(TaskKind.Regression, features, rows, width, null, 0, targets, targetWidth, featureNames, null, targetNames,
            columns, sampleWeights);

    /// <summary>Classification or regression.</summary>
    public TaskKind Task { get; }
    /// <summary>Raw features, <c>(rows, width)</c>.</summary>
    public float[] Features { get; }
    /// <summary>Number of samples.</summary>
    public int Rows { get; }
    /// <summary>Number of features.</summary>
    public int Width { get; }
    /// <summary>Class index per row (classification).</summary>
    public int[]? Labels { get; }
    /// <summary>Number of classes (classification).</summary>
    public int ClassCount { get; }
    /// <summary>Targets <c>(rows, targetWidth)</c> (regression).</summary>
    public float[]? Targets { get; }
    /// <summary>Targets per row (regression).</summary>
    public int TargetWidth { get; }
    /// <summary>Optional column names.</summary>
    public IReadOnlyList<string>? FeatureNames { get; }
    /// <summary>Optional class names, index = label.</summary>
    public IReadOnlyList<string>? ClassNames { get; }
    /// <summary>Optional target column names.</summary>
    public IReadOnlyList<string>? TargetNames { get; }
    /// <summary>Raw column kinds when the features need preparation (categorical codes, gaps as NaN); null = all
    /// numeric and complete.</summary>
    public IReadOnlyList<RawColumn>? Columns { get; }
    /// <summary>Weight per row (≥ 0) in the loss and the weighted metrics; null = all 1.</summary>
    public float[]? SampleWeights { get; }

    private IEnumerable<OptionError> Validate()
    {
        if (Rows <= 0) yield return new("data.rows", "The dataset has no rows.");
        if (Width <= 0) yield return new("data.width", "The dataset has no feature columns.");
        if (Features.Length != (long)Rows * Width) { yield return new("data.features",
            $"Expected {Rows}×{Width} feature values, got {Features.Length}."); yield break; }
        if (Columns is null)
        {
            for (int i = 0; i < Features.Length; i++)
                if (!float.IsFinite(Features[i])) { yield return new("data.features",
                    $"Row {i / Width}, column {i % Width} is not a finite number."); break; }
        }
        else if (RawTableError() is { } error) yield return error;
        if (SampleWeights is { } weights)
        {
            if (weights.Length != Rows) yield return new("data.sampleWeights",
                $"Expected {Rows} sample weights, got {weights.Length}.");
            else if (Array.FindIndex(weights, w => !(float.IsFinite(w) && w >= 0)) is var bad and >= 0)
                yield return new("data.sampleWeights",
                    $"Row {bad} has sample weight {weights[bad]}; weights must be finite and zero or more.");
            else if (!weights.Any(w => w > 0)) yield return new("data.sampleWeights",
                "At least one sample weight must be positive.");
        }
        if (FeatureNames is not null && FeatureNames.Count != Width) yield return new("data.featureNames",
            $"Expected {Width} feature names, got {FeatureNames.Count}.");
        if (Task == TaskKind.Classification)
        {
            if (ClassCount < 2) yield return new("data.classCount",
                $"Classification needs at least 2 classes, got {ClassCount}.");
            if (Labels is null || Labels.Length != Rows) { yield return new("data.labels",
                $"Expected {Rows} labels."); yield break; }
            for (int i = 0; i < Rows; i++)
                if ((uint)Labels[i] >= (uint)ClassCount) { yield return new("data.labels",
                    $"Row {i} has label {Labels[i]}, outside 0..{ClassCount - 1}."); break; }
            if (ClassNames is not null && ClassNames.Count != ClassCount) yield return new("data.classNames",
                $"Expected {ClassCount} class names, got {ClassNames.Count}.");
        }
        else
        {
            if (TargetWidth <= 0) yield return new("data.targetWidth", "Regression needs at least one target column.");
            if (Targets is null || Targets.Length != (long)Rows * TargetWidth) { yield return new("data.targets",
                $"Expected {Rows}×{TargetWidth} targets."); yield break; }
            for (int i = 0; i < Targets.Length; i++)
                if (!float.IsFinite(Targets[i])) { yield return new("data.targets",
                    $"Target of row {i / TargetWidth} is not a finite number."); break; }
        }
    }

    private OptionError? RawTableError()
    {
        if (Columns!.Count != Width) return new("data.columns", $"Expected {Width} column kinds, got {Columns.Count}.");
        for (int i = 0; i < Features.Length; i++)
        {
            float v = Features[i];
            if (float.IsNaN(v)) continue;
            var column = Columns[i % Width];
            bool valid = column.Kind switch
            {
                ColumnKind.Categorical => v >= 0 && v < (column.Levels?.Count ?? 0) && v == MathF.Floor(v),
                ColumnKind.Boolean => v is 0 or 1,
                _ => float.IsFinite(v),
            };
            if (!valid) return new("data.features",
                $"Row {i / Width}, column '{column.Name}' holds {v}, not a valid {JsonNames.Of(column.Kind)} cell.");
        }
        return null;
    }

    /// <summary>The sizes a network must match, without the rows; a raw table's input width is known only once its
    /// preparation is fitted on the training split (PreparedData checks it), so its shape takes no width.</summary>
    public DatasetShape Shape => new(Task, Rows, Columns is null ? Width : null, ClassCount, TargetWidth);

    /// <summary>Checks that a network can learn this data (<see cref="DatasetShape.CompatibilityWith"/>).</summary>
    public IEnumerable<OptionError> CompatibilityWith(NetworkSpec spec) => Shape.CompatibilityWith(spec);
}
