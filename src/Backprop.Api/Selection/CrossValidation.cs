using Backprop.Api.Data;
using Backprop.Api.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Selection;

/// <summary>
/// k-fold cross-validation as jobs: a parent row that no worker runs (<see cref="TrainingJob.FoldCount"/> set) and one
/// ordinary child job per fold, which any worker of any replica claims. The parent's status, progress, history and
/// metrics are summaries of its children, kept up to date by <see cref="SelectionCoordinator"/>.
/// </summary>
public static class CrossValidation
{
    /// <summary>The parent and its fold jobs, queued; each child's request names its fold.</summary>
    public static IReadOnlyList<TrainingJob> CreateFolds(TrainingJob parent)
    {
        int count = parent.Request.CrossValidation!.Folds;
        var folds = new List<TrainingJob>(count);
        for (int fold = 0; fold < count; fold++)
        {
            folds.Add(Child(parent,
                parent.Request with { CrossValidation = parent.Request.CrossValidation! with { Fold = fold,
                    TrainFinalModel = false } },
                Guid.CreateVersion7(), fold));
        }
        return folds;
    }

    /// <summary>
    /// The training on all rows once every fold succeeded; its id is derived from the parent's so that two
    /// coordinators cannot both add it. When the folds stopped early on their held-out fold (the default without
    /// epochs), it trains for the mean of the epoch counts they chose (each fold's best epoch, or its stop epoch
    /// without restored weights), as a single job's refit trains for its split's choice; else as the folds did,
    /// watching the training loss for a stop on a validation metric, since no row is held out.
    /// </summary>
    public static TrainingJob CreateFinal(TrainingJob parent, IReadOnlyList<TrainingJob> folds)
    {
        var request = parent.Request with { CrossValidation = null };
        int epochs = parent.Epochs;
        if (request is { ValidationFraction: <= 0, EarlyStopping: { Monitor: not MonitoredMetric.TrainLoss } stop })
        {
            if (folds.Count > 0 && folds.All(f => f.BestEpoch is not null))
            {
                epochs = Math.Max(1, (int)Math.Round(folds.Average(f => stop.RestoreBestWeights ? f.BestEpoch!.Value
                    : f.Epoch), MidpointRounding.AwayFromZero));
                request = request with { Epochs = epochs, EarlyStopping = null };
            }
            else request = request with { EarlyStopping = stop with { Monitor = MonitoredMetric.TrainLoss } };
        }
        var final = Child(parent, request, FinalJobId(parent.Id), null);
        final.Epochs = epochs;
        return final;
    }

    private static TrainingJob Child(TrainingJob parent, StoredTrainingRequest request, Guid id, int? fold)
    {
        var child = TrainingJob.Queued(parent.TenantId, parent.NetworkId, parent.DatasetId, parent.NetworkJson,
            request, parent.Seed, parent.Epochs, id);
        child.WarmStartModelId = parent.WarmStartModelId;
        child.ParentJobId = parent.Id;
        child.Fold = fold;
        child.SearchId = parent.SearchId;
        return child;
    }

    public static Guid FinalJobId(Guid parentId)
    {
        Span<byte> bytes = stackalloc byte[16];
        parentId.TryWriteBytes(bytes);
        bytes[15] ^= 0xF1; // same version and variant bits as the parent's, so still a valid v7 layout
        return new Guid(bytes);
    }

    /// <summary>The metrics of an epoch's report, by their JSON names; absent ones (no validation split, regression)
    /// left out.</summary>
    public static Dictionary<string, double> Metrics(EpochEntity r)
    {
        var metrics = new Dictionary<string, double>();
        void Add(string name, double? value) { if (value is { } v && double.IsFinite(v)) metrics[name] = v; }
        Add("trainLoss", r.TrainLoss); Add("validationLoss", r.ValidationLoss);
        Add("trainAccuracy", r.TrainAccuracy); Add("validationAccuracy", r.ValidationAccuracy);
        Add("trainRmse", r.TrainRmse); Add("validationRmse", r.ValidationRmse);
        Add("trainR2", r.TrainR2); Add("validationR2", r.ValidationR2);
        return metrics;
    }

