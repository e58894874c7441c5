using System.Diagnostics;

namespace Backprop.Core.Training;

/// <summary>
/// One training run, epoch by epoch: seeded shuffle, mini-batch backprop, optimizer step, schedule, validation,
/// early stopping and divergence detection. The whole state can be captured with <see cref="Snapshot"/> and resumed
/// with <see cref="Restore"/>; a resumed run continues bit for bit as if it had never stopped.
/// </summary>
public sealed partial class TrainingSession
{
    private readonly TrainingData _data;
    private readonly PreparedData _prepared;
    private readonly Workspace<float> _workspace;
    private readonly MetricAccumulator _trainMetrics;
    private readonly MetricAccumulator _validationMetrics;
    private readonly LearningRateSchedule _schedule;
    private readonly float[] _gradient, _batchX, _batchY, _beforeUpdate;
    private readonly int[] _batchLabels, _order, _orderScratch;
    private readonly float[]? _batchW;
    private readonly ulong[] _keys, _keyScratch;
    private readonly double[] _weightNormSum, _biasNormSum;
    private readonly LayerStatistics[] _layerStatistics; // the report's scratch, copied into each report
    private readonly float[] _epochStartParameters, _epochStartFirst, _epochStartSecond;
    private EarlyStoppingState? _earlyStopping;
    // null without dropout: the batch loop is then exactly the plain one
    private readonly DropoutMasks<float>? _dropout;
    private readonly UnitActivity _activity;

    private TrainingSession(NetworkSpec spec, TrainingData data, TrainingOptions options, WarmStart? warmStart)
    {
        spec.EnsureValid();
        var errors = options.Validate(data.Rows, data.Task).Concat(data.CompatibilityWith(spec)).ToList();
        if (options.ClassWeights is { Balanced: false, Weights: { } classWeights }
            && classWeights.Count != data.ClassCount)
            errors.Add(new("classWeights",
                $"Expected a weight for each of the {data.ClassCount} classes, got {classWeights.Count}."));
        if (errors.Count > 0) throw new InvalidTrainingOptionsException(errors);

        Spec = spec;
        Options = options;
        _data = data;
        ShuffleSeed = options.Seed ?? spec.Seed;
        _prepared = PreparedData.Create(data, spec, options, ShuffleSeed);
        Network = warmStart is null ? Network<float>.Create(spec) : Network<float>.FromParameters(spec,
            warmStart.Parameters);
        Optimizer = new Optimizer(options.Optimizer, spec, Network.Layout);
        if (warmStart?.Optimizer is { } state) Optimizer.RestoreState(state.Step, state.First, state.Second);
        _schedule = new LearningRateSchedule(options.Schedule, options.Optimizer.LearningRate, options.Epochs);

        int batch = Math.Min(options.BatchSize, _prepared.TrainRows);
        _workspace = Network.CreateWorkspace(batch);
        if (spec.HasDropout) _dropout = new DropoutMasks<float>(spec, batch);
        int outputs = spec.OutputWidth, parameters = Network.Layout.Count;
        bool classification = data.Task == TaskKind.Classification;
        _trainMetrics = new MetricAccumulator(outputs, classification);
        _validationMetrics = new MetricAccumulator(outputs, classification);
        _gradient = new float[parameters];
        _beforeUpdate = new float[parameters];
        _epochStartParameters = new float[parameters];
        _epochStartFirst = new float[Optimizer.First.Length];
        _epochStartSecond = new float[Optimizer.Second.Length];
        _batchX = new float[batch * spec.InputWidth];   // (batch, inputs)
        _batchY = new float[batch * outputs];           // (batch, outputs)
        _batchLabels = new int[batch];
        _batchW = _prepared.TrainW is null ? null : new float[batch]; // (batch)
        // The epoch shuffle's order, its keys and the radix sort's scratch; an unshuffled run needs none of them.
        int shuffled = options.Shuffle ? _prepared.TrainRows : 0;
        _order = new int[shuffled];
        _keys = new ulong[shuffled];
        _orderScratch = new int[shuffled];
        _keyScratch = new ulong[shuffled];
        _weightNormSum = new double[Network.Layout.LayerCount];
        _layerStatistics = new LayerStatistics[Network.Layout.LayerCount];
        _biasNormSum = new double[Network.Layout.LayerCount];
        _squaredNorms = new double[2 * Network.Layout.LayerCount];
        if (options.EarlyStopping is not null) _earlyStopping = EarlyStoppingState.Initial;
        _activity = new UnitActivity(spec);
    }

