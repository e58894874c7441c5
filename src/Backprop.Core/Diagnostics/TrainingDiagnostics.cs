using System.Globalization;

namespace Backprop.Core.Diagnostics;

/// <summary>
/// Reads a run's per-epoch signals (<see cref="EpochReport"/>: losses, per-layer gradient norms, update ratios, dead
/// and saturated units) and turns them into <see cref="Finding"/>s with a fix in the user's terms: the debugging tips
/// of backpropagation practice, applied for the user while the job runs. Pure and incremental: one <see
/// cref="Observe"/> per epoch, a few comparisons per layer.
/// </summary>
public sealed class TrainingDiagnostics
{
    private enum LayerCondition { Dead, Saturated, Vanishing, Exploding, UpdatesTooSmall, UpdatesTooLarge,
        FrozenBiases }
    private const int ConditionCount = 7;

    private readonly NetworkSpec _spec;
    private readonly DiagnosticThresholds _t;
    private readonly List<Finding> _findings;
    private readonly double[] _firstGradientNorms;
    private readonly int[] _streakStarts;
    private readonly Queue<double> _recent;
    private readonly bool _restoresBestWeights;
    private int _epoch, _bestTrainEpoch, _bestValidationEpoch;
    private double _firstLoss = double.NaN, _bestTrainLoss = double.NaN, _bestValidationLoss = double.NaN,
        _trainAtBestValidation = double.NaN;

    /// <summary>Diagnostics for a network trained with <paramref name="options"/>, optionally resumed from a saved
    /// <paramref name="state"/>.</summary>
    public TrainingDiagnostics(NetworkSpec spec, TrainingOptions options, DiagnosticThresholds? thresholds = null,
        DiagnosticsState? state = null)
    {
        _spec = spec;
        _restoresBestWeights = options.EarlyStopping is { RestoreBestWeights: true,
            Monitor: not MonitoredMetric.TrainLoss };
        _t = thresholds ?? DiagnosticThresholds.Default;
        int layers = spec.Layers.Count;
        _firstGradientNorms = new double[layers];
        _streakStarts = new int[ConditionCount * layers];
        _findings = [];
        _recent = new Queue<double>();
        if (state is null) return;
        if (state.FirstGradientNorms.Length != layers || state.StreakStarts.Length != _streakStarts.Length)
            throw new ArgumentException("The saved diagnostics belong to a network with another number of layers.",
                nameof(state));
        _epoch = state.Epoch;
        _firstLoss = state.FirstLoss;
        _bestTrainLoss = state.BestTrainLoss;
        _bestTrainEpoch = state.BestTrainEpoch;
        _bestValidationLoss = state.BestValidationLoss;
        _bestValidationEpoch = state.BestValidationEpoch;
        _trainAtBestValidation = state.TrainLossAtBestValidation;
        state.FirstGradientNorms.CopyTo(_firstGradientNorms, 0);
        state.StreakStarts.CopyTo(_streakStarts, 0);
        foreach (var loss in state.RecentLosses) _recent.Enqueue(loss);
        _findings.AddRange(state.Findings);
    }

    /// <summary>Changes when a finding is raised or its first epoch or severity changes (not when it merely holds on),
    /// so a host can republish findings only when they changed.</summary>
    public int Version { get; private set; }

    /// <summary>Findings so far, in the order they were first raised.</summary>
    public IReadOnlyList<Finding> Findings => _findings;

    /// <summary>The state to save with a checkpoint.</summary>
    public DiagnosticsState State => new(_epoch, _firstLoss, _bestTrainLoss, _bestTrainEpoch, _bestValidationLoss,
        _bestValidationEpoch,
        _trainAtBestValidation, _recent.ToArray(), (double[])_firstGradientNorms.Clone(), (int[])_streakStarts.Clone(),
            _findings.ToArray());

    /// <summary>Reads one epoch's report. Epochs at or before the last one observed are ignored (a replay after
    /// resume).</summary>
    public void Observe(EpochReport report)
    {
        if (report.Epoch <= _epoch) return;
        _epoch = report.Epoch;
        ObserveLayers(report);
        ObserveLoss(report);
    }

    /// <summary>Records that training stopped on a non-finite value.</summary>
    public void ObserveDivergence(int epoch, string message) =>
        Upsert(FindingCodes.NonFinite, FindingSeverity.Error, epoch, null, message,
            "Lower the learning rate, normalise the inputs, or set clipGradientNorm; a loss that matches the output " +
            "activation "
            + "(cross-entropy with softmax or sigmoid) also avoids overflow.",
            new Dictionary<string, double> { ["epoch"] = epoch });

