using System.Runtime.CompilerServices;

namespace Backprop.Core.Models;

/// <summary>Predictions for a batch in raw units: outputs <c>(rows, outputs)</c>, and for classification the class and
/// probabilities.</summary>
/// <param name="Rows">Number of rows.</param>
/// <param name="Outputs">Network outputs; for regression in raw target units.</param>
/// <param name="PredictedClasses">Predicted class per row (classification).</param>
/// <param name="Probabilities">Per-class probabilities <c>(rows, classes)</c> for sigmoid/softmax outputs
/// (classification); a single sigmoid unit gives <c>[1 − p, p]</c>; several sigmoid units give independent per-class
/// probabilities (softmax and several sigmoid units: the same array as <paramref name="Outputs"/>).</param>
public sealed record PredictionBatch(int Rows, float[] Outputs, int[]? PredictedClasses, float[]? Probabilities);

/// <summary>
/// Applies the model's normalisation, runs the forward pass, maps outputs back to raw units and classes. Inference
/// only: its scratch (an inference workspace and one chunk of normalised rows) holds at most about <see
/// cref="MaxScratchValues"/> values whatever the widths, so a pool of predictors stays small; a batch of any size is
/// run chunk by chunk.
/// </summary>
public sealed class Predictor
{
    /// <summary>Scratch values (floats) a predictor may hold: 4 MiB.</summary>
    public const int MaxScratchValues = 1 << 20;

    /// <summary>Scratch values (floats) per chunk that stay in a core's L2: 512 KB.</summary>
    public const int CacheScratchValues = 1 << 17;

    // Packed weights are read-only, so every predictor of a model (a cache pools several) shares one copy, kept while
    // the model lives.
    private static readonly ConditionalWeakTable<TrainedModel, PackedDense[]> PackedLayers = [];

    private readonly TrainedModel _model;
    private readonly PackedDense[] _layers;
    private readonly Activation<float>[] _activations;
    private readonly Workspace<float> _workspace;
    private readonly float[] _normalized; // (capacity, inputWidth)

    internal Predictor(TrainedModel model, int maxRows)
    {
        var errors = model.Validate();
        if (errors.Count > 0) throw new InvalidTrainingOptionsException(errors);
        _model = model;
        _layers = PackedLayers.GetValue(model, Pack);
        _activations = [.. model.Spec.Layers.Select(Activation<float>.Create)];
        int capacity = CapacityFor(model.Spec, maxRows);
        _workspace = new Workspace<float>(new ParameterLayout(model.Spec), capacity, withDeltas: false);
        _normalized = new float[capacity * model.Spec.InputWidth];
    }

    private static PackedDense[] Pack(TrainedModel model)
    {
        var layout = new ParameterLayout(model.Spec);
        return [.. Enumerable.Range(0, layout.LayerCount).Select(l => layout[l]).Select(v =>
            new PackedDense(model.Parameters.AsSpan(v.WeightOffset, v.WeightCount),
                model.Parameters.AsSpan(v.BiasOffset, v.Units), v.Units, v.Inputs))];
    }

    /// <summary>The inference forward pass over packed weights; returns the output activations
    /// <c>(rows, outputs)</c>.</summary>
    private ReadOnlySpan<float> Forward(ReadOnlySpan<float> inputs, int rows)
    {
        ReadOnlySpan<float> previous = inputs;
        for (int l = 0; l < _layers.Length; l++)
        {
            int length = rows * _layers[l].Units;
            var z = _workspace.Z[l].AsSpan(0, length);
            var a = _workspace.A[l].AsSpan(0, length);
            _layers[l].Forward(previous, z, rows);
            if (_activations[l].Kind == ActivationKind.Softmax) FastSoftmax.Compute(z, a, _layers[l].Units);
            else _activations[l].Forward(z, a, _layers[l].Units);
            previous = a;
        }
        return previous;
    }

    /// <summary>Rows per chunk: up to <paramref name="maxRows"/>, fewer when a row's scratch (input, then z and a per
    /// layer) is wide.</summary>
    internal static int CapacityFor(NetworkSpec spec, int maxRows)
    {
        long perRow = spec.InputWidth + 2L * spec.Layers.Sum(l => (long)l.Units);
        // A chunk whose scratch stays in L2 (half of 1 MB), in whole 8-row kernel tiles: a wide network's layers then
        // pass their outputs on through the cache, not through memory.
        long cached = Math.Max(8, CacheScratchValues / perRow / 8 * 8);
        return (int)Math.Clamp(Math.Min(MaxScratchValues / perRow, cached), 1, Math.Max(1, maxRows));
    }

    /// <summary>Rows this predictor runs per forward pass.</summary>
    public int Capacity => _workspace.Capacity;

    /// <summary>Predicts <paramref name="rows"/> rows of raw features <c>(rows, inputWidth)</c>.</summary>
    public PredictionBatch Predict(ReadOnlySpan<float> features, int rows)
    {
        int width = _model.Spec.InputWidth, outputs = _model.Spec.OutputWidth;
        if (rows <= 0 || features.Length != (long)rows * width)
            throw new ArgumentException($"Expected {rows} rows of {width} features ({(long)rows * width} values), " +
                $"got {features.Length}.", nameof(features));
        var output = new float[(long)rows * outputs];
        for (int start = 0; start < rows; start += _workspace.Capacity)
        {
            int count = Math.Min(_workspace.Capacity, rows - start);
            var normalized = _normalized.AsSpan(0, count * width);
            _model.InputNormalizer.Apply(features.Slice(start * width, count * width), normalized);
            Forward(normalized, count).CopyTo(output.AsSpan(start * outputs, count * outputs));
        }

        if (_model.Task == TaskKind.Regression)
        {
            _model.TargetNormalizer?.Invert(output, output);
            return new PredictionBatch(rows, output, null, null);
        }
        var classes = new int[rows];
        for (int r = 0; r < rows; r++) classes[r] = MetricAccumulator.PredictedClass(output.AsSpan(r * outputs,
            outputs));
        var activation = _model.Spec.Layers[^1].Activation;
        float[]? probabilities = null;
        if (activation is ActivationKind.Softmax || (activation is ActivationKind.Sigmoid && outputs > 1))
            probabilities = output; // the outputs are the probabilities: shared, not copied
        else if (activation is ActivationKind.Sigmoid)
        {
            probabilities = new float[rows * 2];
            for (int r = 0; r < rows; r++) { probabilities[2 * r] = 1 - output[r]; probabilities[2 * r
                + 1] = output[r]; }
        }
        return new PredictionBatch(rows, output, classes, probabilities);
    }
}
