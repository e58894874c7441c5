namespace Backprop.Api.Jobs;

/// <summary>Latest and best losses so far (all finite or null).</summary>
internal sealed record JobProgress(int Epoch = 0, double? TrainLoss = null, double? ValidationLoss = null,
    double? BestTrainLoss = null, double? BestValidationLoss = null, int? BestEpoch = null)
{
    /// <summary>The progress stored with the job's last checkpoint.</summary>
    public static JobProgress Of(TrainingJob j) =>
        new(j.Epoch, j.TrainLoss, j.ValidationLoss, j.BestTrainLoss, j.BestValidationLoss, j.BestEpoch);

    public JobProgress After(EpochReport r, (double Value, int Epoch)? monitoredBest)
    {
        double? train = r.TrainLoss.Finite(), validation = r.ValidationLoss.Finite();
        double? bestTrain = train is { } t && !(BestTrainLoss <= t) ? t : BestTrainLoss;
        double? bestValidation = validation is { } v && !(BestValidationLoss <= v) ? v : BestValidationLoss;
        int? bestEpoch = monitoredBest?.Epoch
            ?? (validation is not null
                ? (bestValidation == validation ? r.Epoch : BestEpoch)
                : (bestTrain == train ? r.Epoch : BestEpoch));
        return new(r.Epoch, train, validation, bestTrain, bestValidation, bestEpoch);
    }
}
