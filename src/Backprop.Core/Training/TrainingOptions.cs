namespace Backprop.Core.Training;

/// <summary>The quantity early stopping and reduce-on-plateau watch.</summary>
public enum MonitoredMetric
{
    /// <summary>Validation loss (lower is better); needs a validation split.</summary>
    ValidationLoss,
    /// <summary>Training loss (lower is better).</summary>
    TrainLoss,
    /// <summary>Validation accuracy (higher is better); classification with a validation split.</summary>
    ValidationAccuracy,
}

/// <summary>Stop when the monitored metric has not improved by more than <paramref name="MinDelta"/> for <paramref
/// name="Patience"/> epochs.</summary>
/// <param name="Monitor">The metric watched.</param>
/// <param name="Patience">Epochs without improvement tolerated (scikit-learn's n_iter_no_change, Keras'
/// patience).</param>
/// <param name="MinDelta">Smallest change that counts as an improvement.</param>
/// <param name="RestoreBestWeights">End with the weights of the best epoch rather than the last one.</param>
public sealed record EarlyStoppingSettings(
    MonitoredMetric Monitor = EarlyStoppingSettings.DefaultMonitor,
    int Patience = EarlyStoppingSettings.DefaultPatience,
    double MinDelta = EarlyStoppingSettings.DefaultMinDelta,
    bool RestoreBestWeights = EarlyStoppingSettings.DefaultRestoreBestWeights)
{
    /// <summary>Validation loss.</summary>
    public const MonitoredMetric DefaultMonitor = MonitoredMetric.ValidationLoss;
    /// <summary>10 epochs, scikit-learn's n_iter_no_change.</summary>
    public const int DefaultPatience = 10;
    /// <summary>Any improvement counts.</summary>
    public const double DefaultMinDelta = 0;
    /// <summary>End with the best epoch's weights.</summary>
    public const bool DefaultRestoreBestWeights = true;
}

/// <summary>
/// Class weights: <c>Balanced</c> gives class c the weight <c>n / (k · n_c)</c> over the training split (n rows, k
/// classes, n_c rows of class c, sample weights not counted: scikit-learn's "balanced"), else <paramref
/// name="Weights"/> by class index.
/// </summary>
/// <param name="Balanced">Weights inversely proportional to the class frequencies of the training split.</param>
/// <param name="Weights">Explicit weight per class index (when not balanced).</param>
public sealed record ClassWeighting(bool Balanced, IReadOnlyList<double>? Weights = null)
{
    /// <summary>The weight of each class given the training split's labels.</summary>
    public double[] Resolve(ReadOnlySpan<int> trainLabels, int classCount)
    {
        if (!Balanced)
            return Weights is { } w && w.Count == classCount ? [.. w] : throw new ArgumentException(
                $"Expected {classCount} class weights.");
        var counts = new int[classCount];
        foreach (int label in trainLabels) counts[label]++;
        int rows = trainLabels.Length;
        return [.. counts.Select(n => n == 0 ? 0 : (double)rows / (classCount * n))];
    }
}

/// <summary>Everything about a training run except the network and the data. The defaults (the constants here and in
/// <see cref="OptimizerSettings"/>, <see cref="ScheduleSettings"/> and <see cref="EarlyStoppingSettings"/>) are the
/// only place they are written; see <see cref="WithDefaults"/> for a run whose epochs are not given.</summary>
public sealed record TrainingOptions
{
    /// <summary>Epochs at most when none are given: training stops earlier once the monitored loss stops
    /// improving.</summary>
    public const int DefaultEpochBudget = 1000;
    /// <summary>Rows per step: min(200, training rows), as scikit-learn's MLP.</summary>
    public const int DefaultBatchSize = 200;
    /// <summary>Share held out for early stopping when no epochs (and no validation fraction) are given, as
    /// scikit-learn's validation_fraction.</summary>
    public const double DefaultValidationFraction = 0.1;
    /// <summary>Input normalisation.</summary>
    public const NormalizationKind DefaultNormalization = NormalizationKind.ZScore;
    /// <summary>Regression targets standardised while training.</summary>
    public const bool DefaultStandardizeTargets = true;
    /// <summary>Rows visited in a new order each epoch.</summary>
    public const bool DefaultShuffle = true;

