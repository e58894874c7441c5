namespace Backprop.Core.Preparation;

/// <summary>What a raw table column holds.</summary>
public enum ColumnKind
{
    /// <summary>Real values.</summary>
    Numeric,
    /// <summary>Text levels (or integers declared categorical), one-hot encoded.</summary>
    Categorical,
    /// <summary>true/false, held as 1/0.</summary>
    Boolean,
}

/// <summary>How a missing numeric (or boolean) cell is filled.</summary>
public enum ImputationKind
{
    /// <summary>The column's mean over the training split.</summary>
    Mean,
    /// <summary>The column's median over the training split.</summary>
    Median,
}

/// <summary>What a prediction does with a categorical level the training split never held.</summary>
public enum UnseenLevelPolicy
{
    /// <summary>All-zero encoding for that column, with a warning on the row.</summary>
    Ignore,
    /// <summary>The row is refused.</summary>
    Refuse,
}

/// <summary>
/// A raw column of a table: cells are row-major floats, a number for numeric columns, 1/0 for boolean ones, and for
/// categorical ones the index of the cell's text in <paramref name="Levels"/>; NaN marks a missing cell in every kind.
/// </summary>
/// <param name="Name">Column name.</param>
/// <param name="Kind">Numeric, categorical or boolean.</param>
/// <param name="Levels">Categorical columns: the texts the codes index (the vocabulary of the stored data).</param>
public sealed record RawColumn(string Name, ColumnKind Kind, IReadOnlyList<string>? Levels = null);

/// <summary>Options of the preparation fitted on the training split.</summary>
/// <param name="Imputation">Fill value of missing numeric and boolean cells.</param>
/// <param name="MissingIndicators">Add a 0/1 input per numeric or boolean column that had missing cells in the training
/// split.</param>
/// <param name="MinLevelCount">Categorical levels with fewer training rows than this share one "(other)" input; 1 = no
/// grouping.</param>
/// <param name="UnseenLevels">Prediction-time handling of a level the training split never held.</param>
public sealed record PreparationSettings(
    ImputationKind Imputation = ImputationKind.Mean,
    bool MissingIndicators = false,
    int MinLevelCount = 1,
    UnseenLevelPolicy UnseenLevels = UnseenLevelPolicy.Ignore)
{
    /// <summary>Every problem with these settings.</summary>
    public IEnumerable<OptionError> Validate()
    {
        if (!Enum.IsDefined(Imputation)) yield return new("preparation.imputation",
            $"Unknown imputation {(int)Imputation}.");
        if (!Enum.IsDefined(UnseenLevels)) yield return new("preparation.unseenLevels",
            $"Unknown unseen-level policy {(int)UnseenLevels}.");
        if (MinLevelCount < 1) yield return new("preparation.minLevelCount",
            $"minLevelCount must be 1 (no grouping) or more, got {MinLevelCount}.");
    }
}
