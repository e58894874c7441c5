namespace Backprop.Core.Diagnostics;

/// <summary>What <see cref="SanityCheck.Run"/> found.</summary>
/// <param name="Passed">True when the network drove the training loss on the few rows near zero (or, for
/// classification, classified every one of them correctly).</param>
/// <param name="Rows">Rows trained on.</param>
/// <param name="Epochs">Full-batch epochs run (fewer than asked when it passed early).</param>
/// <param name="InitialLoss">Training loss of the first epoch.</param>
/// <param name="FinalLoss">Training loss of the last epoch.</param>
/// <param name="FinalAccuracy">Training accuracy of the last epoch (classification), else null.</param>
/// <param name="Losses">Training loss per epoch.</param>
/// <param name="Verdict">What it means, in the user's terms.</param>
public sealed record SanityCheckResult(bool Passed, int Rows, int Epochs, double InitialLoss, double FinalLoss,
    double? FinalAccuracy, IReadOnlyList<double> Losses, string Verdict);

/// <summary>
/// "Test on simple data first": train the network on a handful of rows with no regularisation and see whether it can
/// drive the training loss near zero. A network that cannot over-fit a few rows has a problem more data will not fix
/// (an output activation that cannot reach the targets, a learning path blocked by dead or saturated units, ...).
/// </summary>
public static class SanityCheck
{
    /// <summary>Loss at or below this share of the first epoch's counts as near zero.</summary>
    public const double LossFraction = 0.05;

    /// <summary>Multiply-adds of one run: about three passes (forward, two backward products) per parameter, row and
    /// epoch.</summary>
    public static double Cost(NetworkSpec spec, int rows, int epochs) => 3.0 * spec.ParameterCount * rows * epochs;

    /// <summary>Trains on <paramref name="rows"/> rows drawn with the network's seed, full batch, Adam at 0.01, no L2,
    /// for up to <paramref name="epochs"/> epochs; honours <paramref name="cancellationToken"/> between epochs and
    /// batches.</summary>
    public static SanityCheckResult Run(NetworkSpec spec, TrainingData data, int rows, int epochs,
        CancellationToken cancellationToken = default)
    {
        var subset = Subset(data, Math.Min(rows, data.Rows), spec.Seed);
        var plain = spec with { Layers = spec.Layers.Select(l => l with { L2 = 0 }).ToList() };
        var options = new TrainingOptions
        {
            Epochs = epochs, BatchSize = subset.Rows, Optimizer = new OptimizerSettings(OptimizerKind.Adam, 0.01),
            Shuffle = false, Normalization = NormalizationKind.ZScore, StandardizeTargets = true,
        };
        var session = TrainingSession.Start(plain, subset, options);
        var losses = new List<double>();
        double? accuracy = null;
        while (!session.IsFinished)
        {
            if (session.RunEpoch(cancellationToken) is not { } report) break;
            losses.Add(report.TrainLoss);
            accuracy = report.TrainAccuracy;
            if (NearZero(losses, accuracy)) break;
        }
        bool passed = losses.Count > 0 && NearZero(losses, accuracy);
        double first = losses.Count > 0 ? losses[0] : double.NaN, last = losses.Count > 0 ? losses[^1] : double.NaN;
        string verdict = passed
            ? $"The network fits {subset.Rows} rows (loss {first:G3} → {last:G3}), so it can learn; " +
                "problems on the full data come from the data, regularisation or training settings."
            : session.StopReason == StopReason.Diverged
                ? $"Training diverged on {subset.Rows} rows ({session.StopMessage}); lower the learning rate or " +
                    "normalise the inputs."
                : $"The network could not fit {subset.Rows} rows in {losses.Count} epochs (loss {first:G3} → " +
                    $"{last:G3}). Check that the output "
                  + "activation can reach the targets (e.g. identity for regression targets that can be negative), "
                  + "that the loss matches it, "
                  + "and the layers for dead or saturated units.";
        return new SanityCheckResult(passed, subset.Rows, losses.Count, first, last, accuracy, losses, verdict);
    }

    private static bool NearZero(List<double> losses, double? accuracy) =>
        losses[^1] <= LossFraction * losses[0] || accuracy >= 1.0;

    // A seeded sample rather than the first rows: files are often sorted by class.
    private static TrainingData Subset(TrainingData data, int rows, ulong seed)
    {
        var order = new int[data.Rows];
        SplitMix64.Permutation(SplitMix64.Stream(seed, 7), order, new ulong[data.Rows]);
        int width = data.Width;
        var x = new float[rows * width];
        for (int r = 0; r < rows; r++) data.Features.AsSpan(order[r] * width, width).CopyTo(x.AsSpan(r * width));
        if (data.Task == TaskKind.Classification)
        {
            var labels = new int[rows];
            for (int r = 0; r < rows; r++) labels[r] = data.Labels![order[r]];
            return TrainingData.Classification(x, rows, width, labels, data.ClassCount, data.ClassNames,
                data.FeatureNames);
        }
        int t = data.TargetWidth;
        var y = new float[rows * t];
        for (int r = 0; r < rows; r++) data.Targets!.AsSpan(order[r] * t, t).CopyTo(y.AsSpan(r * t));
        return TrainingData.Regression(x, rows, width, y, t, data.TargetNames, data.FeatureNames);
    }
}
