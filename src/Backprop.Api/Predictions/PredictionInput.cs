using Backprop.Api.Models;
using System.Text.Json;

namespace Backprop.Api.Predictions;

/// <summary>Turns a prediction request into a raw feature matrix <c>(rows, inputWidth)</c>, naming every
/// problem.</summary>
public static class PredictionInput
{
    private const int MaxReported = 10;
    private const int MaxNamesListed = 10;
    private const string NotANumber = "Expected a finite number within single precision.";

    public static int RowCount(this PredictionRequest r) => (r.Rows?.Count ?? 0) + (r.Records?.Count ?? 0);

    /// <summary>
    /// The request's values, or null with <paramref name="errors"/> filled. Every row's shape is checked before the
    /// matrix is allocated, and records are matched to feature names through one dictionary (linear in the record's
    /// size).
    /// </summary>
    public static float[]? Read(PredictionRequest request, TrainedModel model, ProblemErrors errors,
        out List<string>?[]? warnings)
    {
        warnings = null;
        if (model.Preparation is { } preparation)
        {
            if (request.Rows is not null && request.Records is null)
            {
                errors.Add("rows", "This model prepares raw columns (" + string.Join(", ",
                    preparation.Columns.Select(c => c.Name))
                    + "): send records, e.g. {\"records\": [{\"" + preparation.Columns[0]
                        .Name + "\": ...}]}, with strings for categorical levels and null for missing values.");
                return null;
            }
            return PreparedInput.Read(request, preparation, errors, out warnings);
        }
        var featureNames = model.FeatureNamesOrDefault();
        int width = featureNames.Count;
        if ((request.Rows is null) == (request.Records is null))
        {
            errors.Add("rows", "Give either rows (arrays in feature order) or records (objects keyed by feature " +
                "name), not both and not neither.");
            return null;
        }
        int count = request.RowCount();
        if (count == 0) { errors.Add(request.Rows is null ? "records" : "rows",
            "Give at least one row."); return null; }
        int reported = 0;
        void Report(string path, string message) { if (reported++ < MaxReported) errors.Add(path, message); }
        string? expectedText = null; // built only for an error message
        string Expected() => expectedText ??= Listed(featureNames, width);

        Dictionary<string, int>? columns = null;
        if (request.Rows is { } rows)
        {
            for (int r = 0; r < rows.Count; r++)
                if (rows[r] is not { } row) Report($"rows[{r}]", $"Expected {width} numbers ({Expected()}).");
                else if (row.Length != width) Report($"rows[{r}]",
                    $"Expected {width} values ({Expected()}), got {row.Length}.");
        }
        else
        {
            columns = new Dictionary<string, int>(width, StringComparer.Ordinal);
            for (int c = 0; c < width; c++) columns.TryAdd(featureNames[c], c);
            for (int r = 0; r < request.Records!.Count; r++)
            {
                if (request.Records[r] is not { } record) { Report($"records[{r}]",
                    $"Expected an object with {Expected()}."); continue; }
                int known = 0;
                List<string>? unknown = null;
                foreach (var key in record.Keys)
                    if (columns.ContainsKey(key)) known++;
                    else (unknown ??= []).Add(key);
                if (unknown is not null)
                    Report($"records[{r}]",
                        $"Unknown column(s) {Listed(unknown, unknown.Count)}; the model's columns are {Expected()}.");
                if (known < width)
                {
                    var missing = featureNames.Where(f => !record.ContainsKey(f)).ToList();
                    Report($"records[{r}]",
                        $"Missing column(s) {Listed(missing, missing.Count)}; the model's columns are {Expected()}.");
                }
            }
        }
        if (errors.Any) return null;

        var features = new float[(long)count * width];
        if (request.Rows is { } valid)
        {
            for (int r = 0; r < valid.Count; r++)
                for (int c = 0; c < width; c++)
                    if (!Store(valid[r][c], r, c)) Report($"rows[{r}][{c}]", NotANumber);
        }
        else
        {
            for (int r = 0; r < request.Records!.Count; r++)
                foreach (var (key, cell) in request.Records[r])
                {
                    int c = columns![key];
                    if (cell.ValueKind != JsonValueKind.Number || !cell.TryGetDouble(out double value) || !Store(value,
                        r, c))
                        Report($"records[{r}].{key}", NotANumber);
                }
        }
        return errors.Any ? null : features;

        // The error's path is built only when there is an error: a valid 64-feature row costs no strings.
        bool Store(double value, int r, int c)
        {
            if (!double.IsFinite(value) || Math.Abs(value) > float.MaxValue) return false;
            features[(long)r * width + c] = (float)value;
            return true;
        }
    }

    /// <summary>The first names and how many more: a problem stays short however many columns a record has.</summary>
    private static string Listed(IReadOnlyList<string> names, int count) =>
        count <= MaxNamesListed ? string.Join(", ", names.Take(count))
            : $"{string.Join(", ", names.Take(MaxNamesListed))} and {count - MaxNamesListed:N0} more";

    public static PredictionResponse ToResponse(this PredictionBatch batch, Guid modelId, TrainedModel model,
        IReadOnlyList<string> classNames, List<string>?[]? warnings = null)
    {
        var predictions = new RowPrediction[batch.Rows];
        int outputs = model.Spec.OutputWidth;
        int classes = batch.Probabilities is { } all ? all.Length / batch.Rows : 0;
        for (int r = 0; r < batch.Rows; r++)
        {
            if (model.Task == TaskKind.Regression)
            {
                var values = new float?[outputs];
                for (int o = 0; o < outputs; o++) values[o] = batch.Outputs[r * outputs + o] is var v
                    && float.IsFinite(v) ? v : null;
                predictions[r] = new RowPrediction(null, null, null, values, warnings?[r]);
                continue;
            }
            int predicted = batch.PredictedClasses![r];
            // A view over the batch's probabilities: no per-row dictionary, so the response holds no more than the
            // batch.
            var probabilities = batch.Probabilities is { } p ? new ProbabilityDictionary(classNames, p, r * classes,
                classes) : null;
            predictions[r] = new RowPrediction(classNames[predicted], predicted, probabilities, null, warnings?[r]);
        }
        return new PredictionResponse(modelId, model.Task, model.TargetNames, predictions);
    }
}
