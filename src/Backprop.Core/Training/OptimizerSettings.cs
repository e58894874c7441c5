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

/// <summary>An optimizer and its hyper-parameters; defaults are PyTorch's (<c>torch.optim</c>), and the constants below
/// are the only place they are written: the service's request records and its OpenAPI document refer to them.</summary>
/// <param name="Kind">The update rule.</param>
/// <param name="LearningRate">Base learning rate γ (scaled per layer by <see cref="LayerSpec.LearningRateMultiplier"/>
/// and by the schedule).</param>
/// <param name="Momentum">μ for Momentum/Nesterov (and RMSProp when positive); null = <see cref="DefaultMomentum"/> of
/// the kind (0.9 for momentum and nesterov, 0 for rms_prop as PyTorch's RMSprop).</param>
/// <param name="Beta1">Adam's first-moment decay β1.</param>
/// <param name="Beta2">Adam's second-moment decay β2.</param>
/// <param name="Epsilon">Adam/RMSProp ε added to the denominator.</param>
/// <param name="WeightDecay">λ applied to weights only, never biases (added to the gradient; decoupled for
/// AdamW).</param>
/// <param name="Alpha">RMSProp's smoothing constant α.</param>
/// <param name="Dampening">Momentum dampening τ.</param>
public sealed record OptimizerSettings(
    OptimizerKind Kind = OptimizerSettings.DefaultKind,
    double LearningRate = OptimizerSettings.DefaultLearningRate,
    double? Momentum = null,
    double Beta1 = OptimizerSettings.DefaultBeta1,
    double Beta2 = OptimizerSettings.DefaultBeta2,
    double Epsilon = OptimizerSettings.DefaultEpsilon,
    double WeightDecay = OptimizerSettings.DefaultWeightDecay,
    double Alpha = OptimizerSettings.DefaultAlpha,
    double Dampening = OptimizerSettings.DefaultDampening)
{
    /// <summary>Adam, as scikit-learn's MLPClassifier/MLPRegressor.</summary>
    public const OptimizerKind DefaultKind = OptimizerKind.Adam;
    /// <summary>10⁻³: PyTorch's Adam/AdamW default and scikit-learn's <c>learning_rate_init</c>.</summary>
    public const double DefaultLearningRate = 1e-3;
    /// <summary>μ of momentum and nesterov when none is given (PyTorch's SGD has no momentum by default; these kinds
    /// exist to have one).</summary>
    public const double DefaultSgdMomentum = 0.9;
    /// <summary>μ of rms_prop when none is given: PyTorch's RMSprop default.</summary>
    public const double DefaultRmsPropMomentum = 0;
    /// <summary>Adam's β1.</summary>
    public const double DefaultBeta1 = 0.9;
    /// <summary>Adam's β2.</summary>
    public const double DefaultBeta2 = 0.999;
    /// <summary>ε of Adam and RMSprop (PyTorch: 1e-8 for both).</summary>
    public const double DefaultEpsilon = 1e-8;
    /// <summary>No weight decay.</summary>
    public const double DefaultWeightDecay = 0;
    /// <summary>RMSprop's smoothing constant α.</summary>
    public const double DefaultAlpha = 0.99;
    /// <summary>No dampening.</summary>
    public const double DefaultDampening = 0;

    /// <summary>The momentum used when <see cref="Momentum"/> is not given, for <paramref name="kind"/>.</summary>
    public static double DefaultMomentum(OptimizerKind kind) => kind == OptimizerKind.RmsProp ? DefaultRmsPropMomentum
        : DefaultSgdMomentum;

    /// <summary><see cref="Momentum"/>, or the kind's default when none was given.</summary>
    public double EffectiveMomentum => Momentum ?? DefaultMomentum(Kind);

    /// <summary>Every problem with these settings, with the option path prefixed by <paramref name="path"/>.</summary>
    public IEnumerable<OptionError> Validate(string path = "optimizer")
    {
        if (!Enum.IsDefined(Kind)) yield return new(path + ".kind", $"Unknown optimizer {(int)Kind}.");
        if (!(double.IsFinite(LearningRate) && LearningRate > 0)) yield return new(path + ".learningRate",
            $"Learning rate must be a positive finite number, got {LearningRate}.");
        if (!(EffectiveMomentum >= 0 && EffectiveMomentum < 1)) yield return new(path + ".momentum",
            $"Momentum must be in [0, 1), got {EffectiveMomentum}.");
        if (Kind == OptimizerKind.Nesterov && !(EffectiveMomentum > 0 && Dampening == 0))
            yield return new(path + ".momentum", "Nesterov momentum needs momentum > 0 and dampening 0.");
        if (!(Beta1 >= 0 && Beta1 < 1)) yield return new(path + ".beta1", $"beta1 must be in [0, 1), got {Beta1}.");
        if (!(Beta2 >= 0 && Beta2 < 1)) yield return new(path + ".beta2", $"beta2 must be in [0, 1), got {Beta2}.");
        if (!(double.IsFinite(Epsilon) && Epsilon > 0)) yield return new(path + ".epsilon",
            $"epsilon must be a positive finite number, got {Epsilon}.");
        if (!(double.IsFinite(WeightDecay) && WeightDecay >= 0)) yield return new(path + ".weightDecay",
            $"Weight decay must be zero or positive, got {WeightDecay}.");
        if (!(Alpha >= 0 && Alpha < 1)) yield return new(path + ".alpha", $"alpha must be in [0, 1), got {Alpha}.");
        if (!(Dampening >= 0 && Dampening <= 1)) yield return new(path + ".dampening",
            $"dampening must be in [0, 1], got {Dampening}.");
    }
}

/// <summary>One problem with training options: the option's path (e.g. <c>optimizer.learningRate</c>) and what is
/// wrong.</summary>
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
