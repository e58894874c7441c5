using System.Text.Json;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Backprop.Api.Jobs;

// What a job stores as JSON, apart from the HTTP contracts: a contract can change without rewriting stored rows, and a
// stored row's shape changes only with a migration. Property names are the JSON names the rows already hold.

/// <summary>The training request as the job stored it when it was queued (column <c>RequestJson</c>).</summary>
public sealed record StoredTrainingRequest(
    Guid NetworkId,
    Guid DatasetId,
    int Epochs,
    int BatchSize,
    StoredOptimizer? Optimizer,
    StoredSchedule? Schedule,
    double ValidationFraction,
    StoredEarlyStopping? EarlyStopping,
    NormalizationKind Normalization,
    bool StandardizeTargets,
    double? ClipGradientNorm,
    bool Shuffle,
    ulong? Seed,
    Guid? WarmStartModelId,
    StoredPreparation? Preparation = null,
    JsonElement? ClassWeights = null,
    Backprop.Core.Diagnostics.DiagnosticThresholds? Diagnostics = null,
    StoredCrossValidation? CrossValidation = null,
    bool Refit = false);

/// <summary>The cross-validation a job runs (a parent) or the fold it holds out (a child, <see cref="Fold"/>
/// set).</summary>
public sealed record StoredCrossValidation(int Folds, bool Stratified, ulong? ShuffleSeed, bool TrainFinalModel,
    int? Fold);

public sealed record StoredPreparation(ImputationKind Imputation, bool MissingIndicators, int MinLevelCount,
    UnseenLevelPolicy UnseenLevels);

public sealed record StoredOptimizer(OptimizerKind Kind, double LearningRate, double Momentum, double Beta1,
    double Beta2, double Epsilon, double WeightDecay, double Alpha, double Dampening);

public sealed record StoredSchedule(ScheduleKind Kind, int StepSize, double Gamma, int? CosineEpochs,
    double MinLearningRate, double Factor, int Patience, double Threshold, int Cooldown);

public sealed record StoredEarlyStopping(MonitoredMetric Monitor, int Patience, double MinDelta,
    bool RestoreBestWeights);

/// <summary>One layer's gradient norms and update ratio in a history row (column <c>LayersJson</c>).</summary>
public sealed record StoredLayerStatistics(int Layer, double? WeightGradientNorm, double? BiasGradientNorm,
    double? UpdateRatio,
    double? BiasUpdateNorm = null, double? InactiveFraction = null, double? SaturatedFraction = null);

/// <summary>Maps a stored record to its JSON column with <see cref="StoredJson.Options"/>.</summary>
internal sealed class StoredJsonConverter<T>() : ValueConverter<T, string>(
    value => JsonSerializer.Serialize(value, StoredJson.Options),
    json => JsonSerializer.Deserialize<T>(json, StoredJson.Options)!)
    where T : class;

public static class JobStorageMapping
{
    /// <summary>Stored records are replaced, never mutated, and compare by their JSON.</summary>
    internal static ValueComparer<T> JsonComparer<T>() where T : class => new(
        (a, b) => JsonSerializer.Serialize(a, StoredJson.Options) == JsonSerializer.Serialize(b, StoredJson.Options),
        v => JsonSerializer.Serialize(v, StoredJson.Options).GetHashCode(StringComparison.Ordinal),
        v => v);

