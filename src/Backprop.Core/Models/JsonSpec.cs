using System.Text.Json;

namespace Backprop.Core.Models;

/// <summary>snake_case names of the core's enums (<c>leaky_relu</c>, <c>categorical_cross_entropy</c>, <c>z_score</c>),
/// as the API uses them.</summary>
public static class JsonNames
{
    /// <summary>The snake_case name of an enum value.</summary>
    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum => Of((Enum)value);

    /// <summary>The snake_case name of an enum value whose type is known only at run time.</summary>
    public static string Of(Enum value) => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>Parses a snake_case (or PascalCase) name; null when unknown.</summary>
    public static TEnum? TryParse<TEnum>(string? text) where TEnum : struct, Enum
    {
        if (text is null) return null;
        foreach (var value in Enum.GetValues<TEnum>())
            if (string.Equals(Of(value), text, StringComparison.OrdinalIgnoreCase) || string.Equals(value.ToString(),
                text, StringComparison.OrdinalIgnoreCase))
                return value;
        return null;
    }

    internal static TEnum Parse<TEnum>(JsonElement element, string path) where TEnum : struct, Enum =>
        (element.ValueKind == JsonValueKind.String ? TryParse<TEnum>(element.GetString()) : null)
        ?? throw new InvalidDataException(
            $"{path}: expected one of {string.Join(", ", Enum.GetValues<TEnum>().Select(v => Of(v)))}.");
}

/// <summary>JSON form of a <see cref="NetworkSpec"/> inside a model file.</summary>
internal static class JsonSpec
{
    public static void Write(Utf8JsonWriter w, NetworkSpec spec)
    {
        w.WriteStartObject();
        w.WriteNumber("inputWidth", spec.InputWidth);
        w.WriteString("loss", JsonNames.Of(spec.Loss));
        w.WriteString("init", JsonNames.Of(spec.Init));
        w.WriteNumber("seed", spec.Seed);
        w.WriteNumber("huberDelta", spec.HuberDelta);
        w.WriteNumber("inputDropout", spec.InputDropout);
        w.WriteStartArray("layers");
        foreach (var l in spec.Layers)
        {
            w.WriteStartObject();
            w.WriteNumber("units", l.Units);
            w.WriteString("activation", JsonNames.Of(l.Activation));
            w.WriteNumber("learningRateMultiplier", l.LearningRateMultiplier);
            w.WriteNumber("l2", l.L2);
            w.WriteNumber("slope", l.Slope);
            w.WriteNumber("biasLearningRateMultiplier", l.BiasLearningRateMultiplier);
            w.WriteNumber("alpha", l.Alpha);
            w.WriteNumber("dropout", l.Dropout);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static NetworkSpec Read(JsonElement e, string path)
    {
        int input = ModelSerializer.Required(e, "inputWidth").GetInt32();
        var loss = JsonNames.Parse<LossKind>(ModelSerializer.Required(e, "loss"), path + ".loss");
        var init = e.TryGetProperty("init", out var i) ? JsonNames.Parse<InitKind>(i, path + ".init")
            : NetworkSpec.DefaultInit;
        ulong seed = e.TryGetProperty("seed", out var s) ? s.GetUInt64() : 0;
        double huber = e.TryGetProperty("huberDelta", out var h) ? h.GetDouble() : NetworkSpec.DefaultHuberDelta;
        var layersElement = ModelSerializer.Required(e, "layers");
        if (layersElement.ValueKind != JsonValueKind.Array) throw new InvalidDataException(
            $"{path}.layers: expected an array.");
        var layers = layersElement.EnumerateArray().Select((l, index) =>
        {
            var activation = JsonNames.Parse<ActivationKind>(ModelSerializer.Required(l, "activation"),
                $"{path}.layers[{index}].activation");
            double slope = l.TryGetProperty("slope", out var sl) ? sl.GetDouble() : LayerSpec.DefaultSlope;
            // A file without "alpha" was written before ELU had its own α and stored it in "slope".
            double alpha = l.TryGetProperty("alpha", out var al) ? al.GetDouble()
                : activation == ActivationKind.Elu && l.TryGetProperty("slope", out _) ? slope : LayerSpec.DefaultAlpha;
            return new LayerSpec(
                ModelSerializer.Required(l, "units").GetInt32(), activation,
                l.TryGetProperty("learningRateMultiplier", out var m) ? m.GetDouble()
                    : LayerSpec.DefaultLearningRateMultiplier,
                l.TryGetProperty("l2", out var l2) ? l2.GetDouble() : LayerSpec.DefaultL2,
                slope,
                l.TryGetProperty("biasLearningRateMultiplier", out var bm) ? bm.GetDouble()
                    : LayerSpec.DefaultBiasLearningRateMultiplier,
                alpha,
                l.TryGetProperty("dropout", out var d) ? d.GetDouble() : 0.0);
        }).ToArray();
        double inputDropout = e.TryGetProperty("inputDropout", out var id) ? id.GetDouble() : 0.0;
        var spec = new NetworkSpec(input, layers, loss, init, seed, huber, inputDropout);
        var errors = NetworkSpecValidator.Validate(spec);
        if (errors.Count > 0) throw new InvalidDataException($"{path}: " + string.Join(" ",
            errors.Select(x => $"{path}.{x}")));
        return spec;
    }
}