    private void ObserveLayers(EpochReport report)
    {
        int layers = Math.Min(report.Layers.Count, _spec.Layers.Count);
        int output = layers - 1;
        double outputRms = Rms(report.Layers[output].WeightGradientNorm, output);
        for (int l = 0; l < layers; l++)
        {
            var s = report.Layers[l];
            var layer = _spec.Layers[l];
            string name = JsonNames.Of(layer.Activation);
            if (_firstGradientNorms[l] == 0 && double.IsFinite(s.WeightGradientNorm)) _firstGradientNorms[l] =
                s.WeightGradientNorm;

            double inactive = s.InactiveFraction ?? 0;
            if (Track(LayerCondition.Dead, l, s.InactiveFraction is not null && inactive >= _t.DeadUnitFraction,
                out int start))
                Upsert(FindingCodes.DeadRelu, FindingSeverity.Warning, start, l,
                    $"layer {l}: {Percent(inactive)} of its {name} units had no positive pre-activation in " +
                    $"{Span(start)}, so they pass no gradient.",
                    "Lower the learning rate, use leaky_relu or elu, keep he initialisation (init auto), " +
                    "and check for large negative biases.",
                    new Dictionary<string, double> { ["inactiveFraction"] = inactive,
                        ["threshold"] = _t.DeadUnitFraction });

            if (Track(LayerCondition.Saturated, l, s.SaturatedFraction is { } sat && sat >= _t.SaturatedFraction,
                out start))
                Upsert(FindingCodes.SaturatedUnits, FindingSeverity.Warning, start, l,
                    $"layer {l}: {Percent(s.SaturatedFraction ?? 0)} of its {name} activations sat within 1 % of an " +
                    $"asymptote in {Span(start)}, where the derivative nearly vanishes.",
                    "Normalise the inputs (normalization z_score), use smaller initial weights (glorot), " +
                    "or relu in hidden layers.",
                    new Dictionary<string, double> { ["saturatedFraction"] = s.SaturatedFraction ?? 0,
                        ["threshold"] = _t.SaturatedFraction });

            double ratio = l < output && outputRms > 0 ? Rms(s.WeightGradientNorm, l) / outputRms : double.NaN;
            if (Track(LayerCondition.Vanishing, l, ratio < _t.VanishingRatio, out start))
                Upsert(FindingCodes.VanishingGradients, FindingSeverity.Warning, start, l,
                    $"layer {l}: its gradients are {Number(ratio)} of the output layer's (RMS per weight) in " +
                    $"{Span(start)}, so it barely learns.",
                    "Use relu or leaky_relu hidden layers with he initialisation, fewer layers, " +
                    "or a larger learningRateMultiplier for the early layers.",
                    new Dictionary<string, double> { ["gradientRatio"] = ratio, ["threshold"] = _t.VanishingRatio });

            double growth = _firstGradientNorms[l] > 0 ? s.WeightGradientNorm / _firstGradientNorms[l] : double.NaN;
            if (Track(LayerCondition.Exploding, l, ratio > _t.ExplodingRatio || growth > _t.GradientGrowth, out start))
                Upsert(FindingCodes.ExplodingGradients, FindingSeverity.Warning, start, l,
                    $"layer {l}: its gradient norm is {Number(s.WeightGradientNorm)}"
                    + (growth > _t.GradientGrowth ? $", {Number(growth)}× its first epoch's"
                        : $", {Number(ratio)}× the output layer's (RMS per weight)")
                    + $" in {Span(start)}.",
                    "Lower the learning rate, set clipGradientNorm (e.g. 1.0), or normalise the inputs.",
                    new Dictionary<string, double>
                    {
                        ["weightGradientNorm"] = s.WeightGradientNorm, ["growth"] = Finite(growth),
                            ["gradientRatio"] = Finite(ratio),
                        ["growthThreshold"] = _t.GradientGrowth, ["ratioThreshold"] = _t.ExplodingRatio,
                    });

            bool updates = s.UpdateRatio > 0;
            if (Track(LayerCondition.UpdatesTooSmall, l, updates && s.UpdateRatio < _t.MinUpdateRatio, out start))
                Upsert(FindingCodes.UpdatesTooSmall, FindingSeverity.Info, start, l,
                    $"layer {l}: each update changes its weights by {Number(s.UpdateRatio)} of their norm in " +
                    $"{Span(start)} (around 1e-3 is typical).",
                    "If the loss is not improving, raise the learning rate or this layer's learningRateMultiplier.",
                    new Dictionary<string, double> { ["updateRatio"] = s.UpdateRatio,
                        ["threshold"] = _t.MinUpdateRatio });
            if (Track(LayerCondition.UpdatesTooLarge, l, s.UpdateRatio > _t.MaxUpdateRatio, out start))
                Upsert(FindingCodes.UpdatesTooLarge, FindingSeverity.Warning, start, l,
                    $"layer {l}: each update changes its weights by {Percent(s.UpdateRatio)} of their norm in " +
                    $"{Span(start)} (around 0.1 % is typical).",
                    "Lower the learning rate or this layer's learningRateMultiplier.",
                    new Dictionary<string, double> { ["updateRatio"] = s.UpdateRatio,
                        ["threshold"] = _t.MaxUpdateRatio });
            // Biases that do not move while the weights do: a zero bias rate, or a bias gradient that is always zero.
            if (Track(LayerCondition.FrozenBiases, l, updates && s.BiasUpdateNorm == 0, out start))
                Upsert(FindingCodes.FrozenBiases, FindingSeverity.Warning, start, l,
                    $"layer {l}: its biases did not move in {Span(start)} while its weights did"
                    + (layer.BiasLearningRateMultiplier == 0 ? " (biasLearningRateMultiplier is 0)."
                        : $" (bias gradient norm {Number(s.BiasGradientNorm)})."),
                    "Set biasLearningRateMultiplier above 0; biases let each unit shift its threshold.",
                    new Dictionary<string, double>
                    {
                        ["biasUpdateNorm"] = s.BiasUpdateNorm, ["biasGradientNorm"] = s.BiasGradientNorm,
                            ["updateRatio"] = s.UpdateRatio,
                    });
        }
    }

