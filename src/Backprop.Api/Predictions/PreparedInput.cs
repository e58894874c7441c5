using System.Globalization;
using System.Text.Json;

namespace Backprop.Api.Predictions;

/// <summary>
/// Raw records (numbers, strings, booleans, nulls) through a model's <see cref="TabularPreparation"/>, as in training:
/// a missing or absent cell is filled (numeric, boolean) or takes the "(missing)" level (categorical); a level the
/// training split never held is encoded all-zero with a warning on the row, or refused when the model says so.
/// </summary>
internal static class PreparedInput
{
    private const int MaxReported = 10;

    public static float[]? Read(PredictionRequest request, TabularPreparation preparation, ProblemErrors errors,
        out List<string>?[]? warnings)
    {
        warnings = null;
        var records = request.Records!;
        if (request.Rows is not null) { errors.Add("rows", "Give either rows or records, not both."); return null; }
        if (records.Count == 0) { errors.Add("records", "Give at least one record."); return null; }
        var columns = preparation.Columns;
        int rawWidth = columns.Count, width = preparation.EncodedWidth, reported = 0;
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < rawWidth; c++) names[columns[c].Name] = c;
        var encoded = new float[records.Count * width];
        var raw = new float[rawWidth];
        var rowWarnings = new List<string>?[records.Count];
        bool refuse = preparation.Settings.UnseenLevels == UnseenLevelPolicy.Refuse;
        void Report(string path, string message) { if (reported++ < MaxReported) errors.Add(path, message); }

        for (int r = 0; r < records.Count; r++)
        {
            if (records[r] is not { } record) { Report($"records[{r}]",
                $"Expected an object with the columns {string.Join(", ", names.Keys)}."); continue; }
            var unknown = record.Keys.Where(k => !names.ContainsKey(k)).ToList();
            if (unknown.Count > 0) { Report($"records[{r}]", $"Unknown column(s) {string.Join(", ", unknown)}; " +
                $"the model's columns are {string.Join(", ", names.Keys)}."); continue; }
            for (int c = 0; c < rawWidth; c++)
            {
                var column = columns[c];
                var cell = record.TryGetValue(column.Name, out var v) ? v : default;
                if (cell.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null
                    || cell.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(cell.GetString()))
                {
                    raw[c] = float.NaN;
                    if (column.Kind == ColumnKind.Categorical && !column.MissingLevel)
                        Warn(r, $"'{column.Name}' is missing, and the training split had no missing " +
                            $"'{column.Name}': encoded as all zeros.");
                    continue;
                }
                float? value = column.Kind switch
                {
                    ColumnKind.Categorical => Level(preparation, c, cell),
                    ColumnKind.Boolean => Boolean(cell),
                    _ => Number(cell),
                };
                if (value is not { } x)
                {
                    Report($"records[{r}].{column.Name}", column.Kind == ColumnKind.Boolean
                        ? "Expected true, false (or 1, 0), or null for a missing value."
                        : "Expected a finite number within single precision, or null for a missing value.");
                    continue;
                }
                if (column.Kind == ColumnKind.Categorical && x < 0) // an unseen level
                {
                    var text = LevelText(cell);
                    if (refuse)
                        Report($"records[{r}].{column.Name}",
                            $"'{DatasetText(text)}' is not a level of '{column.Name}' in the training split ("
                            + string.Join(", ", column.Levels.Concat(column.Grouped).Take(20)) + (column.Levels.Count
                            + column.Grouped.Count > 20 ? ", …" : "")
                            + "); this model refuses unseen levels (preparation.unseenLevels = refuse).");
                    else Warn(r, $"'{column.Name}' = '{DatasetText(text)}' was not in the training split: " +
                        "encoded as all zeros.");
                }
                raw[c] = x;
            }
            preparation.EncodeRow(raw, encoded.AsSpan(r * width, width));
        }
        if (errors.Any) return null;
        if (rowWarnings.Any(w => w is not null)) warnings = rowWarnings;
        return encoded;

        void Warn(int row, string message) => (rowWarnings[row] ??= []).Add(message);
    }

    private static float? Level(TabularPreparation preparation, int column, JsonElement cell) =>
        cell.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False
            ? preparation.Slot(column, LevelText(cell)) : null;

    // As the upload read it: a string trimmed, a number as written, a boolean as true/false.
    private static string LevelText(JsonElement cell) => cell.ValueKind switch
    {
        JsonValueKind.String => cell.GetString()!.Trim(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => cell.GetRawText(),
    };

    private static float? Number(JsonElement cell)
    {
        double value;
        if (cell.ValueKind == JsonValueKind.Number) { if (!cell.TryGetDouble(out value)) return null; }
        else if (cell.ValueKind != JsonValueKind.String || !double.TryParse(cell.GetString(), NumberStyles.Float,
            CultureInfo.InvariantCulture, out value)) return null;
        return double.IsFinite(value) && Math.Abs(value) <= float.MaxValue ? (float)value : null;
    }

    private static float? Boolean(JsonElement cell) => cell.ValueKind switch
    {
        JsonValueKind.True => 1,
        JsonValueKind.False => 0,
        JsonValueKind.Number when cell.TryGetDouble(out var d) && d is 0 or 1 => (float)d,
        JsonValueKind.String when bool.TryParse(cell.GetString()!.Trim(), out var b) => b ? 1 : 0,
        _ => null,
    };

    private static string DatasetText(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");
}
