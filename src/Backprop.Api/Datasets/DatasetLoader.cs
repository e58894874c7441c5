using System.Collections.Concurrent;
using Backprop.Api.Data;
using Backprop.Api.Security;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Datasets;

/// <summary>A stored dataset decoded for training.</summary>
public sealed record LoadedDataset(
    Guid Id, string Name, TaskKind Task, IReadOnlyList<string> FeatureNames, IReadOnlyList<string>? ClassNames,
        string TargetColumn, TrainingData Data);

/// <summary>What validating a training request needs, read without the data. <c>ClassCount</c> is 0 for
/// regression.</summary>
/// <param name="Prepared">The features have categorical, boolean or missing cells: training fits a preparation, whose
/// width the network takes.</param>
public sealed record DatasetSummary(
    Guid Id, string Name, TaskKind Task, int RowCount, int FeatureCount, int ClassCount,
    IReadOnlyList<string> FeatureNames, IReadOnlyList<string>? ClassNames, string TargetColumn, bool Prepared = false)
{
    /// <summary>What a network must match (one target column for regression, as every stored dataset has); no width for
    /// a prepared table.</summary>
    public DatasetShape Shape => new(Task, RowCount, Prepared ? null : FeatureCount, Task == TaskKind.Classification
        ? ClassCount : 0, Task == TaskKind.Classification ? 0 : 1);
}

/// <summary>Datasets for the training jobs, seen as the current tenant (scoped).</summary>
public sealed class DatasetLoader(BackpropDbContext db, ICurrentTenant tenant)
{
    /// <summary>The dataset with its rows as <see cref="TrainingData"/> in raw units, or null when there is none with
    /// this id.</summary>
    public async Task<LoadedDataset?> LoadAsync(Guid id, CancellationToken ct)
    {
        var row = await db.Set<DatasetEntity>().AsNoTracking().OwnedBy(tenant)
            .Where(d => d.Id == id)
            .Select(d => new { d.Name, d.Content!.Data })
            .SingleOrDefaultAsync(ct);
        if (row is null) return null;
        var content = DatasetContentCodec.Decode(row.Data);
        return new LoadedDataset(id, row.Name, content.Task, content.FeatureNames, content.ClassNames,
            content.TargetColumn, content.ToTrainingData());
    }

    /// <summary>Sizes, task and names, or null when there is no dataset with this id.</summary>
    public async Task<DatasetSummary?> GetSummaryAsync(Guid id, CancellationToken ct)
    {
        var d = await db.Set<DatasetEntity>().AsNoTracking().OwnedBy(tenant).SingleOrDefaultAsync(e => e.Id == id, ct);
        return d is null ? null : new DatasetSummary(d.Id, d.Name, DatasetMapping.ParseTask(d.Task), d.RowCount,
            d.FeatureCount, d.ClassCount, d.FeatureNames, d.ClassNames, d.TargetColumn, IsPrepared(d));
    }

    // A stored dataset never changes, so whether its profile asks for a preparation is parsed once per id, not at every
    // submission.
    private static readonly ConcurrentDictionary<Guid, bool> Prepared = new();

    private static bool IsPrepared(DatasetEntity d)
    {
        if (Prepared.TryGetValue(d.Id, out bool prepared)) return prepared;
        prepared = d.Profile().Columns.Any(c => c.Role == "feature" && (c.Type != "numeric" || c.Missing > 0));
        if (Prepared.Count >= 10_000) Prepared.Clear();
        Prepared[d.Id] = prepared;
        return prepared;
    }
}
