namespace Backprop.Core.Engine;

/// <summary>Maximum relative error between analytic and numerical gradients of one layer, weights and biases
/// separately.</summary>
public sealed record LayerGradientError(int Layer, double MaxRelativeErrorWeights, double MaxRelativeErrorBiases);

/// <summary>Result of a gradient check; <see cref="MaxRelativeError"/> below ~1e-6 means backprop is right.</summary>
public sealed record GradientCheckResult(IReadOnlyList<LayerGradientError> Layers, double Loss)
{
    /// <summary>The largest error over all layers.</summary>
    public double MaxRelativeError => Layers.Count == 0 ? 0 : Layers.Max(l => Math.Max(l.MaxRelativeErrorWeights,
        l.MaxRelativeErrorBiases));
}

/// <summary>
/// Compares backpropagation's gradient with central finite differences <c>(L(θ+h) − L(θ−h)) / 2h</c>, both in double
/// precision on the same network code, for a small batch. Relative error is <c>|a − n| / max(|a|, |n|, floor)</c>: the
/// floor (default 1e-6) keeps round-off on near-zero gradients from reading as a large relative error. A network with
/// dropout is checked with one set of masks (drawn from its seed) held fixed for every evaluation, so the loss is a
/// deterministic function of the parameters.
/// </summary>
public static class GradientCheck
{
    /// <summary>Checks the gradient of data loss + L2 penalty at <paramref name="parameters"/> (flat layout) on a
    /// batch.</summary>
    /// <param name="spec">The network.</param>
    /// <param name="parameters">Parameters to check at, flat layout (e.g. the float weights of a model,
    /// widened).</param>
    /// <param name="inputs">Batch inputs <c>(rows, inputWidth)</c>, already normalised.</param>
    /// <param name="targets">Encoded targets <c>(rows, outputs)</c>.</param>
    /// <param name="rows">Batch rows.</param>
    /// <param name="step">Finite-difference step h.</param>
    /// <param name="floor">Denominator floor of the relative error.</param>
    /// <param name="cancellationToken">Checked before each parameter's two forward passes.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static GradientCheckResult Run(NetworkSpec spec, ReadOnlySpan<double> parameters,
        ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets,
        int rows, double step = 1e-6, double floor = 1e-6, CancellationToken cancellationToken = default)
    {
        var network = Network<double>.FromParameters(spec, parameters);
        var workspace = network.CreateWorkspace(rows);
        DropoutMasks<double>? dropout = null;
        if (spec.HasDropout)
        {
            dropout = new DropoutMasks<double>(spec, rows);
            ulong counter = 0;
            dropout.Draw(DropoutMasks<double>.EpochSeed(spec.Seed, 0), ref counter, rows);
        }
        var analytic = new double[network.Layout.Count];
        double loss = network.ForwardBackward(workspace, inputs, targets, rows, analytic, dropout)
            + network.L2Penalty();
        var p = network.Parameters;
        double[] x = inputs.ToArray(), y = targets.ToArray();
        var errors = new List<LayerGradientError>();
        for (int l = 0; l < network.Layout.LayerCount; l++)
        {
            var view = network.Layout[l];
            double weights = MaxError(view.WeightOffset, view.WeightCount);
            double biases = MaxError(view.BiasOffset, view.Units);
            errors.Add(new LayerGradientError(l, weights, biases));
        }
        return new GradientCheckResult(errors, loss);

        double MaxError(int offset, int count)
        {
            double max = 0;
            for (int i = offset; i < offset + count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                double saved = p[i];
                p[i] = saved + step;
                double plus = Loss(network, workspace, x, y, rows, dropout);
                p[i] = saved - step;
                double minus = Loss(network, workspace, x, y, rows, dropout);
                p[i] = saved;
                double numeric = (plus - minus) / (2 * step);
                double error = Math.Abs(analytic[i] - numeric) / Math.Max(floor, Math.Max(Math.Abs(analytic[i]),
                    Math.Abs(numeric)));
                if (!(error <= max)) max = error; // NaN propagates as a failure
            }
            return max;
        }
    }

    private static double Loss(Network<double> network, Workspace<double> workspace, ReadOnlySpan<double> inputs,
        ReadOnlySpan<double> targets, int rows, DropoutMasks<double>? dropout)
    {
        network.Forward(workspace, inputs, rows, dropout);
        return network.ComputeLoss(workspace, targets, rows) + network.L2Penalty();
    }

    /// <summary>
    /// Gradient check of a model on raw data rows: applies the model's input normalisation and target encoding
    /// (one-hot / 0-1 / standardised targets) to the first <paramref name="rows"/> rows of <paramref name="data"/>.
    /// </summary>
    public static GradientCheckResult Run(TrainedModel model, TrainingData data, int rows, double step = 1e-6,
        double floor = 1e-6, CancellationToken cancellationToken = default)
    {
        rows = Math.Clamp(rows, 1, data.Rows);
        int width = data.Width, outputs = model.Spec.OutputWidth;
        var normalized = new float[rows * width];
        model.InputNormalizer.Apply(data.Features.AsSpan(0, rows * width), normalized);
        var targets = new double[rows * outputs];
        for (int r = 0; r < rows; r++)
        {
            if (data.Task == TaskKind.Classification)
            {
                int label = data.Labels![r];
                if (outputs == 1) targets[r] = label; else targets[r * outputs + label] = 1;
            }
            else
            {
                var raw = data.Targets.AsSpan(r * outputs, outputs);
                var scaled = new float[outputs];
                (model.TargetNormalizer ?? Normalizer.Identity(outputs)).Apply(raw, scaled);
                for (int c = 0; c < outputs; c++) targets[r * outputs + c] = scaled[c];
            }
        }
        return Run(model.Spec, model.Parameters.Select(v => (double)v).ToArray(), normalized.Select(v => (double)v)
            .ToArray(), targets, rows, step, floor, cancellationToken);
    }
}
