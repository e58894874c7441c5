namespace Backprop.Core.Diagnostics;

/// <summary>How much a finding matters: info is worth knowing, warning means the model is likely worse for it, error
/// means training cannot succeed as configured.</summary>
public enum FindingSeverity
{
    /// <summary>Worth knowing; often harmless.</summary>
    Info,
    /// <summary>The model is likely worse for it.</summary>
    Warning,
    /// <summary>Training cannot succeed as configured.</summary>
    Error,
}

/// <summary>The codes a finding can carry (stable API names).</summary>
public static class FindingCodes
{
    /// <summary>An early layer's gradients are orders of magnitude below the output layer's.</summary>
    public const string VanishingGradients = "vanishing_gradients";
    /// <summary>A layer's gradients are orders of magnitude above the output layer's or above their first
    /// epoch's.</summary>
    public const string ExplodingGradients = "exploding_gradients";
    /// <summary>Most ReLU-family units of a layer never had a positive pre-activation.</summary>
    public const string DeadRelu = "dead_relu";
    /// <summary>Most sigmoid/tanh activations of a layer sit in the flat tails.</summary>
    public const string SaturatedUnits = "saturated_units";
    /// <summary>The training loss rises or oscillates.</summary>
    public const string LearningRateTooHigh = "learning_rate_too_high";
    /// <summary>The training loss hardly moves and is still near where it started.</summary>
    public const string Plateau = "plateau";
    /// <summary>Validation loss rises while training loss falls.</summary>
    public const string Overfitting = "overfitting";
    /// <summary>A layer's biases do not move while its weights do.</summary>
    public const string FrozenBiases = "frozen_biases";
    /// <summary>Each update changes a layer's weights by a large share of their norm.</summary>
    public const string UpdatesTooLarge = "updates_too_large";
    /// <summary>Each update changes a layer's weights by a tiny share of their norm.</summary>
    public const string UpdatesTooSmall = "updates_too_small";
    /// <summary>The loss, a gradient or a weight became NaN or infinite; training stopped.</summary>
    public const string NonFinite = "non_finite";
}

/// <summary>
/// Something the diagnostics read in the training signals, in the user's terms.
/// </summary>
/// <param name="Code">One of <see cref="FindingCodes"/>.</param>
/// <param name="Severity">How much it matters.</param>
/// <param name="Epoch">The first epoch at which the condition held.</param>
/// <param name="LastEpoch">The last epoch at which it held (equal to the current epoch while it still does).</param>
/// <param name="Layer">0-based layer it concerns, or null for the whole run.</param>
/// <param name="Message">What was seen, with the numbers.</param>
/// <param name="Fix">What to change.</param>
/// <param name="Evidence">The measured values and the thresholds they were compared with, by name.</param>
public sealed record Finding(
    string Code,
    FindingSeverity Severity,
    int Epoch,
    int LastEpoch,
    int? Layer,
    string Message,
    string Fix,
    IReadOnlyDictionary<string, double> Evidence);
