namespace Backprop.Api.Datasets;

/// <summary>Summary statistics of one column. Std is the population standard deviation; categorical columns have no statistics.</summary>
/// <param name="Role">"feature" or "target".</param>
/// <param name="Type">"numeric" or "categorical".</param>
/// <param name="Missing">Always 0 for stored datasets: uploads with missing values are refused.</param>
public sealed record ColumnProfile(string Name, string Role, string Type, double? Mean, double? Std, double? Min, double? Max, int Missing);

/// <summary>A class label and its number of rows; the list's order is the label index the models use.</summary>
public sealed record ClassProfile(string Label, int Count);

/// <summary>What the upload found in the data; stored with the dataset as JSON.</summary>
public sealed record DatasetProfile(
    int RowCount, string Task, string TargetColumn, IReadOnlyList<ColumnProfile> Columns, IReadOnlyList<ClassProfile>? Classes, IReadOnlyList<string> Warnings);
