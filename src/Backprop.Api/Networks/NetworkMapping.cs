using System.Text.Json;

namespace Backprop.Api.Networks;

/// <summary>Between a network's contract, its stored JSON, its entity and the core's spec.</summary>
public static class NetworkMapping
{
    public static NetworkSpec ToSpec(this NetworkDefinition d) => new(
        d.InputWidth,
        (d.Layers ?? []).Select(l => new LayerSpec(l.Units, l.Activation ?? ActivationKind.Identity,
            l.LearningRateMultiplier, l.L2, l.Slope, l.BiasLearningRateMultiplier, l.Alpha, l.Dropout)).ToList(),
        d.Loss ?? LossKind.MeanSquaredError, d.Init, d.Seed, d.HuberDelta, d.InputDropout);

    public static NetworkDefinition ToDefinition(this NetworkSpec spec, string? name = null) => new(
        name, spec.InputWidth,
        spec.Layers.Select(l => new LayerDefinition(l.Units, l.Activation, l.LearningRateMultiplier, l.L2, l.Slope,
            l.BiasLearningRateMultiplier, l.Alpha, l.Dropout)).ToList(),
        spec.Loss, spec.Init, spec.Seed, spec.HuberDelta, spec.InputDropout);

    public static string ToJson(this NetworkDefinition d) => JsonSerializer.Serialize(d, StoredJson.Options);

    public static NetworkDefinition ReadDefinition(string json)
    {
        var d = JsonSerializer.Deserialize<NetworkDefinition>(json, StoredJson.Options)
            ?? throw new InvalidDataException("Empty network definition.");
        // Definitions stored before elu had its own alpha kept it in slope: they read back with the alpha they were
        // trained with.
        if (d.Layers is { } layers && layers.Any(l => l?.Activation == ActivationKind.Elu)
            && !json.Contains("\"alpha\"", StringComparison.Ordinal))
            d = d with { Layers = layers.Select(l => l is { Activation: ActivationKind.Elu }
                ? l with { Alpha = l.Slope } : l).ToList() };
        return d;
    }

    public static NetworkResponse ToResponse(this NetworkEntity e)
    {
        var d = ReadDefinition(e.DefinitionJson);
        return new(e.Id, e.Name, d.InputWidth, e.OutputWidth, d.Layers ?? [], d.Loss, d.Init, d.Seed, d.HuberDelta,
            d.InputDropout, e.ParameterCount, e.CreatedAt.AsUtc());
    }

    public static NetworkSummary ToSummary(this NetworkEntity e) =>
        new(e.Id, e.Name, e.InputWidth, e.OutputWidth, e.LayerCount, e.ParameterCount, e.CreatedAt.AsUtc());
}
