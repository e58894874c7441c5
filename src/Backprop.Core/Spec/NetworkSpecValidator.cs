namespace Backprop.Core.Spec;

/// <summary>What is wrong with a network specification. Each code has exactly one cause.</summary>
public enum SpecErrorCode
{
    /// <summary>Input width is zero or negative.</summary>
    NonPositiveInputWidth,
    /// <summary>The network has no layer.</summary>
    NoLayers,
    /// <summary>A layer has zero or negative units.</summary>
    NonPositiveUnits,
    /// <summary>Softmax used in a hidden layer.</summary>
    SoftmaxInHiddenLayer,
    /// <summary>Softmax output with a loss other than categorical cross-entropy.</summary>
    SoftmaxRequiresCategoricalCrossEntropy,
    /// <summary>Categorical cross-entropy after an output activation other than softmax.</summary>
    CategoricalCrossEntropyRequiresSoftmax,
    /// <summary>Binary cross-entropy after an output activation other than sigmoid.</summary>
    BinaryCrossEntropyRequiresSigmoid,
    /// <summary>Softmax over a single unit (always outputs 1).</summary>
    SoftmaxNeedsTwoOrMoreUnits,
    /// <summary>Step or sign activation: zero gradient almost everywhere.</summary>
    NonDifferentiableActivation,
    /// <summary>Learning-rate multiplier not finite or not positive.</summary>
    InvalidLearningRateMultiplier,
    /// <summary>L2 coefficient negative or not finite.</summary>
    InvalidL2,
    /// <summary>Leaky-ReLU slope / ELU alpha negative or not finite.</summary>
    InvalidSlope,
    /// <summary>Huber threshold not positive or not finite.</summary>
    InvalidHuberDelta,
    /// <summary>An enum value outside the defined set.</summary>
    UnknownValue,
    /// <summary>Dropout rate outside [0, 1), or on the output layer.</summary>
    InvalidDropout,
}

/// <summary>One problem in a specification: where it is (<see cref="Path"/>, e.g. <c>layers[2].activation</c>), what is
/// wrong, and how to fix it.</summary>
public sealed record SpecError(SpecErrorCode Code, string Path, string Message, string Fix)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message} {Fix}";
}

/// <summary>Thrown when a network is built from an invalid specification.</summary>
public sealed class InvalidNetworkSpecException(IReadOnlyList<SpecError> errors)
    : ArgumentException("Invalid network specification: " + string.Join(" ", errors))
{
    /// <summary>Every problem found, in spec order.</summary>
    public IReadOnlyList<SpecError> Errors { get; } = errors;
}