    /// <summary>The request with what it left to the core's defaults written out (<see
    /// cref="TrainingOptions.WithDefaults"/>), so a stored job trains the same whatever later versions choose as
    /// defaults.</summary>
    public static StoredTrainingRequest ToStored(this TrainingJobRequest r)
    {
        var early = r.EarlyStopping is { } e ? new EarlyStoppingSettings(e.Monitor, e.Patience, e.MinDelta,
            e.RestoreBestWeights) : null;
        // A cross-validation fold is the validation split: no fraction is held out besides it, and without epochs a
        // fold stops early on its validation loss as a single run does on its split's.
        bool folded = r.CrossValidation is not null;
        var resolved = TrainingOptions.WithDefaults(r.Epochs, folded ? r.ValidationFraction ?? 0
            : r.ValidationFraction, early);
        if (folded && r.Epochs is null && early is null)
            resolved = resolved with { EarlyStopping = new EarlyStoppingSettings(MonitoredMetric.ValidationLoss) };
        // Without epochs, the count the default split chooses is trained again on every row; a warm start's weights
        // may be gone by the time the refit starts, and a fold's score must stay out of its training.
        bool refit = r.Refit ?? (r.Epochs is null && !folded && r.WarmStartModelId is null
            && resolved.SelectsEpochsOnValidation);
        return new(r.NetworkId, r.DatasetId, resolved.Epochs, r.BatchSize, r.Optimizer?.ToStored(),
            r.Schedule?.ToStored(),
            resolved.ValidationFraction, resolved.EarlyStopping is { } stop ? new StoredEarlyStopping(stop.Monitor,
                stop.Patience, stop.MinDelta, stop.RestoreBestWeights) : null,
            r.Normalization, r.StandardizeTargets, r.ClipGradientNorm, r.Shuffle, r.Seed, r.WarmStartModelId,
            r.Preparation is { } p ? new StoredPreparation(p.Imputation, p.MissingIndicators, p.MinLevelCount,
                p.UnseenLevels) : null,
            r.ClassWeights is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } w ? w.Clone()
                : null,
            r.Diagnostics?.ToThresholds(),
            r.CrossValidation is { } cv ? new StoredCrossValidation(cv.Folds, cv.Stratified, cv.ShuffleSeed,
                cv.TrainFinalModel, cv.Fold) : null,
            refit);
    }

    public static TrainingJobRequest ToContract(this StoredTrainingRequest r) => new(
        r.NetworkId, r.DatasetId, r.Epochs, r.BatchSize,
        r.Optimizer is { } o
            ? new OptimizerRequest(o.Kind, o.LearningRate, o.Momentum, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay,
                o.Alpha, o.Dampening)
            : null,
        r.Schedule is { } s
            ? new ScheduleRequest(s.Kind, s.StepSize, s.Gamma, s.CosineEpochs, s.MinLearningRate, s.Factor, s.Patience,
                s.Threshold, s.Cooldown)
            : null,
        r.ValidationFraction,
        r.EarlyStopping is { } e ? new EarlyStoppingRequest(e.Monitor, e.Patience, e.MinDelta, e.RestoreBestWeights)
            : null,
        r.Normalization, r.StandardizeTargets, r.ClipGradientNorm, r.Shuffle, r.Seed, r.WarmStartModelId,
        r.Preparation is { } p ? new PreparationRequest(p.Imputation, p.MissingIndicators, p.MinLevelCount,
            p.UnseenLevels) : null,
        r.ClassWeights, r.Diagnostics?.ToRequest(),
        r.CrossValidation is { } cv ? new CrossValidationRequest(cv.Folds, cv.Stratified, cv.ShuffleSeed,
            cv.TrainFinalModel, cv.Fold) : null,
        r.Refit);

    /// <summary>The core's options of a stored request: the worker trains from what was stored, not from a contract.
    /// Class weights given by label need the dataset's <paramref name="classNames"/>.</summary>
    public static TrainingOptions ToOptions(this StoredTrainingRequest r, IReadOnlyList<string>? classNames = null)
    {
        var p = r.Preparation ?? new StoredPreparation(ImputationKind.Mean, false, 1, UnseenLevelPolicy.Ignore);
        var o = r.Optimizer ?? new OptimizerRequest().ToStored();
        var s = r.Schedule ?? new ScheduleRequest().ToStored();
        return new TrainingOptions
        {
            Epochs = r.Epochs,
            BatchSize = r.BatchSize,
            Optimizer = new OptimizerSettings(o.Kind, o.LearningRate, o.Momentum, o.Beta1, o.Beta2, o.Epsilon,
                o.WeightDecay, o.Alpha, o.Dampening),
            Schedule = new ScheduleSettings(s.Kind, s.StepSize, s.Gamma, s.CosineEpochs, s.MinLearningRate, s.Factor,
                s.Patience, s.Threshold, s.Cooldown),
            ValidationFraction = r.ValidationFraction,
            EarlyStopping = r.EarlyStopping is { } e
                ? new EarlyStoppingSettings(e.Monitor, e.Patience, e.MinDelta, e.RestoreBestWeights)
                : null,
            Normalization = r.Normalization,
            StandardizeTargets = r.StandardizeTargets,
            ClipGradientNorm = r.ClipGradientNorm,
            Shuffle = r.Shuffle,
            Seed = r.Seed,
            Preparation = new PreparationSettings(p.Imputation, p.MissingIndicators, p.MinLevelCount, p.UnseenLevels),
            ClassWeights = ClassWeightsRequest.Read(r.ClassWeights, classNames, new ProblemErrors()),
            Fold = r.CrossValidation is { Fold: { } fold } cv ? new CrossValidationFold(fold, cv.Folds, cv.Stratified,
                cv.ShuffleSeed ?? 0) : null,
        };
    }

    private static StoredOptimizer ToStored(this OptimizerRequest o) =>
        new(o.Kind, o.LearningRate, o.Momentum ?? OptimizerSettings.DefaultMomentum(o.Kind), o.Beta1, o.Beta2,
            o.Epsilon, o.WeightDecay, o.Alpha, o.Dampening);

    private static StoredSchedule ToStored(this ScheduleRequest s) =>
        new(s.Kind, s.StepSize, s.Gamma, s.CosineEpochs, s.MinLearningRate, s.Factor, s.Patience, s.Threshold,
            s.Cooldown);

}