    /// <summary>Starts a run: validates spec, options and data together, splits and normalises, initialises the
    /// network.</summary>
    /// <param name="spec">The network.</param>
    /// <param name="data">The dataset in raw units.</param>
    /// <param name="options">Epochs, batch size, optimizer, schedule, etc.</param>
    /// <param name="warmStart">Initial parameters (and optionally optimizer state) instead of a fresh
    /// initialisation.</param> <exception cref="InvalidNetworkSpecException">The spec is invalid.</exception>
    /// <exception cref="InvalidTrainingOptionsException">Options, data or their compatibility with the spec are
    /// invalid.</exception>
    public static TrainingSession Start(NetworkSpec spec, TrainingData data, TrainingOptions options,
        WarmStart? warmStart = null) =>
        new(spec, data, options, warmStart);

    /// <summary>The network specification.</summary>
    public NetworkSpec Spec { get; }
    /// <summary>The run's options.</summary>
    public TrainingOptions Options { get; }
    /// <summary>The network being trained (its parameters change in place).</summary>
    public Network<float> Network { get; }
    /// <summary>The optimizer and its state.</summary>
    public Optimizer Optimizer { get; }
    /// <summary>Seed of the shuffles and the split; the shuffle of epoch e is stream <c>seed·1000 + 100 +
    /// e</c>.</summary>
    public ulong ShuffleSeed { get; }
    /// <summary>Epochs completed.</summary>
    public int Epoch { get; private set; }
    /// <summary>True once all epochs ran, early stopping triggered, or training diverged.</summary>
    public bool IsFinished => StopReason is not null;
    /// <summary>Why the run stopped, or null while it can continue.</summary>
    public StopReason? StopReason { get; private set; }
    /// <summary>Human-readable reason, e.g. "diverged at epoch 3: the loss became NaN".</summary>
    public string? StopMessage { get; private set; }
    /// <summary>Rows in the training split.</summary>
    public int TrainRows => _prepared.TrainRows;
    /// <summary>Rows in the validation split.</summary>
    public int ValidationRows => _prepared.ValidationRows;
    /// <summary>Indices (into the original data) of the validation rows, ascending.</summary>
    public IReadOnlyList<int> ValidationIndices => _prepared.ValidationIndices;
    /// <summary>Input normalisation fitted on the training split.</summary>
    public Normalizer InputNormalizer => _prepared.InputNormalizer;
    /// <summary>The raw table's preparation fitted on the training split, or null for all-numeric data.</summary>
    public TabularPreparation? Preparation => _prepared.Preparation;
    /// <summary>Class weights resolved on the training split (null = none).</summary>
    public IReadOnlyList<double>? ClassWeights => _prepared.ClassWeights;
    /// <summary>The preparation a run with these options would fit (same split), to check a network's input width
    /// before training.</summary>
    public static TabularPreparation? FitPreparation(TrainingData data, TrainingOptions options, ulong seed) =>
        PreparedData.FitPreparation(data, options, seed);
    /// <summary>Target standardisation (regression), or null.</summary>
    public Normalizer? TargetNormalizer => _prepared.TargetNormalizer;
    /// <summary>
    /// A training loss this many times its start (the first batch's, at the initial weights) is divergence even while
    /// finite: four orders of magnitude is no noise of a working run.
    /// </summary>
    public const double DivergenceGrowth = 1e4;
    /// <summary>The start is taken as at least this, so a run that starts near zero loss is not stopped for ordinary
    /// noise.</summary>
    public const double DivergenceFloor = 1e-2;

