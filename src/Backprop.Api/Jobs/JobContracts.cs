
namespace Backprop.Api.Jobs;

/// <summary>The optimizer and its settings. Every default is PyTorch's (<c>torch.optim</c>) and is the core's own
/// (<see cref="OptimizerSettings"/>); the OpenAPI document shows each as the property's default.</summary>
/// <param name="Kind">The update rule: sgd, momentum (heavy ball), nesterov, adam, adam_w or rms_prop.</param>
/// <param name="LearningRate">Base learning rate γ, multiplied by the schedule and by each layer's
/// learningRateMultiplier.</param>
/// <param name="Momentum">μ of momentum and nesterov (default 0.9) and of rms_prop (default 0, as PyTorch's RMSprop);
/// ignored by the others.</param>
/// <param name="Beta1">Adam's and AdamW's first-moment decay β1.</param>
/// <param name="Beta2">Adam's and AdamW's second-moment decay β2.</param>
/// <param name="Epsilon">ε added to the denominator of adam, adam_w and rms_prop.</param>
/// <param name="WeightDecay">λ on weights only, never biases: added to the gradient as λ·w (sgd, momentum, nesterov,
/// adam, rms_prop, as PyTorch's weight_decay), decoupled for adam_w (w ← w − γλw). Not part of the reported
/// loss.</param>
/// <param name="Alpha">rms_prop's smoothing constant α.</param>
/// <param name="Dampening">Dampening τ of momentum (nesterov needs 0).</param>
public sealed record OptimizerRequest(
    OptimizerKind Kind = OptimizerSettings.DefaultKind,
    double LearningRate = OptimizerSettings.DefaultLearningRate,
    double? Momentum = null,
    double Beta1 = OptimizerSettings.DefaultBeta1,
    double Beta2 = OptimizerSettings.DefaultBeta2,
    double Epsilon = OptimizerSettings.DefaultEpsilon,
    double WeightDecay = OptimizerSettings.DefaultWeightDecay,
    double Alpha = OptimizerSettings.DefaultAlpha,
    double Dampening = OptimizerSettings.DefaultDampening);

/// <summary>How the learning rate changes from epoch to epoch (PyTorch's scheduler of the same name, stepped once per
/// epoch). Defaults are the core's (<see cref="ScheduleSettings"/>).</summary>
/// <param name="Kind">constant, step (StepLR), exponential (ExponentialLR), cosine (CosineAnnealingLR) or
/// reduce_on_plateau (ReduceLROnPlateau).</param>
/// <param name="StepSize">step: epochs between two multiplications by gamma.</param>
/// <param name="Gamma">step and exponential: the multiplier, in (0, 1].</param>
/// <param name="CosineEpochs">cosine: the period T in epochs (null = the job's epochs). The rate follows
/// min + (γ − min)(1 + cos(π·e/T))/2 and stays at min after T epochs (PyTorch's would rise again).</param>
/// <param name="MinLearningRate">cosine and reduce_on_plateau: the lowest rate. Absolute, then multiplied by each
/// layer's learningRateMultiplier like every rate (a layer with multiplier m ends at m·min).</param>
/// <param name="Factor">reduce_on_plateau: multiplier applied to the rate, in (0, 1).</param>
/// <param name="Patience">reduce_on_plateau: epochs without improvement of the monitored loss (validation loss, else
/// training loss) before reducing.</param>
/// <param name="Threshold">reduce_on_plateau: relative improvement that counts (PyTorch's threshold_mode rel).</param>
/// <param name="Cooldown">reduce_on_plateau: epochs to wait after a reduction.</param>
public sealed record ScheduleRequest(
    ScheduleKind Kind = ScheduleSettings.DefaultKind,
    int StepSize = ScheduleSettings.DefaultStepSize,
    double Gamma = ScheduleSettings.DefaultGamma,
    int? CosineEpochs = null,
    double MinLearningRate = ScheduleSettings.DefaultMinLearningRate,
    double Factor = ScheduleSettings.DefaultFactor,
    int Patience = ScheduleSettings.DefaultPatience,
    double Threshold = ScheduleSettings.DefaultThreshold,
    int Cooldown = ScheduleSettings.DefaultCooldown);

