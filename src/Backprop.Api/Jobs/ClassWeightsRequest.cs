using System.Text.Json;

namespace Backprop.Api.Jobs;

/// <summary>Reads a job's <c>classWeights</c>: <c>"balanced"</c> or <c>{"label": weight, ...}</c> naming every class of
/// the dataset.</summary>
public static class ClassWeightsRequest
{
    /// <summary>The weighting, or null (none given, or a problem added to <paramref name="errors"/>). A map needs
    /// <paramref name="classNames"/>.</summary>
    public static ClassWeighting? Read(JsonElement? value, IReadOnlyList<string>? classNames, ProblemErrors errors)
    {
        if (value is not { } v || v.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return null;
        if (v.ValueKind == JsonValueKind.String)
        {
            if (string.Equals(v.GetString(), "balanced", StringComparison.OrdinalIgnoreCase)) return new ClassWeighting(
                true);
            errors.Add("classWeights",
                $"classWeights must be \"balanced\" or an object of class label to weight, got \"{v.GetString()}\".");
            return null;
        }
        if (v.ValueKind != JsonValueKind.Object)
        {
            errors.Add("classWeights", "classWeights must be \"balanced\" or an object of class label to weight, " +
                "e.g. {\"yes\": 9, \"no\": 1}.");
            return null;
        }
        if (classNames is null) return null;
        var weights = new double?[classNames.Count];
        foreach (var property in v.EnumerateObject())
        {
            int index = IndexOf(classNames, property.Name);
            if (index < 0)
                errors.Add($"classWeights.{property.Name}",
                    $"'{property.Name}' is not a class of the dataset ({string.Join(", ", classNames)}).");
            else if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetDouble(out double w)
                || !double.IsFinite(w) || w < 0)
                errors.Add($"classWeights.{property.Name}",
                    $"The weight of class '{property.Name}' must be a number, 0 or more.");
            else weights[index] = w;
        }
        var missing = classNames.Where((_, i) => weights[i] is null).ToList();
        if (missing.Count > 0 && !errors.Any)
            errors.Add("classWeights", $"classWeights gives no weight for class(es) {string.Join(", ", missing)}; " +
                "give every class a weight (1 = as is).");
        if (errors.Any) return null;
        if (weights.All(w => w == 0)) { errors.Add("classWeights",
            "At least one class weight must be more than 0."); return null; }
        return new ClassWeighting(false, [.. weights.Select(w => w!.Value)]);
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++) if (names[i] == name) return i;
        return -1;
    }
}