    private void ObserveLoss(EpochReport report)
    {
        double loss = report.TrainLoss;
        if (!double.IsFinite(loss)) return;
        if (double.IsNaN(_firstLoss)) _firstLoss = loss;
        if (double.IsNaN(_bestTrainLoss) || loss < _bestTrainLoss) (_bestTrainLoss, _bestTrainEpoch) =
            (loss, report.Epoch);
        _recent.Enqueue(loss);
        while (_recent.Count > _t.Window + 1) _recent.Dequeue();

        // A rise is measured from the best loss, but never from below a tenth of the first epoch's: a run near zero
        // loss can triple it and still be fine.
        double riseBase = Math.Max(_bestTrainLoss, 0.1 * _firstLoss);
        if (loss > _t.LossRise * riseBase && riseBase > 0)
            Upsert(FindingCodes.LearningRateTooHigh, FindingSeverity.Warning, report.Epoch, null,
                $"the training loss rose to {Number(loss)} at epoch {report.Epoch}, " +
                $"{Number(loss / _bestTrainLoss)}× its best ({Number(_bestTrainLoss)} at epoch {_bestTrainEpoch}).",
                "Lower the learning rate (e.g. 10× smaller) or add a schedule; clipGradientNorm also helps against " +
                "spikes.",
                new Dictionary<string, double> { ["trainLoss"] = loss, ["bestTrainLoss"] = _bestTrainLoss,
                    ["bestEpoch"] = _bestTrainEpoch, ["threshold"] = _t.LossRise });

        if (_recent.Count == _t.Window + 1)
        {
            var window = _recent.ToArray();
            int reversals = 0;
            double change = 0, mean = 0;
            for (int i = 1; i < window.Length; i++)
            {
                double d = window[i] - window[i - 1];
                change += Math.Abs(d);
                mean += window[i];
                if (i > 1 && Math.Sign(d) * Math.Sign(window[i - 1] - window[i - 2]) < 0) reversals++;
            }
            int changes = window.Length - 1;
            change /= changes;
            mean /= changes;
            // Relative to the window's mean loss, but never to less than a quarter of the first epoch's: once a run has
            // converged, tiny absolute wiggles are large relative ones and mean nothing.
            double scale = Math.Max(mean, 0.25 * _firstLoss);
            double amplitude = scale > 0 ? change / scale : 0;
            if (reversals * 2 >= changes && amplitude > _t.OscillationAmplitude)
                Upsert(FindingCodes.LearningRateTooHigh, FindingSeverity.Warning, report.Epoch, null,
                    $"the training loss oscillates: {reversals} of its last {changes - 1} changes reversed " +
                    $"direction, by {Percent(amplitude)} of the loss on average (of a quarter of the first epoch's " +
                    "loss, if more).",
                    "Lower the learning rate (e.g. 10× smaller), use a larger batch, or add a decaying schedule.",
                    new Dictionary<string, double> { ["reversals"] = reversals, ["amplitude"] = amplitude,
                        ["threshold"] = _t.OscillationAmplitude });

            double improvement = window[0] > 0 ? (window[0] - window.Min()) / window[0] : 0;
            if (improvement < _t.PlateauImprovement && loss > _t.PlateauLossFraction * _firstLoss)
                Upsert(FindingCodes.Plateau, FindingSeverity.Warning, report.Epoch - _t.Window + 1, null,
                    $"the training loss improved by {Percent(improvement)} over epochs " +
                    $"{report.Epoch - _t.Window}–{report.Epoch} and is still {Percent(loss / _firstLoss)} of its " +
                    "first epoch's.",
                    "Raise the learning rate (e.g. 10×), check that the inputs are normalised, or try adam; " +
                    "a network that cannot fit "
                    + "a few rows (POST /api/networks/{id}/sanity-check) has a structural problem.",
                    new Dictionary<string, double> { ["improvement"] = improvement,
                        ["lossFraction"] = loss / _firstLoss, ["threshold"] = _t.PlateauImprovement });
        }

        if (report.ValidationLoss is not { } validation || !double.IsFinite(validation)) return;
        if (_bestValidationEpoch == 0 || validation < _bestValidationLoss)
        {
            (_bestValidationLoss, _bestValidationEpoch, _trainAtBestValidation) = (validation, report.Epoch, loss);
            return;
        }
        if (report.Epoch - _bestValidationEpoch >= _t.OverfittingPatience && validation > _bestValidationLoss
            * (1 + _t.OverfittingRise)
            && loss < _trainAtBestValidation)
            // With early stopping restoring the best weights the model is already protected: worth knowing, no more.
            Upsert(FindingCodes.Overfitting, _restoresBestWeights ? FindingSeverity.Info : FindingSeverity.Warning,
                _bestValidationEpoch + 1, null,
                $"validation loss is {Number(validation)} at epoch {report.Epoch}, " +
                $"{Percent(validation / _bestValidationLoss - 1)} above its best "
                + $"({Number(_bestValidationLoss)} at epoch {_bestValidationEpoch}), while the training loss fell "
                + $"from {Number(_trainAtBestValidation)} to {Number(loss)}: the network is memorising the training "
                + "rows.",
                $"Keep the weights of epoch {_bestValidationEpoch} (earlyStopping with restoreBestWeights), " +
                "add L2 or dropout, use fewer units, or more data.", new Dictionary<string, double>
                {
                    ["bestEpoch"] = _bestValidationEpoch, ["bestValidationLoss"] = _bestValidationLoss,
                        ["validationLoss"] = validation,
                    ["trainLoss"] = loss, ["threshold"] = _t.OverfittingRise,
                }, restart: true);
    }

