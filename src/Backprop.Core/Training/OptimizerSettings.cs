namespace Backprop.Core.Training;

/// <summary>Parameter-update rule.</summary>
public enum OptimizerKind
{
    /// <summary>Plain gradient descent: <c>θ ← θ − γ g</c>.</summary>
    Sgd,
    /// <summary>SGD with heavy-ball momentum.</summary>
    Momentum,
    /// <summary>SGD with Nesterov momentum.</summary>
    Nesterov,
    /// <summary>Adam (L2 weight decay added to the gradient).</summary>
    Adam,
    /// <summary>AdamW (decoupled weight decay).</summary>
    AdamW,
    /// <summary>RMSProp (optionally with momentum).</summary>
    RmsProp,
}

/// <summary>An optimizer and its hyper-parameters; defaults are PyTorch's.</summary>
/// <param name="Kind">The update rule.</param>
/// <param name="LearningRate">Base learning rate γ (scaled per layer by <see cref="LayerSpec.LearningRateMultiplier"/> and by the schedule).</param>
/// <param name="Momentum">μ for Momentum/Nesterov (and RMSProp when positive).</param>
/// <param name="Beta1">Adam's first-moment decay β1.</param>
/// <param name="Beta2">Adam's second-moment decay β2.</param>
/// <param name="Epsilon">Adam/RMSProp ε added to the denominator.</param>
/// <param name="WeightDecay">λ applied to weights only, never biases (added to the gradient; decoupled for AdamW).</param>
/// <param name="Alpha">RMSProp's smoothing constant α.</param>
/// <param name="Dampening">Momentum dampening τ.</param>
public sealed record OptimizerSettings(
    OptimizerKind Kind = OptimizerKind.Adam,
    double LearningRate = 1e-3,
    double Momentum = 0.9,
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Epsilon = 1e-8,
    double WeightDecay = 0,
    double Alpha = 0.99,
    double Dampening = 0)
{
    /// <summary>Every problem with these settings, with the option path prefixed by <paramref name="path"/>.</summary>
    public IEnumerable<OptionError> Validate(string path = "optimizer")
    {
        if (!Enum.IsDefined(Kind)) yield return new(path + ".kind", $"Unknown optimizer {(int)Kind}.");
        if (!(double.IsFinite(LearningRate) && LearningRate > 0)) yield return new(path + ".learningRate", $"Learning rate must be a positive finite number, got {LearningRate}.");
        if (!(Momentum >= 0 && Momentum < 1)) yield return new(path + ".momentum", $"Momentum must be in [0, 1), got {Momentum}.");
        if (Kind == OptimizerKind.Nesterov && !(Momentum > 0 && Dampening == 0))
            yield return new(path + ".momentum", "Nesterov momentum needs momentum > 0 and dampening 0.");
        if (!(Beta1 >= 0 && Beta1 < 1)) yield return new(path + ".beta1", $"beta1 must be in [0, 1), got {Beta1}.");
        if (!(Beta2 >= 0 && Beta2 < 1)) yield return new(path + ".beta2", $"beta2 must be in [0, 1), got {Beta2}.");
        if (!(double.IsFinite(Epsilon) && Epsilon > 0)) yield return new(path + ".epsilon", $"epsilon must be a positive finite number, got {Epsilon}.");
        if (!(double.IsFinite(WeightDecay) && WeightDecay >= 0)) yield return new(path + ".weightDecay", $"Weight decay must be zero or positive, got {WeightDecay}.");
        if (!(Alpha >= 0 && Alpha < 1)) yield return new(path + ".alpha", $"alpha must be in [0, 1), got {Alpha}.");
        if (!(Dampening >= 0 && Dampening <= 1)) yield return new(path + ".dampening", $"dampening must be in [0, 1], got {Dampening}.");
    }
}

/// <summary>One problem with training options: the option's path (e.g. <c>optimizer.learningRate</c>) and what is wrong.</summary>
public sealed record OptionError(string Path, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>Thrown when training is started with invalid options or data.</summary>
public sealed class InvalidTrainingOptionsException(IReadOnlyList<OptionError> errors)
    : ArgumentException("Invalid training options: " + string.Join(" ", errors))
{
    /// <summary>Every problem found.</summary>
    public IReadOnlyList<OptionError> Errors { get; } = errors;
}