    /// <summary>Mean, sample and population standard deviation of <paramref name="values"/> (one value: both deviations
    /// 0).</summary>
    public static MetricSummary Summarize(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        double squares = values.Sum(v => (v - mean) * (v - mean));
        return new MetricSummary(mean, values.Count > 1 ? Math.Sqrt(squares / (values.Count - 1)) : 0,
            Math.Sqrt(squares / values.Count));
    }

    /// <summary>Per-fold results (each fold's last epoch) and, over the succeeded folds, every metric's mean and
    /// standard deviations.</summary>
    public static async Task<CrossValidationResult> SummarizeAsync(BackpropDbContext db, TrainingJob parent,
        CancellationToken ct)
    {
        var cv = parent.Request.CrossValidation!;
        var children = await db.Set<TrainingJob>().AsNoTracking().Where(j => j.ParentJobId == parent.Id)
            .ToListAsync(ct);
        var perFold = new List<FoldResult>();
        foreach (var child in children.Where(c => c.Fold is not null).OrderBy(c => c.Fold))
        {
            var last = await db.Set<EpochEntity>().AsNoTracking().Where(e => e.JobId == child.Id)
                .OrderByDescending(e => e.Epoch).FirstOrDefaultAsync(ct);
            perFold.Add(new FoldResult(child.Fold!.Value, child.Id, child.Status, child.Epoch, last is null
                ? new Dictionary<string, double>() : Metrics(last)));
        }
        var succeeded = perFold.Where(f => f.Status == JobStatus.Succeeded).ToList();
        var summary = succeeded.SelectMany(f => f.Metrics.Keys).Distinct()
            .Where(name => succeeded.All(f => f.Metrics.ContainsKey(name)))
            .ToDictionary(name => name, name => Summarize(succeeded.Select(f => f.Metrics[name]).ToList()));
        var final = children.FirstOrDefault(c => c.Fold is null)?.Id;
        return new CrossValidationResult(cv.Folds, cv.Stratified, cv.ShuffleSeed ?? parent.Seed, perFold, summary,
            final);
    }

    /// <summary>The parent's history: per epoch, the mean of each metric over the folds that reached it.</summary>
    /// <summary>The folds' mean per epoch from <paramref name="fromEpoch"/> (at most <paramref name="limit"/> epochs),
    /// and how many epochs there are in all.</summary>
    public static async Task<(List<EpochResponse> Epochs, int Total)> HistoryAsync(BackpropDbContext db, Guid parentId,
        int fromEpoch, int limit, CancellationToken ct)
    {
        var folds = db.Set<TrainingJob>().Where(j => j.ParentJobId == parentId && j.Fold != null).Select(j => j.Id);
        int total = await db.Set<EpochEntity>().Where(e => folds.Contains(e.JobId)).Select(e => e.Epoch).Distinct()
            .CountAsync(ct);
        var records = await db.Set<EpochEntity>().AsNoTracking().Where(e => folds.Contains(e.JobId)
            && e.Epoch >= fromEpoch).ToListAsync(ct);
        var epochs = records.GroupBy(e => e.Epoch).OrderBy(g => g.Key).Take(limit).Select(g => new EpochResponse(g.Key,
            Mean(g, e => e.TrainLoss), Mean(g, e => e.ValidationLoss), Mean(g, e => e.TrainAccuracy),
                Mean(g, e => e.ValidationAccuracy),
            Mean(g, e => e.TrainRmse), Mean(g, e => e.ValidationRmse), Mean(g, e => e.TrainR2),
                Mean(g, e => e.ValidationR2),
            Mean(g, e => e.LearningRate), [], g.Sum(e => e.DurationMs))).ToList();
        return (epochs, total);

        static double? Mean(IEnumerable<EpochEntity> records, Func<EpochEntity, double?> value) =>
            records.Select(value).Where(v => v is not null).Select(v => v!.Value).ToList() is { Count: > 0 } values
                ? values.Average() : null;
    }

