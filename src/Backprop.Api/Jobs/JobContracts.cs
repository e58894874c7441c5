
namespace Backprop.Api.Jobs;

/// <summary>Optimizer and its settings; defaults are PyTorch's (as the core's).</summary>
public sealed record OptimizerRequest(
    OptimizerKind Kind = OptimizerKind.Adam,
    double LearningRate = 1e-3,
    double Momentum = 0.9,
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Epsilon = 1e-8,
    double WeightDecay = 0,
    double Alpha = 0.99,
    double Dampening = 0);

/// <summary>Learning-rate schedule (constant, step, exponential, cosine, reduce_on_plateau) and its parameters.</summary>
public sealed record ScheduleRequest(
    ScheduleKind Kind = ScheduleKind.Constant,
    int StepSize = 10,
    double Gamma = 0.1,
    int? CosineEpochs = null,
    double MinLearningRate = 0,
    double Factor = 0.1,
    int Patience = 10,
    double Threshold = 1e-4,
    int Cooldown = 0);

/// <summary>Stop when the monitored metric has not improved by more than minDelta for patience epochs.</summary>
public sealed record EarlyStoppingRequest(
    MonitoredMetric Monitor = MonitoredMetric.ValidationLoss,
    int Patience = 10,
    double MinDelta = 0,
    bool RestoreBestWeights = true);

/// <summary>Train a stored network on a stored dataset.</summary>
/// <param name="NetworkId">The network configuration (POST /api/networks).</param>
/// <param name="DatasetId">The dataset (POST /api/datasets).</param>
/// <param name="Epochs">Passes over the training split.</param>
/// <param name="BatchSize">Rows per gradient step.</param>
/// <param name="Optimizer">Defaults to adam with learning rate 0.001.</param>
/// <param name="Schedule">Defaults to a constant learning rate.</param>
/// <param name="ValidationFraction">Share of rows held out (stratified for classification); 0 = none.</param>
/// <param name="EarlyStopping">Null = train all epochs.</param>
/// <param name="Normalization">z_score, min_max or none; fitted on the training split and stored with the model.</param>
/// <param name="StandardizeTargets">Standardise regression targets (predictions are in raw units either way).</param>
/// <param name="ClipGradientNorm">Clip the gradient's global L2 norm to this; null = no clipping.</param>
/// <param name="Shuffle">Shuffle rows every epoch.</param>
/// <param name="Seed">Seed of shuffles and the split; null = the network's seed.</param>
/// <param name="WarmStartModelId">Start from this model's weights (same layer shapes) instead of a fresh initialisation.</param>
public sealed record TrainingJobRequest(
    Guid NetworkId,
    Guid DatasetId,
    int Epochs = 10,
    int BatchSize = 32,
    OptimizerRequest? Optimizer = null,
    ScheduleRequest? Schedule = null,
    double ValidationFraction = 0,
    EarlyStoppingRequest? EarlyStopping = null,
    NormalizationKind Normalization = NormalizationKind.ZScore,
    bool StandardizeTargets = true,
    double? ClipGradientNorm = null,
    bool Shuffle = true,
    ulong? Seed = null,
    Guid? WarmStartModelId = null);

/// <summary>Train a trained model for more epochs, as a new job that carries on its run.</summary>
/// <param name="Epochs">Epochs to add. The job continues the model's run from its final state (weights, optimizer moments and
/// step, learning-rate schedule, shuffle position) on the same dataset with the same settings, so it trains exactly as a single
/// longer run would have; its history is numbered on from the model's epochs.</param>
public sealed record ContinueTrainingRequest(int Epochs = 10);

public sealed record JobLinks(string Self, string History, string? Model);

public sealed record JobResponse(
    Guid Id,
    JobStatus Status,
    Guid NetworkId,
    Guid DatasetId,
    Guid? WarmStartModelId,
    Guid? ContinuedFromModelId,
    int Epoch,
    int Epochs,
    double? TrainLoss,
    double? ValidationLoss,
    double? BestTrainLoss,
    double? BestValidationLoss,
    int? BestEpoch,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    double? ElapsedSeconds,
    double? EstimatedRemainingSeconds,
    JobStopReason? StopReason,
    string? FailureReason,
    Guid? ModelId,
    ulong Seed,
    int Attempt,
    TrainingJobRequest Request,
    JobLinks Links);

public sealed record JobSummary(Guid Id, JobStatus Status, Guid NetworkId, Guid DatasetId, int Epoch, int Epochs, double? TrainLoss, double? ValidationLoss,
    DateTime CreatedAt, DateTime? FinishedAt, Guid? ModelId);

public sealed record LayerStatisticsResponse(int Layer, double? WeightGradientNorm, double? BiasGradientNorm, double? UpdateRatio);

public sealed record EpochResponse(
    int Epoch,
    double? TrainLoss,
    double? ValidationLoss,
    double? TrainAccuracy,
    double? ValidationAccuracy,
    double? TrainRmse,
    double? ValidationRmse,
    double? TrainR2,
    double? ValidationR2,
    double? LearningRate,
    IReadOnlyList<LayerStatisticsResponse> Layers,
    double DurationMs);

public sealed record JobHistoryResponse(Guid JobId, JobStatus Status, IReadOnlyList<EpochResponse> Epochs);
