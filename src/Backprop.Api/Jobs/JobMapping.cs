using System.Text.Json;

namespace Backprop.Api.Jobs;

public static class JobMapping
{
    public static TrainingOptions ToOptions(this TrainingJobRequest r)
    {
        var o = r.Optimizer ?? new OptimizerRequest();
        var s = r.Schedule ?? new ScheduleRequest();
        return new TrainingOptions
        {
            Epochs = r.Epochs,
            BatchSize = r.BatchSize,
            Optimizer = new OptimizerSettings(o.Kind, o.LearningRate, o.Momentum, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay, o.Alpha, o.Dampening),
            Schedule = new ScheduleSettings(s.Kind, s.StepSize, s.Gamma, s.CosineEpochs, s.MinLearningRate, s.Factor, s.Patience, s.Threshold, s.Cooldown),
            ValidationFraction = r.ValidationFraction,
            EarlyStopping = r.EarlyStopping is { } e ? new EarlyStoppingSettings(e.Monitor, e.Patience, e.MinDelta, e.RestoreBestWeights) : null,
            Normalization = r.Normalization,
            StandardizeTargets = r.StandardizeTargets,
            ClipGradientNorm = r.ClipGradientNorm,
            Shuffle = r.Shuffle,
            Seed = r.Seed,
        };
    }

    public static TrainingJobRequest ReadRequest(this TrainingJob job) =>
        JsonSerializer.Deserialize<TrainingJobRequest>(job.RequestJson, StoredJson.Options) ?? throw new InvalidDataException("Empty job request.");

    public static JobResponse ToResponse(this TrainingJob j, DateTime now)
    {
        double? elapsed = j.StartedAt is { } start ? ((j.FinishedAt ?? now) - start).TotalSeconds : null;
        double? remaining = j.Status == JobStatus.Running && elapsed is { } e && j.Epoch > j.InitialEpoch ? e / (j.Epoch - j.InitialEpoch) * (j.Epochs - j.Epoch) : null;
        if (j.Status.IsFinished()) remaining = 0;
        return new JobResponse(j.Id, j.Status, j.NetworkId, j.DatasetId, j.WarmStartModelId, j.ContinuesModelId, j.Epoch, j.Epochs,
            j.TrainLoss.Finite(), j.ValidationLoss.Finite(), j.BestTrainLoss.Finite(), j.BestValidationLoss.Finite(), j.BestEpoch,
            j.CreatedAt.AsUtc(), j.StartedAt.AsUtc(), j.FinishedAt.AsUtc(), elapsed, remaining, j.StopReason, j.FailureReason, j.ModelId, j.Seed, j.Attempt,
            j.ReadRequest(), new JobLinks($"/api/jobs/{j.Id}", $"/api/jobs/{j.Id}/history", j.ModelId is { } m ? $"/api/models/{m}" : null));
    }

    public static JobSummary ToSummary(this TrainingJob j) => new(j.Id, j.Status, j.NetworkId, j.DatasetId, j.Epoch, j.Epochs,
        j.TrainLoss.Finite(), j.ValidationLoss.Finite(), j.CreatedAt.AsUtc(), j.FinishedAt.AsUtc(), j.ModelId);

    public static EpochRecord ToRecord(this EpochReport r, Guid jobId, string tenantId) => new()
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
        LayersJson = JsonSerializer.Serialize(
            r.Layers.Select(l => new LayerStatisticsResponse(l.Layer, l.WeightGradientNorm.Finite(), l.BiasGradientNorm.Finite(), l.UpdateRatio.Finite())).ToArray(),
            StoredJson.Options),
        DurationMs = r.Duration.TotalMilliseconds,
    };

    public static EpochResponse ToResponse(this EpochRecord e) => new(e.Epoch, e.TrainLoss, e.ValidationLoss, e.TrainAccuracy, e.ValidationAccuracy,
        e.TrainRmse, e.ValidationRmse, e.TrainR2, e.ValidationR2, e.LearningRate,
        JsonSerializer.Deserialize<LayerStatisticsResponse[]>(e.LayersJson, StoredJson.Options) ?? [], e.DurationMs);
}