/// <summary>Stop when the monitored metric has not improved by more than minDelta for patience epochs (defaults: the
/// core's <see cref="EarlyStoppingSettings"/>).</summary>
/// <param name="Monitor">validation_loss (needs a validation split), train_loss, or validation_accuracy (classification
/// with a validation split).</param>
/// <param name="Patience">Epochs without improvement tolerated before stopping.</param>
/// <param name="MinDelta">Smallest change of the monitored metric that counts as an improvement.</param>
/// <param name="RestoreBestWeights">The model keeps the weights of the best epoch rather than the last one.</param>
public sealed record EarlyStoppingRequest(
    MonitoredMetric Monitor = EarlyStoppingSettings.DefaultMonitor,
    int Patience = EarlyStoppingSettings.DefaultPatience,
    double MinDelta = EarlyStoppingSettings.DefaultMinDelta,
    bool RestoreBestWeights = EarlyStoppingSettings.DefaultRestoreBestWeights);

/// <summary>k-fold cross-validation: k trainings, each holding out one fold as its validation split.</summary>
/// <param name="Folds">k, at least 2.</param>
/// <param name="Stratified">Keep each class's share in every fold (classification).</param>
/// <param name="ShuffleSeed">Seed of the fold assignment; null = the job's seed.</param>
/// <param name="TrainFinalModel">After the folds, train once more on all rows; that model becomes the job's
/// model.</param>
/// <param name="Fold">Train only this fold (0-based) as an ordinary job, e.g. to reproduce one fold of a
/// cross-validation.</param>
public sealed record CrossValidationRequest(
    int Folds = 5,
    bool Stratified = true,
    ulong? ShuffleSeed = null,
    bool TrainFinalModel = false,
    int? Fold = null);
/// <summary>How a dataset with categorical, boolean or missing cells is prepared; fitted on the training split and
/// stored with the model.</summary>
/// <param name="Imputation">mean or median: the training split's value fills a missing numeric or boolean cell.</param>
/// <param name="MissingIndicators">Add a 0/1 input per numeric or boolean column that had missing cells in the training
/// split.</param>
/// <param name="MinLevelCount">Categorical levels with fewer training rows share one "(other)" input; 1 = no
/// grouping.</param>
/// <param name="UnseenLevels">At prediction, a level the training split never held: ignore (all-zero encoding and a
/// warning on the row) or refuse (400).</param>
public sealed record PreparationRequest(
    ImputationKind Imputation = ImputationKind.Mean,
    bool MissingIndicators = false,
    int MinLevelCount = 1,
    UnseenLevelPolicy UnseenLevels = UnseenLevelPolicy.Ignore);