/// <summary>Checks a <see cref="NetworkSpec"/> against the rules that keep backpropagation correct.</summary>
public static class NetworkSpecValidator
{
    /// <summary>Every problem of <paramref name="spec"/>; empty when it is valid.</summary>
    public static IReadOnlyList<SpecError> Validate(NetworkSpec spec)
    {
        var errors = new List<SpecError>();
        if (spec.InputWidth <= 0)
            errors.Add(new(SpecErrorCode.NonPositiveInputWidth, "inputWidth",
                $"Input width must be positive, got {spec.InputWidth}.",
                    "Set inputWidth to the number of feature columns."));
        if (!Enum.IsDefined(spec.Loss))
            errors.Add(new(SpecErrorCode.UnknownValue, "loss", $"Unknown loss {(int)spec.Loss}.", "Use one of "
                + string.Join(", ", Enum.GetValues<LossKind>().Select(v => JsonNames.Of(v))) + "."));
        if (!Enum.IsDefined(spec.Init))
            errors.Add(new(SpecErrorCode.UnknownValue, "init", $"Unknown initialisation {(int)spec.Init}.",
                "Use one of " + string.Join(", ", Enum.GetValues<InitKind>().Select(v => JsonNames.Of(v))) + "."));
        if (spec.Loss == LossKind.Huber && !(double.IsFinite(spec.HuberDelta) && spec.HuberDelta > 0))
            errors.Add(new(SpecErrorCode.InvalidHuberDelta, "huberDelta",
                $"Huber delta must be a positive finite number, got {spec.HuberDelta}.", "Use e.g. 1.0."));
        if (!(spec.InputDropout >= 0 && spec.InputDropout < 1))
            errors.Add(new(SpecErrorCode.InvalidDropout, "inputDropout",
                $"Input dropout must be in [0, 1), got {spec.InputDropout}.", "Use 0 for none, or e.g. 0.2."));
        if (spec.Layers is null || spec.Layers.Count == 0)
        {
            errors.Add(new(SpecErrorCode.NoLayers, "layers", "The network has no layers.",
                "Add at least an output layer."));
            return errors;
        }

        for (int i = 0; i < spec.Layers.Count; i++)
        {
            var layer = spec.Layers[i];
            string path = $"layers[{i}]";
            bool isOutput = i == spec.Layers.Count - 1;
            if (layer.Units <= 0)
                errors.Add(new(SpecErrorCode.NonPositiveUnits, path + ".units", $"Layer {i} has {layer.Units} units.",
                    "Every layer needs at least one unit."));
            if (!Enum.IsDefined(layer.Activation))
                errors.Add(new(SpecErrorCode.UnknownValue, path + ".activation",
                    $"Unknown activation {(int)layer.Activation}.",
                        "Use one of identity, sigmoid, tanh, relu, leaky_relu, elu, softplus, softmax."));
            if (layer.Activation is ActivationKind.Step or ActivationKind.Sign)
                errors.Add(new(SpecErrorCode.NonDifferentiableActivation, path + ".activation",
                    $"Activation {JsonNames.Of(layer.Activation)} is a hard threshold: " +
                    "its derivative is zero almost everywhere, so backpropagation cannot train through it.",
                    isOutput ? "Use sigmoid (binary) or softmax (multi-class) and threshold the prediction instead."
                        : "Use a differentiable activation such as relu, tanh or sigmoid."));
            if (layer.Activation == ActivationKind.Softmax && !isOutput)
                errors.Add(new(SpecErrorCode.SoftmaxInHiddenLayer, path + ".activation",
                    "Softmax is only meaningful on the output layer.", "Use relu, tanh or sigmoid in hidden layers."));
            if (!(double.IsFinite(layer.LearningRateMultiplier) && layer.LearningRateMultiplier > 0))
                errors.Add(new(SpecErrorCode.InvalidLearningRateMultiplier, path + ".learningRateMultiplier",
                    $"Learning-rate multiplier must be a positive finite number, got {layer.LearningRateMultiplier}.",
                        "Use 1 for the optimizer's rate, or e.g. 0.1 to slow this layer down."));
            if (!(double.IsFinite(layer.BiasLearningRateMultiplier) && layer.BiasLearningRateMultiplier >= 0))
                errors.Add(new(SpecErrorCode.InvalidLearningRateMultiplier, path + ".biasLearningRateMultiplier",
                    $"Bias learning-rate multiplier must be zero or a positive finite number, " +
                    $"got {layer.BiasLearningRateMultiplier}.",
                    "Use 1 to train the biases at the layer's rate, or 0 to keep them fixed."));
            if (!(double.IsFinite(layer.L2) && layer.L2 >= 0))
                errors.Add(new(SpecErrorCode.InvalidL2, path + ".l2", $"L2 coefficient must be zero or positive and " +
                    $"finite, got {layer.L2}.", "Use 0 for none, or e.g. 1e-4."));
            if (layer.Activation is ActivationKind.LeakyRelu && !(double.IsFinite(layer.Slope) && layer.Slope >= 0))
                errors.Add(new(SpecErrorCode.InvalidSlope, path + ".slope",
                    $"Slope must be zero or positive and finite, got {layer.Slope}.", "Use e.g. 0.01."));
            if (layer.Activation is ActivationKind.Elu && !(double.IsFinite(layer.Alpha) && layer.Alpha >= 0))
                errors.Add(new(SpecErrorCode.InvalidSlope, path + ".alpha",
                    $"ELU alpha must be zero or positive and finite, got {layer.Alpha}.", "Use e.g. 1.0."));
            if (!(layer.Dropout >= 0 && layer.Dropout < 1))
                errors.Add(new(SpecErrorCode.InvalidDropout, path + ".dropout", $"Dropout must be in [0, 1), " +
                    $"got {layer.Dropout}.", "Use 0 for none, or e.g. 0.5 for a wide hidden layer."));
            else if (isOutput && layer.Dropout > 0)
                errors.Add(new(SpecErrorCode.InvalidDropout, path + ".dropout", "Dropout on the output layer would " +
                    "zero predictions at random.", "Set the output layer's dropout to 0 and use it on hidden layers."));
        }

        var output = spec.Layers[^1];
        string outPath = $"layers[{spec.Layers.Count - 1}]";
        if (output.Activation == ActivationKind.Softmax && output.Units == 1)
            errors.Add(new(SpecErrorCode.SoftmaxNeedsTwoOrMoreUnits, outPath + ".units",
                "Softmax over one unit always outputs 1.",
                    "For two classes use one sigmoid unit with binary_cross_entropy, or two softmax units."));
        if (output.Activation == ActivationKind.Softmax && spec.Loss != LossKind.CategoricalCrossEntropy)
            errors.Add(new(SpecErrorCode.SoftmaxRequiresCategoricalCrossEntropy, "loss",
                $"Softmax output needs loss categorical_cross_entropy, got {JsonNames.Of(spec.Loss)}.",
                    "Set loss to categorical_cross_entropy (its gradient with softmax is exactly a − y)."));
        if (spec.Loss == LossKind.CategoricalCrossEntropy && output.Activation != ActivationKind.Softmax)
            errors.Add(new(SpecErrorCode.CategoricalCrossEntropyRequiresSoftmax, outPath + ".activation",
                $"Loss categorical_cross_entropy needs a softmax output layer, got {JsonNames.Of(output.Activation)}.",
                    "Set the output activation to softmax."));
        if (spec.Loss == LossKind.BinaryCrossEntropy && output.Activation != ActivationKind.Sigmoid)
            errors.Add(new(SpecErrorCode.BinaryCrossEntropyRequiresSigmoid, outPath + ".activation",
                $"Loss binary_cross_entropy needs a sigmoid output layer, got {JsonNames.Of(output.Activation)}.",
                    output.Activation == ActivationKind.Softmax
                    ? "Use loss categorical_cross_entropy with softmax." : "Set the output activation to sigmoid."));
        return errors;
    }
}