    /// <summary>
    /// One step of a parent: its progress from the folds; once all folds succeeded the final training (if asked for),
    /// and then its end state: succeeded (with the final model), failed (a fold failed) or cancelled (a fold was
    /// cancelled).
    /// </summary>
    public static async Task AdvanceAsync(BackpropDbContext db, ClusterEvents events, TrainingJob parent,
        CancellationToken ct)
    {
        var children = await db.Set<TrainingJob>().AsNoTracking().Where(j => j.ParentJobId == parent.Id)
            .ToListAsync(ct);
        var folds = children.Where(c => c.Fold is not null).ToList();
        var final = children.FirstOrDefault(c => c.Fold is null);
        var running = db.Set<TrainingJob>().Where(j => j.Id == parent.Id && j.Status == JobStatus.Running);
        int epoch = folds.Count == 0 ? 0 : folds.Min(f => f.Epoch);
        double? train = MeanOf(folds, f => f.TrainLoss), validation = MeanOf(folds, f => f.ValidationLoss);
        await running.ExecuteUpdateAsync(s => s.SetProperty(j => j.Epoch, epoch).SetProperty(j => j.TrainLoss, train)
            .SetProperty(j => j.ValidationLoss, validation), ct);
        if (folds.Any(f => !f.Status.IsFinished())) return;

        var now = DateTime.UtcNow;
        if (folds.FirstOrDefault(f => f.Status == JobStatus.Failed) is { } failed)
        {
            await running.ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Failed)
                .SetProperty(j => j.StopReason, JobStopReason.Failed)
                .SetProperty(j => j.FailureReason, $"Fold {failed.Fold} failed: {failed.FailureReason}")
                .SetProperty(j => j.FinishedAt, now), ct);
            return;
        }
        if (folds.Any(f => f.Status == JobStatus.Cancelled))
        {
            await running.ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Cancelled)
                .SetProperty(j => j.StopReason, JobStopReason.Cancelled)
                .SetProperty(j => j.FinishedAt, now), ct);
            return;
        }
        if (parent.Request.CrossValidation is { TrainFinalModel: true })
        {
            if (final is null)
            {
                db.Add(CreateFinal(parent, folds));
                try { await db.SaveChangesAsync(ct); }
                catch (DbUpdateException) { db.ChangeTracker.Clear(); return; } // another coordinator added it first
                await events.PublishAsync(db, ClusterEvent.JobQueued, parent.TenantId, ct);
                return;
            }
            if (!final.Status.IsFinished()) return;
            if (final.Status != JobStatus.Succeeded)
            {
                await running.ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, final.Status)
                    .SetProperty(j => j.StopReason, final.StopReason)
                    .SetProperty(j => j.FailureReason, final.FailureReason is null ? null
                        : $"The final training failed: {final.FailureReason}")
                    .SetProperty(j => j.FinishedAt, now), ct);
                return;
            }
        }
        await running.ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Succeeded)
            .SetProperty(j => j.StopReason, JobStopReason.Completed)
            .SetProperty(j => j.ModelId, final?.ModelId).SetProperty(j => j.FinishedAt, now), ct);
    }

    private static double? MeanOf(List<TrainingJob> jobs, Func<TrainingJob, double?> value) =>
        jobs.Select(value).Where(v => v is not null).Select(v => v!.Value).ToList() is { Count: > 0 } values
            ? values.Average() : null;

    /// <summary>Cancels a parent and every unfinished child: queued ones at once, running ones at their next batch (any
    /// replica's heartbeat sees the request).</summary>
    public static async Task CancelAsync(BackpropDbContext db, ClusterEvents events, Guid parentId,
        CancellationToken ct)
    {
        var cancel = JobTransitions.Cancel(DateTime.UtcNow);
        await db.Set<TrainingJob>().Where(j => j.Id == parentId && j.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => cancel(s.SetProperty(j => j.CancelRequested, true)), ct);
        await SelectionJobs.CancelManyAsync(db, events, db.Set<TrainingJob>().Where(j => j.ParentJobId == parentId),
            ct);
    }
}
