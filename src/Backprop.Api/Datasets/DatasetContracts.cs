using System.Text.Json;

namespace Backprop.Api.Datasets;

/// <summary>A dataset and its profile.</summary>
/// <param name="Task">"classification" or "regression".</param>
/// <param name="FeatureCount">Raw feature columns (the sample weight column not counted).</param>
/// <param name="SizeBytes">Size of the stored (encoded) data.</param>
/// <param name="EncodedWidth">Network inputs after one-hot encoding with the default preparation, if every row were in
/// the training split (the network's inputWidth; a job answers the exact width when its split or preparation options
/// change it).</param>
/// <param name="SampleWeightColumn">The column of per-row loss weights, or null.</param>
public sealed record DatasetResponse(
    Guid Id, string Name, string Task, string TargetColumn, int RowCount, int FeatureCount, int ClassCount,
        long SizeBytes, DateTime CreatedAt,
    IReadOnlyList<ColumnProfile> Columns, IReadOnlyList<ClassProfile>? Classes, IReadOnlyList<string> Warnings,
        int EncodedWidth, string? SampleWeightColumn);

/// <summary>A dataset in a listing: no profile, no data.</summary>
public sealed record DatasetListItem(
    Guid Id, string Name, string Task, string TargetColumn, int RowCount, int FeatureCount, int ClassCount,
        long SizeBytes, DateTime CreatedAt);

/// <summary>A window of rows: features in raw units, then the target (class label or number), in <c>Columns</c>
/// order.</summary>
public sealed record DatasetRows(Guid DatasetId, IReadOnlyList<string> Columns, int Offset, int Limit, int TotalRows,
    IReadOnlyList<object[]> Rows);

/// <summary>The JSON upload body (documentation of its shape; the reader checks it by hand to name bad cells by
/// path).</summary>
/// <param name="Task">"classification" or "regression"; inferred when absent.</param>
/// <param name="Features">Rows of numbers, with <c>Targets</c> (one per row: numbers for regression, strings or
/// integers for classification).</param>
/// <param name="ClassNames">Fixes the label order; integer targets are then indices into it (with records, send it
/// before them).</param>
/// <param name="Records">Alternatively, one object per row with named columns; <c>TargetColumn</c> names the one to
/// predict. Cells may be numbers, strings (categorical levels), booleans or null (missing). The body streams in any
/// property order; records sent after <c>TargetColumn</c> are stored as they arrive, before it they are held until
/// it comes.</param>
/// <param name="ColumnTypes">Declared feature types by column name: numeric, categorical or boolean; others are
/// inferred.</param>
/// <param name="SampleWeightColumn">A column of per-row loss weights (numbers ≥ 0), taken out of the features.</param>
public sealed record DatasetJsonUpload(
    string Name, string? Task, string? TargetColumn, IReadOnlyList<string>? FeatureNames,
        IReadOnlyList<string>? ClassNames,
    JsonElement[][]? Features, JsonElement[]? Targets, Dictionary<string, JsonElement>[]? Records,
    Dictionary<string, ColumnKind>? ColumnTypes = null, string? SampleWeightColumn = null);

internal static class DatasetMapping
{
    internal static readonly JsonSerializerOptions ProfileJson = new(JsonSerializerDefaults.Web);

    public static TaskKind ParseTask(string task) => task == "regression" ? TaskKind.Regression
        : TaskKind.Classification;

    public static DatasetProfile Profile(this DatasetEntity d) =>
        JsonSerializer.Deserialize<DatasetProfile>(d.ProfileJson, ProfileJson) ?? throw new InvalidDataException(
            $"Dataset {d.Id} has no profile.");

    public static DatasetResponse ToResponse(this DatasetEntity d)
    {
        var p = d.Profile();
        return new(d.Id, d.Name, d.Task, d.TargetColumn, d.RowCount, d.FeatureCount, d.ClassCount, d.SizeBytes,
            d.CreatedAt.AsUtc(),
            p.Columns, p.Classes, p.Warnings, p.EncodedWidth ?? d.FeatureCount, p.SampleWeightColumn);
    }

    public static DatasetListItem ToListItem(this DatasetEntity d) =>
        new(d.Id, d.Name, d.Task, d.TargetColumn, d.RowCount, d.FeatureCount, d.ClassCount, d.SizeBytes,
            d.CreatedAt.AsUtc());
}
