using System.Text.Json.Serialization;

namespace Backprop.Client;

/// <summary>The optimizer's algorithm.</summary>
public enum OptimizerKind { Sgd, Momentum, Nesterov, Adam, AdamW, RmsProp }

/// <summary>A job's state: queued, then running, then one of the three final states.</summary>
public enum JobStatus { Queued, Running, Succeeded, Failed, Cancelled }

/// <summary>Which of a refitting job's two trainings is running, or ran an epoch.</summary>
public enum JobPhase
{
    /// <summary>On the training split, while the validation split chooses the epoch count.</summary>
    Selection,
    /// <summary>On every row, from the same initial weights, for the chosen epoch count.</summary>
    Refit,
}

/// <summary>Why a job stopped.</summary>
public enum JobStopReason { Completed, EarlyStopped, Diverged, Cancelled, Failed, Pruned }

/// <summary>The optimizer; an unset value takes the service's default.</summary>
/// <param name="Kind">Adam when unset.</param>
/// <param name="LearningRate">The step size.</param>
public sealed record OptimizerRequest(OptimizerKind? Kind = null, double? LearningRate = null);

/// <summary>A training job to start; every unset option takes the service's default.</summary>
/// <param name="NetworkId">The network to train.</param>
/// <param name="DatasetId">The dataset to train it on.</param>
/// <param name="Epochs">Passes over the training rows; unset trains until the validation loss stops improving.</param>
/// <param name="BatchSize">Rows per gradient step.</param>
/// <param name="ValidationFraction">Share of the rows held out to validate each epoch.</param>
/// <param name="Seed">Seed of the shuffling and the validation split; recorded with the job.</param>
/// <param name="Refit">Once the validation split has chosen the epoch count, train again on every row for that many
/// epochs; unset: on when <paramref name="Epochs"/> is unset, off otherwise.</param>
public sealed record TrainingRequest(
    Guid NetworkId,
    Guid DatasetId,
    int? Epochs = null,
    int? BatchSize = null,
    OptimizerRequest? Optimizer = null,
    double? ValidationFraction = null,
    ulong? Seed = null,
    bool? Refit = null)
{
    /// <summary>
    /// Any other option of <c>POST /api/jobs</c> by its JSON name (<c>schedule</c>, <c>earlyStopping</c>,
    /// <c>normalization</c>, <c>classWeights</c>, ...), sent as given.
    /// </summary>
    [JsonExtensionData] public Dictionary<string, object>? More { get; init; }
}

/// <summary>A training job's state, progress and result.</summary>
/// <param name="Epoch">Epochs completed so far.</param>
/// <param name="Epochs">Epochs requested.</param>
/// <param name="FailureReason">What went wrong, for a failed job.</param>
/// <param name="ModelId">The trained model, once the job succeeded.</param>
/// <param name="Phase">A refitting job's training: selection, then refit; null for a job that does not refit.</param>
/// <param name="RefitFromEpoch">The selection's last epoch once the refit has started: later epochs are the
/// refit's.</param>
/// <param name="RefitEpochs">The epochs the refit trains (the count the selection chose).</param>
public sealed record TrainingJob(
    Guid Id,
    JobStatus Status,
    Guid NetworkId,
    Guid DatasetId,
    int Epoch,
    int Epochs,
    double? TrainLoss,
    double? ValidationLoss,
    double? BestValidationLoss,
    int? BestEpoch,
    JobStopReason? StopReason,
    string? FailureReason,
    Guid? ModelId,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    double? ElapsedSeconds,
    double? EstimatedRemainingSeconds,
    JobPhase? Phase = null,
    int? RefitFromEpoch = null,
    int? RefitEpochs = null)
{
    /// <summary>Succeeded, failed or cancelled: nothing more will change.</summary>
    [JsonIgnore] public bool IsFinished => Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;
}

/// <summary>One epoch of a job's history.</summary>
/// <param name="TrainAccuracy">Classification only.</param>
/// <param name="TrainRmse">Regression only, in the target's units.</param>
/// <param name="DurationMs">Wall time of the epoch.</param>
/// <param name="Phase">For a refitting job, the training the epoch belongs to.</param>
public sealed record EpochReport(
    int Epoch,
    double? TrainLoss,
    double? ValidationLoss,
    double? TrainAccuracy,
    double? ValidationAccuracy,
    double? TrainRmse,
    double? ValidationRmse,
    double? LearningRate,
    double DurationMs,
    JobPhase? Phase = null);

internal sealed record HistoryPage(IReadOnlyList<EpochReport> Epochs, string? Next);

internal sealed record PredictionBody(IEnumerable<double[]>? Rows = null,
    IEnumerable<IReadOnlyDictionary<string, object?>>? Records = null);