/// <summary>Train a stored network on a stored dataset. Only networkId and datasetId are required: the defaults (the
/// core's <see cref="TrainingOptions"/>) train with Adam at 10⁻³ on batches of min(200, rows) until the validation loss
/// stops improving.</summary>
/// <param name="NetworkId">The network to train (from POST /api/networks).</param>
/// <param name="DatasetId">The dataset to train on (from POST /api/datasets); its feature count must equal the
/// network's inputWidth.</param>
/// <param name="Epochs">Passes over the training split. Given, the job trains exactly that many (earlier only with
/// earlyStopping). Omitted, it trains at most 1000 epochs and stops early when the validation loss of a 10 % validation
/// split has not improved for 10 epochs, then trains the best epoch's count again on every row (see refit; with
/// validationFraction 0 it stops when the training loss has not improved and keeps that run).</param>
/// <param name="BatchSize">Rows per gradient step; larger than the training split means full-batch gradient
/// descent.</param>
/// <param name="Optimizer">The update rule and its settings; omitted = adam with learning rate 0.001.</param>
/// <param name="Schedule">The learning-rate schedule; omitted = a constant rate.</param>
/// <param name="ValidationFraction">Share of rows held out for validation, in [0, 1), stratified by class for
/// classification. Omitted: 0.1 when epochs is omitted (for early stopping), else 0 (none).</param>
/// <param name="EarlyStopping">Stop when a metric stops improving; omitted = none when epochs is given (see epochs
/// otherwise).</param>
/// <param name="Normalization">Input scaling fitted on the training split and stored with the model: z_score, min_max
/// or none.</param>
/// <param name="StandardizeTargets">Standardise regression targets while training (predictions come back in raw units
/// either way).</param>
/// <param name="ClipGradientNorm">Rescale the gradient when its global L2 norm exceeds this; omitted = no
/// clipping.</param>
/// <param name="Shuffle">Visit the training rows in a new seeded order every epoch.</param>
/// <param name="Seed">Seed of the shuffles and the validation split; omitted = the network's seed.</param>
/// <param name="WarmStartModelId">Start from this model's weights (same layer shapes) instead of a fresh
/// initialisation; omitted = fresh.</param>
/// <param name="Preparation">Imputation, missing indicators, rare-level grouping and unseen levels for datasets with
/// categorical, boolean or missing cells.</param>
/// <param name="ClassWeights">Classification: "balanced" (class c weighs n / (k · n_c) over the training split) or an
/// object of class label to weight (every class; 0 or more). Multiplies the dataset's sample weights in the loss and
/// the weighted accuracy (docs/tabular-data.md).</param>
/// <param name="Diagnostics">Thresholds of the training diagnostics; null = the documented defaults.</param>
/// <param name="CrossValidation">Run k-fold cross-validation as k child jobs (see docs/model-selection.md); null = one
/// training.</param>
/// <param name="Refit">After a validation split has chosen the epoch count (early stopping on validation_loss or
/// validation_accuracy), train again from the same initial weights on every row, validation rows included, for that
/// many epochs (the best epoch, or the stop epoch when restoreBestWeights is false); the model is that second
/// training's. Omitted: true when epochs is omitted and the default validation split decides, false otherwise (and
/// always false for warm starts, cross-validation folds and search trials, which refuse true). The second training's
/// epochs follow the first in the history, with phase refit.</param>
public sealed record TrainingJobRequest(
    Guid NetworkId,
    Guid DatasetId,
    int? Epochs = null,
    int BatchSize = TrainingOptions.DefaultBatchSize,
    OptimizerRequest? Optimizer = null,
    ScheduleRequest? Schedule = null,
    double? ValidationFraction = null,
    EarlyStoppingRequest? EarlyStopping = null,
    NormalizationKind Normalization = TrainingOptions.DefaultNormalization,
    bool StandardizeTargets = TrainingOptions.DefaultStandardizeTargets,
    double? ClipGradientNorm = null,
    bool Shuffle = TrainingOptions.DefaultShuffle,
    ulong? Seed = null,
    Guid? WarmStartModelId = null,
    PreparationRequest? Preparation = null,
    System.Text.Json.JsonElement? ClassWeights = null,
    DiagnosticThresholdsRequest? Diagnostics = null,
    CrossValidationRequest? CrossValidation = null,
    bool? Refit = null);

/// <summary>Train a trained model for more epochs, as a new job that carries on its run.</summary>
/// <param name="Epochs">Epochs to add. The job continues the model's run from its final state (weights, optimizer
/// moments and step, learning-rate schedule, shuffle position) on the same dataset with the same settings, so it trains
/// exactly as a single longer run would have; its history is numbered on from the model's epochs.</param>
public sealed record ContinueTrainingRequest(int Epochs);

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
    JobLinks Links,
    IReadOnlyList<FindingResponse> Diagnostics,
    Guid? ParentJobId = null,
    int? Fold = null,
    Guid? SearchId = null,
    CrossValidationResult? CrossValidation = null,
    JobPhase? Phase = null,
    int? RefitFromEpoch = null,
    int? RefitEpochs = null);