    /// <summary>
    /// Options with the defaults filled in for what was not given. Given <paramref name="epochs"/>, the run trains
    /// exactly that many (no early stopping unless <paramref name="earlyStopping"/> is given, no validation split
    /// unless <paramref name="validationFraction"/> is). Without epochs it trains at most <see
    /// cref="DefaultEpochBudget"/> epochs and stops early: on the validation loss of a <see
    /// cref="DefaultValidationFraction"/> split (restoring the best epoch's weights), or on the training loss when
    /// <paramref name="validationFraction"/> is 0.
    /// </summary>
    public static TrainingOptions WithDefaults(int? epochs, double? validationFraction,
        EarlyStoppingSettings? earlyStopping)
    {
        if (epochs is { } given)
            return new TrainingOptions { Epochs = given, ValidationFraction = validationFraction ?? 0,
                EarlyStopping = earlyStopping };
        double fraction = validationFraction ?? DefaultValidationFraction;
        return new TrainingOptions
        {
            Epochs = DefaultEpochBudget,
            ValidationFraction = fraction,
            EarlyStopping = earlyStopping ?? new EarlyStoppingSettings(fraction > 0 ? MonitoredMetric.ValidationLoss
                : MonitoredMetric.TrainLoss),
        };
    }

    /// <summary>
    /// True when a validation split picks the epoch count: early stopping watches a validation metric of a held-out
    /// fraction (not a cross-validation fold, whose score must stay out of the training). Only such a run can be
    /// retrained on all rows with <see cref="ForRefit"/>.
    /// </summary>
    public bool SelectsEpochsOnValidation => ValidationFraction > 0 && Fold is null
        && EarlyStopping is { Monitor: not MonitoredMetric.TrainLoss };

    /// <summary>
    /// The options of the second training of a run whose validation split chose <paramref name="epochs"/>: the same
    /// optimizer, batch size, seed and preparation, exactly that many epochs on every row (no validation split, no
    /// early stopping). A cosine period left to the run's epochs keeps the first run's period, so the refit's epochs
    /// see the same learning rates; reduce_on_plateau, having no validation loss, watches the training loss.
    /// </summary>
    public TrainingOptions ForRefit(int epochs) => this with
    {
        Epochs = epochs,
        ValidationFraction = 0,
        EarlyStopping = null,
        Fold = null,
        Schedule = Schedule is { Kind: ScheduleKind.Cosine, CosineEpochs: null }
            ? Schedule with { CosineEpochs = Epochs } : Schedule,
    };

    /// <summary>Number of passes over the training split.</summary>
    public int Epochs { get; init; } = DefaultEpochBudget;
    /// <summary>Rows per gradient step; 1 = stochastic, ≥ training rows = full-batch gradient descent.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;
    /// <summary>The update rule.</summary>
    public OptimizerSettings Optimizer { get; init; } = new();
    /// <summary>The learning-rate schedule.</summary>
    public ScheduleSettings Schedule { get; init; } = new();
    /// <summary>Share of rows held out for validation (stratified by class for classification); 0 = none.</summary>
    public double ValidationFraction { get; init; }
    /// <summary>Early stopping, or null for none.</summary>
    public EarlyStoppingSettings? EarlyStopping { get; init; }
    /// <summary>Input normalisation, fitted on the training split.</summary>
    public NormalizationKind Normalization { get; init; } = DefaultNormalization;
    /// <summary>Standardise regression targets (predictions are returned in raw units either way).</summary>
    public bool StandardizeTargets { get; init; } = DefaultStandardizeTargets;
    /// <summary>Rescale the gradient when its global L2 norm exceeds this; null = no clipping.</summary>
    public double? ClipGradientNorm { get; init; }
    /// <summary>Visit rows in a new seeded order every epoch.</summary>
    public bool Shuffle { get; init; } = DefaultShuffle;
    /// <summary>Threads one training run may use for its large matrix products (1 = single-threaded). Small products
    /// always run on one thread.</summary>
    public int Threads { get; init; } = 1;
    /// <summary>Seed for shuffles and the validation split; null = the network spec's seed.</summary>
    public ulong? Seed { get; init; }
    /// <summary>Preparation of a raw table (imputation, indicators, rare levels, unseen levels); used when the data has
    /// column kinds.</summary>
    public PreparationSettings Preparation { get; init; } = new();
    /// <summary>Per-class loss weights (classification), multiplying any sample weights; null = all 1.</summary>
    public ClassWeighting? ClassWeights { get; init; }
    /// <summary>Hold out this cross-validation fold as the validation split (instead of <see
    /// cref="ValidationFraction"/>), or null.</summary>
    public CrossValidationFold? Fold { get; init; }

