using System.Linq.Expressions;

namespace Backprop.Api.Jobs;

public static class JobMapping
{
    /// <summary>The core's options of a request, through the same mapping the worker uses for the stored request; class
    /// weights given by label need the dataset's <paramref name="classNames"/> (else they are left out, as when only
    /// the other options are checked).</summary>
    public static TrainingOptions ToOptions(this TrainingJobRequest r, IReadOnlyList<string>? classNames = null) =>
        r.ToStored().ToOptions(classNames);

    public static JobResponse ToResponse(this TrainingJob j, DateTime now,
        CrossValidationResult? crossValidation = null)
    {
        double? elapsed = j.StartedAt is { } start ? ((j.FinishedAt ?? now) - start).TotalSeconds : null;
        double? remaining = j.Status == JobStatus.Running && elapsed is { } e && j.Epoch > j.InitialEpoch
            ? e / (j.Epoch - j.InitialEpoch) * (j.Epochs - j.Epoch) : null;
        if (j.Status.IsFinished()) remaining = 0;
        return new JobResponse(j.Id, j.Status, j.NetworkId, j.DatasetId, j.WarmStartModelId, j.ContinuesModelId,
            j.Epoch, j.Epochs,
            j.TrainLoss.Finite(), j.ValidationLoss.Finite(), j.BestTrainLoss.Finite(), j.BestValidationLoss.Finite(),
                j.BestEpoch,
            j.CreatedAt.AsUtc(), j.StartedAt.AsUtc(), j.FinishedAt.AsUtc(), elapsed, remaining, j.StopReason,
                j.FailureReason, j.ModelId, j.Seed, j.Attempt,
            j.Request.ToContract(), new JobLinks($"/api/jobs/{j.Id}", $"/api/jobs/{j.Id}/history", j.ModelId is { } m
                ? $"/api/models/{m}" : null),
            JobDiagnostics.Findings(j.DiagnosticsJson), j.ParentJobId, j.Fold, j.SearchId, crossValidation,
            PhaseOf(j.Request.Refit, j.RefitFromEpoch), j.RefitFromEpoch, j.Epochs - j.RefitFromEpoch);
    }

    /// <summary>A refitting job's training now: selection until the refit has started; null without refit.</summary>
    public static JobPhase? PhaseOf(bool refit, int? refitFrom) =>
        refit ? (refitFrom is null ? JobPhase.Selection : JobPhase.Refit) : null;

    /// <summary>The training an epoch of a refitting job belongs to: the refit's epochs follow <paramref
    /// name="refitFrom"/>.</summary>
    public static JobPhase? PhaseOf(bool refit, int? refitFrom, int epoch) =>
        refit ? (refitFrom is { } from && epoch > from ? JobPhase.Refit : JobPhase.Selection) : null;

    /// <summary>A list row, projected in the query so that a list reads neither the stored request nor the
    /// network.</summary>
    public static readonly Expression<Func<TrainingJob, JobSummary>> Summary = j => new JobSummary(j.Id, j.Status,
        j.NetworkId,
        j.DatasetId, j.Epoch, j.Epochs, j.TrainLoss.Finite(), j.ValidationLoss.Finite(), j.CreatedAt.AsUtc(),
            j.FinishedAt.AsUtc(),
        j.ModelId, null, j.ParentJobId, j.SearchId);

    public static EpochEntity ToEntity(this EpochReport r, Guid jobId, string tenantId) => new()
    {
        JobId = jobId,
        TenantId = tenantId,
        Epoch = r.Epoch,
        TrainLoss = r.TrainLoss.Finite(),
        ValidationLoss = r.ValidationLoss.Finite(),
        TrainAccuracy = r.TrainAccuracy.Finite(),
        ValidationAccuracy = r.ValidationAccuracy.Finite(),
        TrainRmse = r.TrainRmse.Finite(),
        ValidationRmse = r.ValidationRmse.Finite(),
        TrainR2 = r.TrainR2.Finite(),
        ValidationR2 = r.ValidationR2.Finite(),
        LearningRate = r.LearningRate.Finite(),
        Layers = r.Layers.Select(l => new StoredLayerStatistics(l.Layer, l.WeightGradientNorm.Finite(),
            l.BiasGradientNorm.Finite(),
            l.UpdateRatio.Finite(), l.BiasUpdateNorm.Finite(), l.InactiveFraction.Finite(),
                l.SaturatedFraction.Finite())).ToArray(),
        DurationMs = r.Duration.TotalMilliseconds,
    };

    public static EpochResponse ToResponse(this EpochEntity e) => new(e.Epoch, e.TrainLoss, e.ValidationLoss,
        e.TrainAccuracy, e.ValidationAccuracy, e.TrainRmse, e.ValidationRmse, e.TrainR2, e.ValidationR2, e.LearningRate,
        e.Layers.Select(l => new LayerStatisticsResponse(l.Layer, l.WeightGradientNorm, l.BiasGradientNorm,
            l.UpdateRatio, l.BiasUpdateNorm, l.InactiveFraction, l.SaturatedFraction)).ToList(),
        e.DurationMs);
}
