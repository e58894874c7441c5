namespace Backprop.Api.Networks;

/// <summary>A checked definition: the core's spec when it has no problems, and advice either way.</summary>
public sealed record NetworkCheck(NetworkSpec? Spec, IReadOnlyList<NetworkProblem> Problems,
    IReadOnlyList<string> Warnings);

/// <summary>Turns a definition into the core's spec, checking the service's size limits and the core's rules.</summary>
public static class NetworkValidation
{
    public static NetworkCheck Check(NetworkDefinition definition, LimitsOptions limits)
    {
        var problems = new List<NetworkProblem>();
        var layers = definition.Layers ?? [];
        if (layers.Count == 0) problems.Add(new("layers", "The network has no layers.",
            "Add at least an output layer, e.g. [{\"units\": 3, \"activation\": \"softmax\"}]."));
        if (definition.Loss is null) problems.Add(new("loss", "The loss is required.",
            "Use mean_squared_error, binary_cross_entropy, categorical_cross_entropy or huber."));
        if (definition.InputWidth > limits.MaxInputWidth)
            problems.Add(new("inputWidth", $"The input width is {definition.InputWidth:N0}; " +
                $"this service allows at most {limits.MaxInputWidth:N0} (Limits:MaxInputWidth).",
                "Use fewer features (e.g. select or reduce columns before upload)."));
        if (layers.Count > limits.MaxLayers) problems.Add(new("layers", $"The network has {layers.Count} layers; " +
            $"this service allows at most {limits.MaxLayers}.", "Use fewer layers."));
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is null) { problems.Add(new($"layers[{i}]", "The layer is null.",
                "Give units and activation.")); continue; }
            if (layers[i].Activation is null) problems.Add(new($"layers[{i}].activation",
                "The activation is required.",
                    "Use e.g. relu for hidden layers, softmax/sigmoid/identity for the output."));
            if (layers[i].Units > limits.MaxUnitsPerLayer) problems.Add(new($"layers[{i}].units",
                $"Layer {i} has {layers[i].Units} units; this service allows at most {limits.MaxUnitsPerLayer}.",
                    "Use fewer units."));
        }
        if (problems.Count > 0) return new(null, problems, []);

        var spec = definition.ToSpec();
        problems.AddRange(NetworkSpecValidator.Validate(spec).Select(e => new NetworkProblem(e.Path, e.Message,
            e.Fix)));
        if (spec.ParameterCount > limits.MaxParameters)
            problems.Add(new("layers", $"The network has {spec.ParameterCount:N0} parameters; " +
                $"this service allows at most {limits.MaxParameters:N0}.", "Use fewer or narrower layers."));
        var warnings = Warnings(spec).ToList();
        return problems.Count > 0 ? new(null, problems, warnings) : new(spec, [], warnings);
    }

    public static Dictionary<string, string[]> ToProblemErrors(this IEnumerable<NetworkProblem> problems) =>
        problems.GroupBy(p => p.Path).ToDictionary(g => g.Key, g => g.Select(p => p.Fix is null ? p.Message
            : $"{p.Message} {p.Fix}").ToArray());

    /// <summary>Advice: things that train badly although they are legal.</summary>
    private static IEnumerable<string> Warnings(NetworkSpec spec)
    {
        var hidden = spec.Layers.Take(spec.Layers.Count - 1).ToList();
        for (int i = 0; i < hidden.Count; i++)
            if (hidden[i].Activation == ActivationKind.Sigmoid)
                yield return $"layers[{i}]: sigmoid hidden layers saturate (derivative ≤ 0.25) and slow learning; " +
                    "prefer relu or tanh.";
        if (hidden.Count >= 4 && hidden.Any(l => l.Activation is ActivationKind.Sigmoid or ActivationKind.Tanh))
            yield return "Deep stacks of sigmoid/tanh layers tend to have vanishing gradients; " +
                "prefer relu with he initialisation.";
        var output = spec.Layers[^1];
        if (output.Activation == ActivationKind.Sigmoid && spec.Loss == LossKind.MeanSquaredError)
            yield return "A sigmoid output with mean_squared_error learns slowly when saturated; " +
                "binary_cross_entropy is the usual pairing.";
        if (spec.Init is InitKind.HeUniform or InitKind.HeNormal && hidden.Any(l =>
            l.Activation is ActivationKind.Sigmoid or ActivationKind.Tanh))
            yield return "He initialisation is meant for relu-family layers; glorot suits sigmoid/tanh (or use auto).";
        if (spec.Init is InitKind.GlorotUniform or InitKind.GlorotNormal && hidden.Any(l =>
            l.Activation is ActivationKind.Relu or ActivationKind.LeakyRelu or ActivationKind.Elu))
            yield return "Glorot initialisation is meant for sigmoid/tanh layers; he suits relu-family layers (or " +
                "use auto).";
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            if (spec.Layers[i]
                .L2 > 0.1) yield return $"layers[{i}].l2 = {spec.Layers[i].L2} is large; typical values are 1e-5 to " +
                    "1e-2.";
            if (spec.Layers[i].LearningRateMultiplier > 10) yield return $"layers[{i}].learningRateMultiplier = " +
                $"{spec.Layers[i].LearningRateMultiplier} may make training diverge.";
        }
        if (spec.ParameterCount > 5_000_000) yield return $"{spec.ParameterCount:N0} parameters will train slowly " +
            "on a CPU.";
    }
}
