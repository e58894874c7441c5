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

/// <summary>Stop when the monitored metric has not improved by more than <paramref name="MinDelta"/> for <paramref name="Patience"/> epochs.</summary>
public sealed record EarlyStoppingSettings(
    MonitoredMetric Monitor = MonitoredMetric.ValidationLoss,
    int Patience = 10,
    double MinDelta = 0,
    bool RestoreBestWeights = true);

/// <summary>
/// Class weights: <c>Balanced</c> gives class c the weight <c>n / (k · n_c)</c> over the training split (n rows, k classes,
/// n_c rows of class c, sample weights not counted: scikit-learn's "balanced"), else <paramref name="Weights"/> by class index.
/// </summary>
/// <param name="Balanced">Weights inversely proportional to the class frequencies of the training split.</param>
/// <param name="Weights">Explicit weight per class index (when not balanced).</param>
public sealed record ClassWeighting(bool Balanced, IReadOnlyList<double>? Weights = null)
{
    /// <summary>The weight of each class given the training split's labels.</summary>
    public double[] Resolve(ReadOnlySpan<int> trainLabels, int classCount)
    {
        if (!Balanced)
            return Weights is { } w && w.Count == classCount ? [.. w] : throw new ArgumentException($"Expected {classCount} class weights.");
        var counts = new int[classCount];
        foreach (int label in trainLabels) counts[label]++;
        int rows = trainLabels.Length;
        return [.. counts.Select(n => n == 0 ? 0 : (double)rows / (classCount * n))];
    }
}

/// <summary>Everything about a training run except the network and the data.</summary>
public sealed record TrainingOptions
{
    /// <summary>Number of passes over the training split.</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Rows per gradient step; 1 = stochastic, ≥ training rows = full-batch gradient descent.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>The update rule.</summary>
    public OptimizerSettings Optimizer { get; init; } = new();
    /// <summary>The learning-rate schedule.</summary>
    public ScheduleSettings Schedule { get; init; } = new();
    /// <summary>Share of rows held out for validation (stratified by class for classification); 0 = none.</summary>
    public double ValidationFraction { get; init; }
    /// <summary>Early stopping, or null for none.</summary>
    public EarlyStoppingSettings? EarlyStopping { get; init; }
    /// <summary>Input normalisation, fitted on the training split.</summary>
    public NormalizationKind Normalization { get; init; } = NormalizationKind.ZScore;
    /// <summary>Standardise regression targets (predictions are returned in raw units either way).</summary>
    public bool StandardizeTargets { get; init; } = true;
    /// <summary>Rescale the gradient when its global L2 norm exceeds this; null = no clipping.</summary>
    public double? ClipGradientNorm { get; init; }
    /// <summary>Visit rows in a new seeded order every epoch.</summary>
    public bool Shuffle { get; init; } = true;
    /// <summary>Threads one training run may use for its large matrix products (1 = single-threaded). Small products always run on one thread.</summary>
    public int Threads { get; init; } = 1;
    /// <summary>Seed for shuffles and the validation split; null = the network spec's seed.</summary>
    public ulong? Seed { get; init; }
    /// <summary>Preparation of a raw table (imputation, indicators, rare levels, unseen levels); used when the data has column kinds.</summary>
    public PreparationSettings Preparation { get; init; } = new();
    /// <summary>Per-class loss weights (classification), multiplying any sample weights; null = all 1.</summary>
    public ClassWeighting? ClassWeights { get; init; }

    /// <summary>Every problem with these options for a dataset of <paramref name="rows"/> rows.</summary>
    public IReadOnlyList<OptionError> Validate(int rows, TaskKind task)
    {
        var errors = new List<OptionError>();
        if (Epochs <= 0) errors.Add(new("epochs", $"Epochs must be positive, got {Epochs}."));
        if (BatchSize <= 0) errors.Add(new("batchSize", $"Batch size must be positive, got {BatchSize}."));
        if (Threads is < 1 or > 256) errors.Add(new("threads", $"Threads must be in 1..256, got {Threads}."));
        errors.AddRange(Optimizer.Validate());
        errors.AddRange(Schedule.Validate());
        if (!(ValidationFraction >= 0 && ValidationFraction < 1)) errors.Add(new("validationFraction", $"Validation fraction must be in [0, 1), got {ValidationFraction}."));
        else if (ValidationFraction > 0 && (int)Math.Round(rows * ValidationFraction) is var held && (held < 1 || held >= rows))
            errors.Add(new("validationFraction", $"A fraction of {ValidationFraction} of {rows} rows leaves no training or no validation rows."));
        errors.AddRange(Preparation.Validate());
        if (ClassWeights is { } cw)
        {
            if (task != TaskKind.Classification) errors.Add(new("classWeights", "Class weights apply only to classification."));
            if (cw.Weights is { } weights && weights.Any(w => !(double.IsFinite(w) && w >= 0)))
                errors.Add(new("classWeights", "Class weights must be finite and zero or more."));
            if (cw.Weights is { } all && !all.Any(w => w > 0)) errors.Add(new("classWeights", "At least one class weight must be positive."));
        }
        if (!Enum.IsDefined(Normalization)) errors.Add(new("normalization", $"Unknown normalisation {(int)Normalization}."));
        if (ClipGradientNorm is { } clip && !(double.IsFinite(clip) && clip > 0)) errors.Add(new("clipGradientNorm", $"Clipping norm must be positive, got {clip}."));
        if (EarlyStopping is { } es)
        {
            if (!Enum.IsDefined(es.Monitor)) errors.Add(new("earlyStopping.monitor", $"Unknown metric {(int)es.Monitor}."));
            if (es.Patience < 0) errors.Add(new("earlyStopping.patience", $"Patience must be zero or positive, got {es.Patience}."));
            if (!(double.IsFinite(es.MinDelta) && es.MinDelta >= 0)) errors.Add(new("earlyStopping.minDelta", $"minDelta must be zero or positive, got {es.MinDelta}."));
            if (es.Monitor != MonitoredMetric.TrainLoss && ValidationFraction <= 0)
                errors.Add(new("earlyStopping.monitor", $"Monitoring {es.Monitor} needs a validation split; set validationFraction (e.g. 0.2) or monitor TrainLoss."));
            if (es.Monitor == MonitoredMetric.ValidationAccuracy && task != TaskKind.Classification)
                errors.Add(new("earlyStopping.monitor", "Validation accuracy exists only for classification."));
        }
        return errors;
    }
}
