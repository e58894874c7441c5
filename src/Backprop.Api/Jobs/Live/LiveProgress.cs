namespace Backprop.Api.Jobs.Live;

/// <summary>A running job's response as this process's live view has it (newer than the row, which changes at
/// checkpoints).</summary>
internal static class LiveProgress
{
    public static JobResponse WithLive(this JobResponse r, LiveJobs live)
    {
        if (r.Status != JobStatus.Running || live.Find(r.Id) is not { } job || job.Read() is not { Detached: false,
            Status: JobStatus.Running } s)
            return r;
        var p = s.Progress;
        return r with
        {
            Epoch = p.Epoch, TrainLoss = p.TrainLoss, ValidationLoss = p.ValidationLoss,
                BestTrainLoss = p.BestTrainLoss,
            BestValidationLoss = p.BestValidationLoss, BestEpoch = p.BestEpoch,
            EstimatedRemainingSeconds = s.EstimatedRemainingSeconds ?? r.EstimatedRemainingSeconds,
            Epochs = s.Epochs, Phase = s.Phase, RefitFromEpoch = s.RefitFromEpoch,
            RefitEpochs = s.Epochs - s.RefitFromEpoch,
        };
    }

    public static JobSummary WithLive(this JobSummary r, LiveJobs live)
    {
        if (r.Status != JobStatus.Running || live.Find(r.Id) is not { } job || job.Read() is not { Detached: false,
            Status: JobStatus.Running } s)
            return r;
        return r with { Epoch = s.Progress.Epoch, TrainLoss = s.Progress.TrainLoss,
            ValidationLoss = s.Progress.ValidationLoss, EstimatedRemainingSeconds = s.EstimatedRemainingSeconds };
    }

    /// <summary>An epoch as the history endpoint shows it once stored.</summary>
    public static EpochResponse ToResponse(this EpochReport r) => new(r.Epoch, r.TrainLoss.Finite(),
        r.ValidationLoss.Finite(),
        r.TrainAccuracy.Finite(), r.ValidationAccuracy.Finite(), r.TrainRmse.Finite(), r.ValidationRmse.Finite(),
            r.TrainR2.Finite(), r.ValidationR2.Finite(),
        r.LearningRate.Finite(), r.Layers.Select(l => new LayerStatisticsResponse(l.Layer,
            l.WeightGradientNorm.Finite(), l.BiasGradientNorm.Finite(), l.UpdateRatio.Finite(),
            l.BiasUpdateNorm.Finite(), l.InactiveFraction.Finite(), l.SaturatedFraction.Finite())).ToArray(),
        r.Duration.TotalMilliseconds);
}
