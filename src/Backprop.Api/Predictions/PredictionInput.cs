using Backprop.Api.Models;
using System.Text.Json;

namespace Backprop.Api.Predictions;

/// <summary>Turns a prediction request into the network's input matrix <c>(rows, inputWidth)</c> in raw units (before normalisation),
/// through the model's preparation when it has one, naming every problem.</summary>
public static class PredictionInput
{
    private const int MaxReported = 10;
    private const string NotANumber = "Expected a finite number within single precision.";

    public static int RowCount(this PredictionRequest r) => (r.Rows?.Count ?? 0) + (r.Records?.Count ?? 0);

    /// <summary>The inputs, or null with <paramref name="errors"/> filled; <paramref name="warnings"/> per row (null entries when none).</summary>
    public static float[]? Read(PredictionRequest request, TrainedModel model, ProblemErrors errors, out List<string>?[]? warnings)
    {
        warnings = null;
        if (model.Preparation is { } preparation)
        {
            if (request.Rows is not null && request.Records is null)
            {
                errors.Add("rows", "This model prepares raw columns (" + string.Join(", ", preparation.Columns.Select(c => c.Name))
                    + "): send records, e.g. {\"records\": [{\"" + preparation.Columns[0].Name + "\": ...}]}, with strings for categorical levels and null for missing values.");
                return null;
            }
            return PreparedInput.Read(request, preparation, errors, out warnings);
        }
        var featureNames = model.FeatureNamesOrDefault();
        int width = featureNames.Count;
        if ((request.Rows is null) == (request.Records is null))
        {
            errors.Add("rows", "Give either rows (arrays in feature order) or records (objects keyed by feature name), not both and not neither.");
            return null;
        }
        int count = request.RowCount();
        if (count == 0) { errors.Add(request.Rows is null ? "records" : "rows", "Give at least one row."); return null; }
        var features = new float[count * width];
        int reported = 0;
        void Report(string path, string message) { if (reported++ < MaxReported) errors.Add(path, message); }
        string? expectedText = null; // built only for an error message
        string Expected() => expectedText ??= string.Join(", ", featureNames);

        if (request.Rows is { } rows)
            for (int r = 0; r < rows.Count; r++)
            {
                if (rows[r] is not { } row) { Report($"rows[{r}]", $"Expected {width} numbers ({Expected()})."); continue; }
                if (row.Length != width) { Report($"rows[{r}]", $"Expected {width} values ({Expected()}), got {row.Length}."); continue; }
                for (int c = 0; c < width; c++)
                    if (!Store(row[c], r, c)) Report($"rows[{r}][{c}]", NotANumber);
            }
        else
            for (int r = 0; r < request.Records!.Count; r++)
            {
                if (request.Records[r] is not { } record) { Report($"records[{r}]", $"Expected an object with {Expected()}."); continue; }
                var unknown = record.Keys.Where(k => !featureNames.Contains(k)).ToList();
                var missing = featureNames.Where(f => !record.ContainsKey(f)).ToList();
                if (unknown.Count > 0) Report($"records[{r}]", $"Unknown column(s) {string.Join(", ", unknown)}; the model's columns are {Expected()}.");
                if (missing.Count > 0) Report($"records[{r}]", $"Missing column(s) {string.Join(", ", missing)}; the model's columns are {Expected()}.");
                if (unknown.Count > 0 || missing.Count > 0) continue;
                for (int c = 0; c < width; c++)
                    if (record[featureNames[c]] is not { ValueKind: JsonValueKind.Number } cell || !cell.TryGetDouble(out double value) || !Store(value, r, c))
                        Report($"records[{r}].{featureNames[c]}", NotANumber);
            }
        return errors.Any ? null : features;

        // The error's path is built only when there is an error: a valid 64-feature row costs no strings.
        bool Store(double value, int r, int c)
        {
            if (!double.IsFinite(value) || Math.Abs(value) > float.MaxValue) return false;
            features[r * width + c] = (float)value;
            return true;
        }
    }

    public static PredictionResponse ToResponse(this PredictionBatch batch, Guid modelId, TrainedModel model, IReadOnlyList<string> classNames,
        List<string>?[]? warnings = null)
    {
        var predictions = new RowPrediction[batch.Rows];
        int outputs = model.Spec.OutputWidth;
        for (int r = 0; r < batch.Rows; r++)
        {
            if (model.Task == TaskKind.Regression)
            {
                var values = new float?[outputs];
                for (int o = 0; o < outputs; o++) values[o] = batch.Outputs[r * outputs + o] is var v && float.IsFinite(v) ? v : null;
                predictions[r] = new RowPrediction(null, null, null, values, warnings?[r]);
                continue;
            }
            int predicted = batch.PredictedClasses![r];
            Dictionary<string, float>? probabilities = null;
            if (batch.Probabilities is { } p)
            {
                int classes = p.Length / batch.Rows;
                probabilities = new Dictionary<string, float>(classes);
                for (int c = 0; c < classes; c++) probabilities[classNames[c]] = p[r * classes + c] is var q && float.IsFinite(q) ? q : 0;
            }
            predictions[r] = new RowPrediction(classNames[predicted], predicted, probabilities, null, warnings?[r]);
        }
        return new PredictionResponse(modelId, model.Task, model.TargetNames, predictions);
    }
}