    /// <summary>Every problem with these options for a dataset of <paramref name="rows"/> rows.</summary>
    public IReadOnlyList<OptionError> Validate(int rows, TaskKind task)
    {
        var errors = new List<OptionError>();
        if (Epochs <= 0) errors.Add(new("epochs", $"Epochs must be positive, got {Epochs}."));
        if (BatchSize <= 0) errors.Add(new("batchSize", $"Batch size must be positive, got {BatchSize}."));
        if (Threads is < 1 or > 256) errors.Add(new("threads", $"Threads must be in 1..256, got {Threads}."));
        errors.AddRange(Optimizer.Validate());
        errors.AddRange(Schedule.Validate());
        if (!(ValidationFraction >= 0 && ValidationFraction < 1)) errors.Add(new("validationFraction",
            $"Validation fraction must be in [0, 1), got {ValidationFraction}."));
        else if (ValidationFraction > 0 && (int)Math.Round(rows * ValidationFraction) is var held
            && (held < 1 || held >= rows))
            errors.Add(new("validationFraction",
                $"A fraction of {ValidationFraction} of {rows} rows leaves no training or no validation rows."));
        if (Fold is { } f)
        {
            if (f.Count < 2 || f.Count > rows) errors.Add(new("crossValidation.folds",
                $"Folds must be between 2 and the {rows} rows, got {f.Count}."));
            else if (f.Index < 0 || f.Index >= f.Count) errors.Add(new("crossValidation.fold",
                $"Fold must be in 0..{f.Count - 1}, got {f.Index}."));
            if (ValidationFraction > 0) errors.Add(new("validationFraction",
                "A cross-validation fold is the validation split; leave validationFraction at 0."));
        }
        errors.AddRange(Preparation.Validate());
        if (ClassWeights is { } cw)
        {
            if (task != TaskKind.Classification) errors.Add(new("classWeights",
                "Class weights apply only to classification."));
            if (cw.Weights is { } weights && weights.Any(w => !(double.IsFinite(w) && w >= 0)))
                errors.Add(new("classWeights", "Class weights must be finite and zero or more."));
            if (cw.Weights is { } all && !all.Any(w => w > 0)) errors.Add(new("classWeights",
                "At least one class weight must be positive."));
        }
        if (!Enum.IsDefined(Normalization)) errors.Add(new("normalization",
            $"Unknown normalisation {(int)Normalization}."));
        if (ClipGradientNorm is { } clip && !(double.IsFinite(clip) && clip > 0)) errors.Add(new("clipGradientNorm",
            $"Clipping norm must be positive, got {clip}."));
        if (EarlyStopping is { } es)
        {
            if (!Enum.IsDefined(es.Monitor)) errors.Add(new("earlyStopping.monitor",
                $"Unknown metric {(int)es.Monitor}."));
            if (es.Patience < 0) errors.Add(new("earlyStopping.patience",
                $"Patience must be zero or positive, got {es.Patience}."));
            if (!(double.IsFinite(es.MinDelta) && es.MinDelta >= 0)) errors.Add(new("earlyStopping.minDelta",
                $"minDelta must be zero or positive, got {es.MinDelta}."));
            if (es.Monitor != MonitoredMetric.TrainLoss && ValidationFraction <= 0 && Fold is null)
                errors.Add(new("earlyStopping.monitor", $"Monitoring {JsonNames.Of(es.Monitor)} needs a validation " +
                    "split; set validationFraction (e.g. 0.2) or monitor train_loss."));
            if (es.Monitor == MonitoredMetric.ValidationAccuracy && task != TaskKind.Classification)
                errors.Add(new("earlyStopping.monitor", "Validation accuracy exists only for classification."));
        }
        return errors;
    }
}
