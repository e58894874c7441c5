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

    private readonly TrainedModel _model;
    private readonly Network<float> _network;
    private readonly Workspace<float> _workspace;
    private readonly float[] _normalized; // (capacity, inputWidth)

    internal Predictor(TrainedModel model, int maxRows)
    {
        var errors = model.Validate();
        if (errors.Count > 0) throw new InvalidTrainingOptionsException(errors);
        _model = model;
        _network = Network<float>.FromParameters(model.Spec, model.Parameters);
        int capacity = CapacityFor(model.Spec, maxRows);
        _workspace = _network.CreateInferenceWorkspace(capacity);
        _normalized = new float[capacity * model.Spec.InputWidth];
    }

    /// <summary>Rows per chunk: up to <paramref name="maxRows"/>, fewer when a row's scratch (input, then z and a per
    /// layer) is wide.</summary>
    internal static int CapacityFor(NetworkSpec spec, int maxRows)
    {
        long perRow = spec.InputWidth + 2L * spec.Layers.Sum(l => (long)l.Units);
        return (int)Math.Clamp(MaxScratchValues / perRow, 1, Math.Max(1, maxRows));
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
            _network.Forward(_workspace, normalized, count).CopyTo(output.AsSpan(start * outputs, count * outputs));
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
