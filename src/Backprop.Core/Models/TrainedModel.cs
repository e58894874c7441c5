namespace Backprop.Core.Models;

/// <summary>
/// Everything needed to predict in raw units: the spec, the weights (flat layout), the raw columns' preparation (when
/// the data had categorical, boolean or missing cells), the input normalisation, the target standardisation
/// (regression) and the names of features (the network's inputs), classes and targets.
/// </summary>
public sealed record TrainedModel(
    NetworkSpec Spec,
    float[] Parameters,
    TaskKind Task,
    Normalizer InputNormalizer,
    Normalizer? TargetNormalizer,
    IReadOnlyList<string>? FeatureNames,
    IReadOnlyList<string>? ClassNames,
    IReadOnlyList<string>? TargetNames,
    TabularPreparation? Preparation = null)
{
    /// <summary>Checks internal consistency (widths, counts, finite weights). Empty when valid.</summary>
    public IReadOnlyList<OptionError> Validate()
    {
        var errors = NetworkSpecValidator.Validate(Spec).Select(e => new OptionError("spec." + e.Path, e.Message + " "
            + e.Fix)).ToList();
        if (errors.Count > 0) return errors;
        if (!Enum.IsDefined(Task)) errors.Add(new("task", $"Unknown task {(int)Task}."));
        long expected = ParameterCount(Spec, Array.MaxLength);
        if (expected < 0) errors.Add(new("parameters", $"The spec needs more than {Array.MaxLength} parameters."));
        else if (Parameters.Length != expected) errors.Add(new("parameters",
            $"The spec needs {expected} parameters, got {Parameters.Length}."));
        else if (Parameters.Any(p => !float.IsFinite(p))) errors.Add(new("parameters",
            "Parameters must be finite numbers."));
        if (InputNormalizer.Width != Spec.InputWidth) errors.Add(new("normalization",
            $"Input normalisation has {InputNormalizer.Width} columns, the network {Spec.InputWidth}."));
        if (InputNormalizer.Offsets.Length != InputNormalizer.Scales.Length || InputNormalizer.Scales.Any(s =>
            !(double.IsFinite(s) && s != 0)) || InputNormalizer.Offsets.Any(o => !double.IsFinite(o)))
            errors.Add(new("normalization", "Normalisation offsets must be finite and scales finite and non-zero."));
        if (Preparation is { } p)
        {
            errors.AddRange(p.Validate());
            if (p.Columns.Count == 0 || p.EncodedWidth != Spec.InputWidth)
                errors.Add(new("preparation",
                    $"The preparation gives {p.EncodedWidth} inputs, the network expects {Spec.InputWidth}."));
        }
        if (FeatureNames is not null && FeatureNames.Count != Spec.InputWidth) errors.Add(new("featureNames",
            $"Expected {Spec.InputWidth} feature names, got {FeatureNames.Count}."));
        if (FirstRepeated(FeatureNames) is { } feature) errors.Add(new("featureNames",
            $"'{feature}' appears more than once; feature names must be unique (records are matched by name)."));
        if (FirstRepeated(ClassNames) is { } @class) errors.Add(new("classNames",
            $"'{@class}' appears more than once; class names must be unique."));
        if (FirstRepeated(TargetNames) is { } target) errors.Add(new("targetNames",
            $"'{target}' appears more than once; target names must be unique."));
        var output = Spec.Layers[^1];
        if (Task == TaskKind.Regression && (output.Activation == ActivationKind.Softmax
            || Spec.Loss is LossKind.CategoricalCrossEntropy or LossKind.BinaryCrossEntropy))
            errors.Add(new("task", $"task regression does not match a {JsonNames.Of(output.Activation)} output " +
                $"trained with {JsonNames.Of(Spec.Loss)}; use task classification, or an identity output with " +
                "mean_squared_error or huber."));
        if (Task == TaskKind.Classification && Spec.Loss is LossKind.CategoricalCrossEntropy
            && output.Activation != ActivationKind.Softmax)
            errors.Add(new("task",
                $"categorical_cross_entropy needs a softmax output, got {JsonNames.Of(output.Activation)}."));
        if (Task == TaskKind.Classification)
        {
            int classes = Spec.OutputWidth == 1 ? 2 : Spec.OutputWidth;
            if (ClassNames is not null && ClassNames.Count != classes) errors.Add(new("classNames",
                $"Expected {classes} class names, got {ClassNames.Count}."));
        }
        else if (TargetNormalizer is { } t && (t.Width != Spec.OutputWidth || t.Scales.Length != t.Offsets.Length
            || t.Scales.Any(s => !(double.IsFinite(s) && s != 0)) || t.Offsets.Any(o => !double.IsFinite(o))))
            errors.Add(new("targetNormalization",
                $"Target normalisation must have {Spec.OutputWidth} finite columns with non-zero scales."));
        return errors;
    }

    private static string? FirstRepeated(IReadOnlyList<string>? names)
    {
        if (names is null) return null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names) if (!seen.Add(name)) return name;
        return null;
    }

    /// <summary>The spec's parameter count, or −1 when it passes <paramref name="limit"/>; unlike <see
    /// cref="NetworkSpec.ParameterCount"/> it cannot overflow, whatever widths a corrupt file declares. The spec's
    /// widths must be positive.</summary>
    internal static long ParameterCount(NetworkSpec spec, long limit)
    {
        long count = 0, fanIn = spec.InputWidth;
        foreach (var layer in spec.Layers)
        {
            count += (fanIn + 1) * layer.Units; // ≤ 2^62 per layer, added to a count ≤ limit: no overflow
            if (count > limit) return -1;
            fanIn = layer.Units;
        }
        return count;
    }

    /// <summary>Number of classes (classification): output units, or 2 for a single sigmoid unit.</summary>
    public int ClassCount => Task == TaskKind.Classification ? (Spec.OutputWidth == 1 ? 2 : Spec.OutputWidth) : 0;

    /// <summary>The model of a training session at its current state.</summary>
    public static TrainedModel FromSession(TrainingSession session, TrainingData data) => new(
        session.Spec, (float[])session.Network.Parameters.Clone(), data.Task, session.InputNormalizer,
            session.TargetNormalizer,
        session.Preparation is { } p ? p.EncodedNames() : data.FeatureNames, data.ClassNames, data.TargetNames,
            session.Preparation);

    /// <summary>A predictor (owns its scratch buffers; not thread-safe, create one per thread or pool them).</summary>
    public Predictor CreatePredictor(int maxRows = 256) => new(this, maxRows);
}