/// <param name="EstimatedRemainingSeconds">A running job's remaining time from a moving average of its epoch durations;
/// null when unknown.</param>
public sealed record JobSummary(Guid Id, JobStatus Status, Guid NetworkId, Guid DatasetId, int Epoch, int Epochs,
    double? TrainLoss, double? ValidationLoss,
    DateTime CreatedAt, DateTime? FinishedAt, Guid? ModelId, double? EstimatedRemainingSeconds = null,
        Guid? ParentJobId = null, Guid? SearchId = null);

/// <summary>One fold's training: its child job and the metrics of its last epoch.</summary>
public sealed record FoldResult(int Fold, Guid JobId, JobStatus Status, int Epoch, IReadOnlyDictionary<string,
    double> Metrics);

/// <summary>Mean and standard deviation of one metric over the folds that finished.</summary>
/// <param name="Mean">Arithmetic mean over the folds.</param>
/// <param name="StandardDeviation">Sample standard deviation (n − 1 in the denominator, as pandas and R's sd); 0 for
/// one fold.</param>
/// <param name="PopulationStandardDeviation">Population standard deviation (n in the denominator, as numpy.std and
/// scikit-learn's cv_results_).</param>
public sealed record MetricSummary(double Mean, double StandardDeviation, double PopulationStandardDeviation);

/// <summary>A cross-validation job's folds and their summary.</summary>
/// <param name="Folds">k.</param>
/// <param name="Stratified">Whether folds keep class proportions.</param>
/// <param name="ShuffleSeed">Seed of the fold assignment.</param>
/// <param name="PerFold">Each fold's child job and last-epoch metrics.</param>
/// <param name="Summary">Per metric (trainLoss, validationLoss, validationAccuracy, ...): mean and standard deviations
/// over the succeeded folds.</param>
/// <param name="FinalJobId">The training on all rows, when trainFinalModel was asked for and has started.</param>
public sealed record CrossValidationResult(int Folds, bool Stratified, ulong ShuffleSeed,
    IReadOnlyList<FoldResult> PerFold, IReadOnlyDictionary<string, MetricSummary> Summary, Guid? FinalJobId);

/// <summary>One layer's signals over an epoch.</summary>
/// <param name="Layer">0-based layer.</param>
/// <param name="WeightGradientNorm">Mean over the epoch's batches of ‖dL/dW‖₂.</param>
/// <param name="BiasGradientNorm">Mean over the epoch's batches of ‖dL/db‖₂.</param>
/// <param name="UpdateRatio">‖ΔW‖₂ / ‖W‖₂ of the epoch's last update (around 1e-3 is typical).</param>
/// <param name="BiasUpdateNorm">‖Δb‖₂ of the epoch's last update (0: the biases did not move).</param>
/// <param name="InactiveFraction">ReLU-family hidden layers: share of units with no positive pre-activation this
/// epoch.</param>
/// <param name="SaturatedFraction">Sigmoid/tanh hidden layers: share of activations within 1 % of an asymptote.</param>
public sealed record LayerStatisticsResponse(int Layer, double? WeightGradientNorm, double? BiasGradientNorm,
    double? UpdateRatio,
    double? BiasUpdateNorm = null, double? InactiveFraction = null, double? SaturatedFraction = null);

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
    double DurationMs,
    JobPhase? Phase = null);

/// <summary>One page of a job's history, in epoch order.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Status">The job's status when the page was read.</param>
/// <param name="Epochs">Up to limit epochs from fromEpoch on.</param>
/// <param name="Diagnostics">Findings about the training run.</param>
/// <param name="TotalCount">Epochs the job's history holds in all.</param>
/// <param name="Next">The next page's URL, or null when this page reaches the end of the history.</param>
public sealed record JobHistoryResponse(Guid JobId, JobStatus Status, IReadOnlyList<EpochResponse> Epochs,
    IReadOnlyList<FindingResponse> Diagnostics, int TotalCount, string? Next);