    // A layer condition is reported once it has held MinEpochs epochs in a row (start: the streak's first epoch), and
    // updated while it holds. No delegate: this runs for every layer and condition of every epoch.
    private bool Track(LayerCondition condition, int layer, bool holds, out int start)
    {
        int slot = (int)condition * _spec.Layers.Count + layer;
        start = 0;
        if (!holds)
        {
            _streakStarts[slot] = 0;
            return false;
        }
        if (_streakStarts[slot] == 0) _streakStarts[slot] = _epoch;
        start = _streakStarts[slot];
        return _epoch - start + 1 >= _t.MinEpochs;
    }

    // One finding per code and layer: raised once, then its last epoch, message and evidence follow the latest reading.
    // With restart, a new episode (e.g. over-fitting after a new best epoch) replaces the finding's first epoch.
    private void Upsert(string code, FindingSeverity severity, int epoch, int? layer, string message, string fix,
        IReadOnlyDictionary<string, double> evidence, bool restart = false)
    {
        int index = _findings.FindIndex(f => f.Code == code && f.Layer == layer);
        int current = Math.Max(_epoch, epoch);
        if (index < 0)
        {
            _findings.Add(new Finding(code, severity, epoch, current, layer, message, fix, evidence));
            Version++;
            return;
        }
        if (_findings[index].Severity != severity || (restart && _findings[index].Epoch != epoch)) Version++;
        _findings[index] = _findings[index] with
        {
            Epoch = restart ? epoch : _findings[index].Epoch, LastEpoch = current, Severity = severity,
                Message = message, Fix = fix, Evidence = evidence,
        };
    }

    private string Span(int start) => start == _epoch ? $"epoch {start}" : $"epochs {start}–{_epoch}";

    private double Rms(double norm, int layer)
    {
        int inputs = layer == 0 ? _spec.InputWidth : _spec.Layers[layer - 1].Units;
        return norm / Math.Sqrt((double)inputs * _spec.Layers[layer].Units);
    }

    private static double Finite(double value) => double.IsFinite(value) ? value : 0;
    private static string Percent(double share) => (share * 100).ToString(share < 0.01 ? "0.##" : "0",
        CultureInfo.InvariantCulture) + " %";
    private static string Number(double value) => value.ToString("G3", CultureInfo.InvariantCulture);
}
