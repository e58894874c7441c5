using System.Buffers;
using System.Text;
using System.Text.Json;
using Backprop.Api.Predictions;

namespace Backprop.Api.Inference;

/// <summary>
/// An inference request checked against the model's signature and the prediction budget, then run through the same
/// predictor (normalisation, forward pass, raw units) and the same input reading as /api/models/{id}/predict.
/// </summary>
public static class InferenceRunner
{
    public static InferenceResult Run(ServedModel served, IReadOnlyList<InputTensor> inputs,
        IReadOnlyList<string> requestedOutputs, LimitsOptions limits)
    {
        var model = served.Model;
        var outputs = Requested(model, requestedOutputs);
        if (inputs.Count == 0)
            throw InferenceException.BadRequest("Give at least one input tensor (see the model's metadata for its "
                + "inputs).");
        string? warnings = null;
        // A numeric tensor's features go into a pooled buffer, returned once the forward pass has read it.
        var (features, rows) = model.Preparation is null ? ReadFeatures(model, inputs, limits) : ReadColumns(model,
            inputs, limits, out warnings);
        PredictionBatch batch;
        try
        {
            batch = served.Cached.Predict(features.AsSpan(0, rows * model.Spec.InputWidth), rows);
        }
        finally
        {
            if (model.Preparation is null) ArrayPool<float>.Shared.Return(features);
        }
        return new InferenceResult(outputs.Select(name => Output(name, model, batch)).ToArray(), warnings);
    }

