namespace Backprop.Api.Datasets;

/// <summary>Summary statistics of one column over its present cells. Std is the population standard deviation;
/// categorical columns have levels instead of statistics; a boolean column's mean is its share of true.</summary>
/// <param name="Role">"feature", "target" or "sample_weight".</param>
/// <param name="Type">"numeric", "categorical" or "boolean".</param>
/// <param name="Missing">Empty (missing) cells; training fills them (see docs/tabular-data.md). Targets are never
/// missing.</param>
/// <param name="LevelCount">Categorical features: number of distinct levels.</param>
/// <param name="Levels">Categorical features: the most frequent levels with their row counts (at most 20, most frequent
/// first).</param>
public sealed record ColumnProfile(string Name, string Role, string Type, double? Mean, double? Std, double? Min,
    double? Max, int Missing, int? LevelCount = null, IReadOnlyList<LevelProfile>? Levels = null);

/// <summary>A categorical level and its number of rows.</summary>
/// <param name="Level">The level's text as uploaded.</param>
/// <param name="Count">Rows holding it.</param>
public sealed record LevelProfile(string Level, int Count);

/// <summary>A class label and its number of rows; the list's order is the label index the models use.</summary>
public sealed record ClassProfile(string Label, int Count);

/// <summary>What the upload found in the data; stored with the dataset as JSON.</summary>
/// <param name="EncodedWidth">Network inputs with the default preparation if every row trained: 1 per numeric or
/// boolean column, 1 per level of a categorical column + 1 where it has missing cells. The exact width follows from the
/// training split and the job's preparation options.</param>
/// <param name="SampleWeightColumn">The column of per-row loss weights (not a feature), or null.</param>
public sealed record DatasetProfile(
    int RowCount, string Task, string TargetColumn, IReadOnlyList<ColumnProfile> Columns,
        IReadOnlyList<ClassProfile>? Classes, IReadOnlyList<string> Warnings,
    int? EncodedWidth = null, string? SampleWeightColumn = null);
