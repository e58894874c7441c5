namespace Backprop.Core.Diagnostics;

/// <summary>
/// When a signal becomes a finding. The defaults follow common practice (e.g. an update-to-weight ratio around 1e-3 is
/// healthy); a layer condition must hold for <see cref="MinEpochs"/> epochs in a row before it is reported, so one
/// noisy epoch says nothing.
/// </summary>
/// <param name="MinEpochs">Consecutive epochs a layer condition must hold before it is reported.</param>
/// <param name="DeadUnitFraction">dead_relu: share of a layer's ReLU-family units with no positive pre-activation over
/// an epoch.</param>
/// <param name="SaturatedFraction">saturated_units: share of a sigmoid/tanh layer's activations within 1 % of an
/// asymptote.</param>
/// <param name="VanishingRatio">vanishing_gradients: a layer's RMS weight gradient over the output layer's, below
/// this.</param>
/// <param name="ExplodingRatio">exploding_gradients: a layer's RMS weight gradient over the output layer's, above
/// this.</param>
/// <param name="GradientGrowth">exploding_gradients: a layer's gradient norm over its first epoch's, above
/// this.</param>
/// <param name="MinUpdateRatio">updates_too_small: ‖ΔW‖/‖W‖ per update below this.</param>
/// <param name="MaxUpdateRatio">updates_too_large: ‖ΔW‖/‖W‖ per update above this.</param>
/// <param name="Window">Epochs examined for oscillation and plateaus.</param>
/// <param name="LossRise">learning_rate_too_high: training loss above this multiple of its best so far.</param>
/// <param name="OscillationAmplitude">learning_rate_too_high: mean |change| of the loss over the window, as a share of
/// the window's mean loss (or of a quarter of the first epoch's loss, whichever is larger), above this while at least
/// half the changes reverse direction.</param>
/// <param name="PlateauImprovement">plateau: relative improvement of the training loss over the window below
/// this...</param>
/// <param name="PlateauLossFraction">...while the loss is still above this share of its first epoch's.</param>
/// <param name="OverfittingPatience">overfitting: epochs since the best validation loss...</param>
/// <param name="OverfittingRise">...and the validation loss this share above its best, while the training loss is lower
/// than at the best epoch.</param>
public sealed record DiagnosticThresholds(
    int MinEpochs = 3,
    double DeadUnitFraction = 0.5,
    double SaturatedFraction = 0.5,
    double VanishingRatio = 1e-3,
    double ExplodingRatio = 1e3,
    double GradientGrowth = 1e3,
    double MinUpdateRatio = 1e-6,
    double MaxUpdateRatio = 0.1,
    int Window = 10,
    double LossRise = 3,
    double OscillationAmplitude = 0.1,
    double PlateauImprovement = 0.01,
    double PlateauLossFraction = 0.5,
    int OverfittingPatience = 10,
    double OverfittingRise = 0.1)
{
    /// <summary>The documented defaults.</summary>
    public static DiagnosticThresholds Default { get; } = new();

    /// <summary>Problems with the values, as (property, message) pairs; empty when usable.</summary>
    public IEnumerable<(string Property, string Message)> Validate()
    {
        if (MinEpochs is < 1 or > 1000) yield return ("minEpochs", $"must be between 1 and 1000, got {MinEpochs}.");
        if (Window is < 3 or > 1000) yield return ("window", $"must be between 3 and 1000, got {Window}.");
        if (OverfittingPatience is < 1 or > 100_000) yield return ("overfittingPatience",
            $"must be between 1 and 100000, got {OverfittingPatience}.");
        foreach (var (name, value) in new[]
                 {
                     ("deadUnitFraction", DeadUnitFraction), ("saturatedFraction", SaturatedFraction),
                     ("plateauImprovement", PlateauImprovement), ("plateauLossFraction", PlateauLossFraction),
                 })
            if (!(value is > 0 and <= 1)) yield return (name, $"must be in (0, 1], got {value}.");
        foreach (var (name, value) in new[]
                 {
                     ("vanishingRatio", VanishingRatio), ("explodingRatio", ExplodingRatio),
                         ("gradientGrowth", GradientGrowth),
                     ("minUpdateRatio", MinUpdateRatio), ("maxUpdateRatio", MaxUpdateRatio), ("lossRise", LossRise),
                     ("oscillationAmplitude", OscillationAmplitude), ("overfittingRise", OverfittingRise),
                 })
            if (!(double.IsFinite(value) && value > 0)) yield return (name, $"must be a positive number, got {value}.");
    }
}