    /// <summary>The outputs asked for, in the order asked; all of the model's when none are.</summary>
    private static IReadOnlyList<string> Requested(TrainedModel model, IReadOnlyList<string> requested)
    {
        var available = ModelSignature.Outputs(model).Select(o => o.Name).ToArray();
        if (requested.Count == 0) return available;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in requested)
        {
            if (!available.Contains(name, StringComparer.Ordinal))
                throw InferenceException.BadRequest($"The model has no output '{ServedModels.Shorten(name)}'; its "
                    + $"outputs are {string.Join(", ", available)}.");
            if (!seen.Add(name)) throw InferenceException.BadRequest($"Output '{name}' is requested twice.");
        }
        return requested;
    }

    /// <summary>One tensor "input", FP32 or FP64, shape [rows, features]: its features in a buffer rented from
    /// <see cref="ArrayPool{T}.Shared"/> (at least rows × features long).</summary>
    private static (float[] Features, int Rows) ReadFeatures(TrainedModel model, IReadOnlyList<InputTensor> inputs,
        LimitsOptions limits)
    {
        int width = model.Spec.InputWidth;
        if (inputs.Count != 1 || inputs[0].Name != ModelSignature.Input)
            throw InferenceException.BadRequest($"The model takes one input, '{ModelSignature.Input}' (FP32 or FP64, "
                + $"shape [-1, {width}]); got "
                + string.Join(", ", inputs.Take(5).Select(i => $"'{ServedModels.Shorten(i.Name)}'"))
                    + (inputs.Count > 5 ? ", …" : "") + ".");
        var input = inputs[0];
        CheckNumeric(input);
        if (input.Shape.Length != 2 || input.Shape[1] != width || input.Shape[0] < 1)
            throw InferenceException.BadRequest($"Input '{input.Name}' has shape [{string.Join(", ",
                input.Shape)}]; the model takes [rows, {width}] with at least one row.");
        int rows = CheckBudget(input.Shape[0], model, limits);
        long expected = (long)rows * width;
        if (input.Elements.Count != expected)
            throw InferenceException.BadRequest($"Input '{input.Name}' of shape [{rows}, {width}] needs {expected} "
                + $"elements; got {input.Elements.Count}.");
        var features = ArrayPool<float>.Shared.Rent((int)expected);
        int bad = input.Elements.CopyTo(features.AsSpan(0, (int)expected));
        if (bad >= 0)
        {
            ArrayPool<float>.Shared.Return(features);
            throw InferenceException.BadRequest($"Input '{input.Name}' element {bad} (row {bad / width}, column "
                + $"{bad % width}) is not a finite number within single precision.");
        }
        return (features, rows);
    }

    /// <summary>
    /// One tensor per raw column (shape [rows] or [rows, 1]); an absent column is missing in every row. The cells go
    /// through the
    /// model's preparation exactly as prediction records do.
    /// </summary>
    private static (float[] Features, int Rows) ReadColumns(TrainedModel model, IReadOnlyList<InputTensor> inputs,
        LimitsOptions limits, out string? warnings)
    {
        var columns = model.Preparation!.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        long rowCount = -1;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (!columns.Contains(input.Name))
                throw InferenceException.BadRequest($"The model has no input '{ServedModels.Shorten(input.Name)}'; "
                    + $"its inputs are its raw columns, {string.Join(", ", columns)}.");
            if (!names.Add(input.Name)) throw InferenceException.BadRequest($"Input '{input.Name}' is given twice.");
            if (input.Datatype is not (ModelSignature.Fp32 or ModelSignature.Fp64 or ModelSignature.Bytes
                or ModelSignature.Bool))
                throw InferenceException.BadRequest($"Input '{input.Name}' has datatype "
                    + $"'{ServedModels.Shorten(input.Datatype)}'; give FP32, FP64, BYTES or BOOL.");
            if (!(input.Shape.Length == 1 || input.Shape is [_, 1]) || input.Shape[0] < 1)
                throw InferenceException.BadRequest($"Input '{input.Name}' has shape [{string.Join(", ",
                    input.Shape)}]; a raw column's shape is [rows] (or [rows, 1]).");
            if (rowCount >= 0 && input.Shape[0] != rowCount)
                throw InferenceException.BadRequest($"Input '{input.Name}' has {input.Shape[0]} rows where an earlier "
                    + $"input has {rowCount}.");
            rowCount = input.Shape[0];
            if (input.Elements.Count != rowCount)
                throw InferenceException.BadRequest($"Input '{input.Name}' of {rowCount} rows has "
                    + $"{input.Elements.Count} elements.");
        }
        int rows = CheckBudget(rowCount, model, limits);
        var records = new Dictionary<string, JsonElement>[rows];
        for (int r = 0; r < rows; r++)
        {
            var record = new Dictionary<string, JsonElement>(inputs.Count, StringComparer.Ordinal);
            foreach (var input in inputs) record[input.Name] = input.Elements.Cell(r);
            records[r] = record;
        }
        var errors = new ProblemErrors();
        var features = PredictionInput.Read(new PredictionRequest(Records: records), model, errors,
            out var rowWarnings);
        if (features is null)
            throw InferenceException.BadRequest(string.Join(" ", errors.ToDictionary().SelectMany(e =>
                e.Value.Select(m => $"{InputPath(e.Key)}: {m}"))));
        warnings = rowWarnings is null ? null : Warnings(rowWarnings);
        return (features, rows);
    }

    /// <summary>"records[3].age" → "input 'age' row 3".</summary>
    private static string InputPath(string path)
    {
        if (!path.StartsWith("records[", StringComparison.Ordinal)) return path;
        int close = path.IndexOf(']', StringComparison.Ordinal);
        string row = path[8..close];
        return close + 2 < path.Length ? $"input '{path[(close + 2)..]}' row {row}" : $"row {row}";
    }

    private static string Warnings(List<string>?[] rows)
    {
        var text = new StringBuilder();
        for (int r = 0; r < rows.Length; r++)
            foreach (var warning in rows[r] ?? [])
                text.Append(text.Length == 0 ? "" : " ").Append("row ").Append(r).Append(": ").Append(warning);
        return text.ToString();
    }

    private static void CheckNumeric(InputTensor input)
    {
        if (input.Datatype is not (ModelSignature.Fp32 or ModelSignature.Fp64))
            throw InferenceException.BadRequest($"Input '{input.Name}' has datatype "
                + $"'{ServedModels.Shorten(input.Datatype)}'; the model takes FP32 (or FP64, read as FP32).");
    }

    /// <summary>Limits:MaxPredictionRows and MaxPredictionValues, as for /api/models/{id}/predict, before anything is
    /// sized from the request.</summary>
    private static int CheckBudget(long rows, TrainedModel model, LimitsOptions limits)
    {
        if (rows > limits.MaxPredictionRows)
            throw new InferenceException(InferenceFailure.TooLarge,
                $"{rows} rows exceed this service's limit of {limits.MaxPredictionRows} per request; split the batch.");
        if (PredictionBudget.Exceeded((int)rows, model,
            limits) is { } message) throw new InferenceException(InferenceFailure.TooLarge, message);
        return (int)rows;
    }

    private static OutputTensor Output(string name, TrainedModel model, PredictionBatch batch)
    {
        int rows = batch.Rows;
        switch (name)
        {
            case ModelSignature.Label:
                var labels = new long[rows];
                for (int r = 0; r < rows; r++) labels[r] = batch.PredictedClasses![r];
                return new OutputTensor(name, ModelSignature.Int64, [rows], null, labels);
            case ModelSignature.Probabilities:
                var probabilities = batch.Probabilities!;
                // As /api/models/{id}/predict shows them: a probability that is not finite reads as 0.
                for (int i = 0; i < probabilities.Length; i++)
                    if (!float.IsFinite(probabilities[i])) probabilities[i] = 0;
                return new OutputTensor(name, ModelSignature.Fp32, [rows, probabilities.Length / rows], probabilities,
                    null);
            default:
                return new OutputTensor(name, ModelSignature.Fp32, [rows, model.Spec.OutputWidth], batch.Outputs, null);
        }
    }
}
