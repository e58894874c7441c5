namespace Backprop.Core.Models;

/// <summary>Predictions for a batch in raw units: outputs <c>(rows, outputs)</c>, and for classification the class and probabilities.</summary>
/// <param name="Rows">Number of rows.</param>
/// <param name="Outputs">Network outputs; for regression in raw target units.</param>
/// <param name="PredictedClasses">Predicted class per row (classification).</param>
/// <param name="Probabilities">Per-class probabilities <c>(rows, classes)</c> for sigmoid/softmax outputs (classification); a single
/// sigmoid unit gives <c>[1 − p, p]</c>; several sigmoid units give independent per-class probabilities.</param>
public sealed record PredictionBatch(int Rows, float[] Outputs, int[]? PredictedClasses, float[]? Probabilities);

/// <summary>Applies the model's normalisation, runs the forward pass, maps outputs back to raw units and classes.</summary>
public sealed class Predictor
{
    private readonly TrainedModel _model;
    private readonly Network<float> _network;
    private readonly Workspace<float> _workspace;
    private float[] _normalized = [];

    internal Predictor(TrainedModel model, int maxRows)
    {
        var errors = model.Validate();
        if (errors.Count > 0) throw new InvalidTrainingOptionsException(errors);
        _model = model;
        _network = Network<float>.FromParameters(model.Spec, model.Parameters);
        _workspace = _network.CreateWorkspace(Math.Max(1, maxRows));
    }

    /// <summary>Predicts <paramref name="rows"/> rows of raw features <c>(rows, inputWidth)</c>.</summary>
    public PredictionBatch Predict(ReadOnlySpan<float> features, int rows)
    {
        int width = _model.Spec.InputWidth, outputs = _model.Spec.OutputWidth;
        if (rows <= 0 || features.Length != rows * width)
            throw new ArgumentException($"Expected {rows} rows of {width} features ({rows * width} values), got {features.Length}.", nameof(features));
        if (_normalized.Length < features.Length) _normalized = new float[features.Length];
        var normalized = _normalized.AsSpan(0, features.Length);
        _model.InputNormalizer.Apply(features, normalized);
        var output = new float[rows * outputs];
        _network.Predict(_workspace, normalized, rows, output);

        if (_model.Task == TaskKind.Regression)
        {
            _model.TargetNormalizer?.Invert(output, output);
            return new PredictionBatch(rows, output, null, null);
        }
        var classes = new int[rows];
        for (int r = 0; r < rows; r++) classes[r] = MetricAccumulator.PredictedClass(output.AsSpan(r * outputs, outputs));
        var activation = _model.Spec.Layers[^1].Activation;
        float[]? probabilities = null;
        if (activation is ActivationKind.Softmax || (activation is ActivationKind.Sigmoid && outputs > 1))
            probabilities = (float[])output.Clone();
        else if (activation is ActivationKind.Sigmoid)
        {
            probabilities = new float[rows * 2];
            for (int r = 0; r < rows; r++) { probabilities[2 * r] = 1 - output[r]; probabilities[2 * r + 1] = output[r]; }
        }
        return new PredictionBatch(rows, output, classes, probabilities);
    }
}
