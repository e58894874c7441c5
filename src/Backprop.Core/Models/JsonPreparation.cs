using System.Text.Json;

namespace Backprop.Core.Models;

/// <summary>
/// JSON form of a <see cref="TabularPreparation"/> inside a model file: enough for another runtime (or an ONNX export)
/// to rebuild the inputs: <c>{"imputation", "missingIndicators", "minLevelCount", "unseenLevels", "columns": [{"name",
/// "kind", "fill", "indicator", "levels", "grouped", "missingLevel"}]}</c>.
/// </summary>
internal static class JsonPreparation
{
    public static void Write(Utf8JsonWriter w, TabularPreparation? p)
    {
        if (p is null) { w.WriteNull("preparation"); return; }
        w.WriteStartObject("preparation");
        w.WriteString("imputation", JsonNames.Of(p.Settings.Imputation));
        w.WriteBoolean("missingIndicators", p.Settings.MissingIndicators);
        w.WriteNumber("minLevelCount", p.Settings.MinLevelCount);
        w.WriteString("unseenLevels", JsonNames.Of(p.Settings.UnseenLevels));
        w.WriteStartArray("columns");
        foreach (var c in p.Columns)
        {
            w.WriteStartObject();
            w.WriteString("name", c.Name);
            w.WriteString("kind", JsonNames.Of(c.Kind));
            w.WriteNumber("fill", c.Fill);
            w.WriteBoolean("indicator", c.Indicator);
            ModelSerializer.WriteStrings(w, "levels", c.Levels);
            ModelSerializer.WriteStrings(w, "grouped", c.Grouped);
            w.WriteBoolean("missingLevel", c.MissingLevel);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static TabularPreparation? Read(JsonElement root)
    {
        if (!root.TryGetProperty("preparation", out var p) || p.ValueKind == JsonValueKind.Null) return null;
        var settings = new PreparationSettings(
            JsonNames.Parse<ImputationKind>(ModelSerializer.Required(p, "imputation"), "preparation.imputation"),
            ModelSerializer.Required(p, "missingIndicators").GetBoolean(),
            ModelSerializer.Required(p, "minLevelCount").GetInt32(),
            JsonNames.Parse<UnseenLevelPolicy>(ModelSerializer.Required(p, "unseenLevels"),
                "preparation.unseenLevels"));
        var columns = ModelSerializer.Required(p, "columns");
        if (columns.ValueKind != JsonValueKind.Array) throw new InvalidDataException(
            "preparation.columns: expected an array.");
        var list = new List<PreparedColumn>();
        foreach (var c in columns.EnumerateArray())
        {
            var path = $"preparation.columns[{list.Count}]";
            var name = ModelSerializer.Required(c, "name");
            if (name.ValueKind != JsonValueKind.String) throw new InvalidDataException(
                $"{path}.name: expected a string.");
            var fill = ModelSerializer.Required(c, "fill");
            if (fill.ValueKind != JsonValueKind.Number
                || !double.IsFinite(fill.GetDouble())) throw new InvalidDataException(
                    $"{path}.fill: expected a finite number.");
            list.Add(new PreparedColumn(name.GetString()!, JsonNames.Parse<ColumnKind>(ModelSerializer.Required(c,
                "kind"), path + ".kind"), fill.GetDouble(), ModelSerializer.Required(c, "indicator").GetBoolean(),
                ModelSerializer.ReadStrings(c, "levels") ?? [], ModelSerializer.ReadStrings(c, "grouped") ?? [],
                ModelSerializer.Required(c, "missingLevel").GetBoolean()));
        }
        return new TabularPreparation(list, settings);
    }
}