    /// <summary>The training loss of the run's first batch (carried through snapshots); null before the first
    /// batch.</summary>
    public double? StartLoss { get; private set; }

    /// <summary>Best monitored value and its epoch (with early stopping), else null.</summary>
    public (double Value, int Epoch)? Best => _earlyStopping is { BestEpoch: > 0 } s ? (s.Best, s.BestEpoch) : null;

    /// <summary>
    /// The epoch count this run's validation split chose, once it has finished without diverging: the best epoch when
    /// the best weights are restored, else the epoch it stopped at; null when no validation split picks the epochs
    /// (<see cref="TrainingOptions.SelectsEpochsOnValidation"/>) or the run is not finished.
    /// </summary>
    public int? SelectedEpochs => Options.SelectsEpochsOnValidation && StopReason is Training.StopReason.Completed
        or Training.StopReason.EarlyStopped
        ? (Options.EarlyStopping!.RestoreBestWeights && Best is { } best ? best.Epoch : Epoch)
        : null;

    /// <summary>Runs every remaining epoch, yielding each report.</summary>
    public IEnumerable<EpochReport> Run(CancellationToken cancellationToken = default)
    {
        while (!IsFinished)
        {
            if (RunEpoch(cancellationToken) is { } report) yield return report;
        }
    }

    /// <summary>
    /// Runs one epoch and returns its report, or null when it diverged (then <see cref="StopReason"/> is
    /// <see cref="Training.StopReason.Diverged"/> and the network holds the weights of the last completed epoch).
    /// Cancellation is checked between batches; a cancelled epoch is rolled back, so the session stays at its last
    /// completed epoch and can be snapshotted.
    /// </summary>
    public EpochReport? RunEpoch(CancellationToken cancellationToken = default)
    {
        if (IsFinished) throw new InvalidOperationException($"Training has finished ({StopReason}).");
        long started = Stopwatch.GetTimestamp();
        SaveEpochStart();
        double rate = _schedule.RateFor(Epoch);
        string? failure;
        int previousThreads = Sgemm.SetMaxThreads(Options.Threads);
        try
        {
            failure = TrainOneEpoch(rate, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            RollBackEpoch();
            throw;
        }
        finally
        {
            Sgemm.SetMaxThreads(previousThreads);
        }
        if (failure is null && !AllFinite(Network.Parameters)) failure = "the weights became NaN or infinite";
        if (failure is not null)
        {
            RollBackEpoch();
            StopReason = Training.StopReason.Diverged;
            StopMessage = $"diverged at epoch {Epoch + 1}: {failure}; kept the weights of epoch {Epoch}. " +
                "Lower the learning rate or enable gradient clipping.";
            return null;
        }

        Epoch++;
        return FinishEpoch(rate, started);
    }

    private void SaveEpochStart()
    {
        Network.Parameters.AsSpan().CopyTo(_epochStartParameters);
        if (_epochStartFirst.Length > 0) Optimizer.First.AsSpan().CopyTo(_epochStartFirst);
        if (_epochStartSecond.Length > 0) Optimizer.Second.AsSpan().CopyTo(_epochStartSecond);
        _epochStartStep = Optimizer.Step;
    }

    private long _epochStartStep;

    private void RollBackEpoch()
    {
        _epochStartParameters.CopyTo(Network.Parameters, 0);
        Optimizer.RestoreState(_epochStartStep, _epochStartFirst, _epochStartSecond);
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        return ElementWise.AllFinite(values);
    }
}

/// <summary>Parameters (flat layout) and optionally optimizer state to start a run from.</summary>
public sealed record WarmStart(float[] Parameters, OptimizerState? Optimizer = null);

/// <summary>Optimizer state: step count and moment buffers (flat layout).</summary>
public sealed record OptimizerState(long Step, float[] First, float[] Second);
