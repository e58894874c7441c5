namespace Backprop.Core.Preparation;

/// <summary>
/// One raw column's fitted preparation. Numeric and boolean columns give one input (missing cells filled with <paramref
/// name="Fill"/>), then a 0/1 missing indicator when <paramref name="Indicator"/>. Categorical columns give one one-hot
/// input per kept level in <paramref name="Levels"/> order, then "(other)" when rare levels were grouped, then
/// "(missing)" when the training split had missing cells.
/// </summary>
/// <param name="Name">Raw column name.</param>
/// <param name="Kind">Numeric, categorical or boolean.</param>
/// <param name="Fill">Imputed value of a missing numeric or boolean cell (training-split mean or median).</param>
/// <param name="Indicator">Whether a missing-indicator input follows the value.</param>
/// <param name="Levels">Categorical: the training split's levels with their own input, in vocabulary (ordinal)
/// order.</param>
/// <param name="Grouped">Categorical: rare training levels that share the "(other)" input; empty when none.</param>
/// <param name="MissingLevel">Categorical: whether a missing cell has its own "(missing)" input.</param>
public sealed record PreparedColumn(
    string Name, ColumnKind Kind, double Fill, bool Indicator, IReadOnlyList<string> Levels,
        IReadOnlyList<string> Grouped, bool MissingLevel)
{
    /// <summary>Name of the grouped-levels input's level.</summary>
    public const string OtherLevel = "(other)";
    /// <summary>Name of the missing-value input's level.</summary>
    public const string MissingLevelName = "(missing)";

    /// <summary>Inputs this column contributes to the network.</summary>
    public int Width => Kind == ColumnKind.Categorical
        ? Levels.Count + (Grouped.Count > 0 ? 1 : 0) + (MissingLevel ? 1 : 0)
        : Indicator ? 2 : 1;

    /// <summary>Names of this column's inputs: <c>age</c>, <c>age=(missing)</c>, <c>workclass=State-gov</c>,
    /// ...</summary>
    public IEnumerable<string> InputNames()
    {
        if (Kind != ColumnKind.Categorical)
        {
            yield return Name;
            if (Indicator) yield return $"{Name}={MissingLevelName}";
            yield break;
        }
        foreach (var level in Levels) yield return $"{Name}={level}";
        if (Grouped.Count > 0) yield return $"{Name}={OtherLevel}";
        if (MissingLevel) yield return $"{Name}={MissingLevelName}";
    }
}
