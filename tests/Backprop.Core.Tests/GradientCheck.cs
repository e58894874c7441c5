namespace Backprop.Core.Tests;

/// <summary>
/// The gradient oracle: central finite differences in double precision of the objective the analytic gradient claims
/// to differentiate, mean data loss + L2 penalty.
/// </summary>
/// <remarks>
/// Five-point stencil (f(θ−2h) − 8f(θ−h) + 8f(θ+h) − f(θ+2h)) / 12h, truncation error O(h⁴) ≈ 1e-17 at h = 1e-4.
/// The plain two-point difference at h = 1e-6 was tried first: its round-off, ~1e-16·|L| / h ≈ 1e-10, alone exceeds
/// the tolerance for the ~1e-6 gradients that reach layer 0 through three sigmoid layers (3–7 of 226 cases failed per
/// seed, never the analytic side). The larger step needs a margin from kinks (see <see cref="KinkDistance"/>).
/// </remarks>
internal static class GradientCheck
{
    /// <summary>Step h of the five-point central difference.</summary>
    public const double Step = 1e-4;

    /// <summary>Largest accepted relative error |a − n| / max(|a|, |n|, <see cref="Floor"/>).</summary>
    public const double Tolerance = 1e-5;

    /// <summary>Denominator floor, so components that are both (near) zero compare absolutely.</summary>
    public const double Floor = 1e-6;

    /// <summary>Least distance of any ReLU-family pre-activation from 0 and any Huber residual from ±δ: 50× the 2h a
    /// probe moves.</summary>
    public const double KinkMargin = 1e-2;

    public static string Criterion => $"|a−n|/max(|a|,|n|,{Floor:E0}) < {Tolerance:E0}, five-point h = {Step:E0}";

    /// <summary>df/dx by the five-point stencil.</summary>
    public static double Derivative(Func<double, double> f, double x) =>
        (f(x - 2 * Step) - 8 * f(x - Step) + 8 * f(x + Step) - f(x + 2 * Step)) / (12 * Step);

    public static double Objective(Network<double> network, Workspace<double> workspace, double[] inputs,
        double[] targets, int rows)
    {
        network.Forward(workspace, inputs, rows);
        return network.ComputeLoss(workspace, targets, rows) + network.L2Penalty();
    }

    public static double[] Numerical(Network<double> network, double[] inputs, double[] targets, int rows)
    {
        var workspace = network.CreateWorkspace(rows);
        var parameters = network.Parameters;
        var gradient = new double[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            double saved = parameters[i];
            gradient[i] = Derivative(v => { parameters[i] = v; return Objective(network, workspace, inputs, targets,
                rows); }, saved);
            parameters[i] = saved;
        }
        return gradient;
    }

    /// <summary>ForwardBackward's gradient into a zeroed buffer (it accumulates).</summary>
    public static double[] Analytic(Network<double> network, double[] inputs, double[] targets, int rows)
    {
        var gradient = new double[network.Parameters.Length];
        network.ForwardBackward(network.CreateWorkspace(rows), inputs, targets, rows, gradient);
        return gradient;
    }

    public static double RelativeError(double analytic, double numerical) =>
        Math.Abs(analytic - numerical) / Math.Max(Math.Max(Math.Abs(analytic), Math.Abs(numerical)), Floor);

    /// <summary>
    /// How close this batch comes to a point where the objective is not smooth: a pre-activation of a
    /// ReLU/leaky-ReLU/ELU hidden layer at 0, or a Huber residual at ±δ. Read through the public API: the network's
    /// first l + 1 layers with layer l made linear output layer l's pre-activations.
    /// </summary>
    public static double KinkDistance(Network<double> network, double[] inputs, double[] targets, int rows)
    {
        var spec = network.Spec;
        double distance = double.PositiveInfinity;
        for (int l = 0; l < spec.Layers.Count - 1; l++)
        {
            if (spec.Layers[l]
                .Activation is not (ActivationKind.Relu or ActivationKind.LeakyRelu or ActivationKind.Elu)) continue;
            var layers = spec.Layers.Take(l + 1).Select((layer, i) => i == l
                ? layer with { Activation = ActivationKind.Identity } : layer).ToArray();
            var prefix = Network<double>.FromParameters(new NetworkSpec(spec.InputWidth, layers,
                LossKind.MeanSquaredError),
                network.Parameters.AsSpan(0, network.Layout[l].BiasOffset + network.Layout[l].Units));
            foreach (double z in prefix.Forward(prefix.CreateWorkspace(rows), inputs, rows)) distance =
                Math.Min(distance, Math.Abs(z));
        }
        if (spec.Loss == LossKind.Huber)
        {
            var outputs = network.Forward(network.CreateWorkspace(rows), inputs, rows);
            for (int i = 0; i < outputs.Length; i++) distance = Math.Min(distance,
                Math.Abs(Math.Abs(outputs[i] - targets[i]) - spec.HuberDelta));
        }
        return distance;
    }

    /// <summary>Checks every weight, then every bias, of every layer, naming the first component that
    /// disagrees.</summary>
    public static void AssertMatchesFiniteDifferences(Network<double> network, double[] inputs, double[] targets,
        int rows, string context)
    {
        double kink = KinkDistance(network, inputs, targets, rows);
        Assert.True(kink >= KinkMargin, $"{context}: precondition: the batch lies {kink:E2} from a kink, " +
            $"closer than {KinkMargin:E0}; draw another");
        var analytic = Analytic(network, inputs, targets, rows);
        var numerical = Numerical(network, inputs, targets, rows);
        for (int l = 0; l < network.Layout.LayerCount; l++)
        {
            var view = network.Layout[l];
            for (int i = 0; i < view.WeightCount; i++)
                AssertComponent(analytic, numerical, view.WeightOffset + i,
                    $"{context}: layer {l} weight ({i / view.Inputs}, {i % view.Inputs})");
        }
        for (int l = 0; l < network.Layout.LayerCount; l++)
        {
            var view = network.Layout[l];
            for (int u = 0; u < view.Units; u++)
                AssertComponent(analytic, numerical, view.BiasOffset + u, $"{context}: layer {l} bias {u}");
        }
    }

    private static void AssertComponent(double[] analytic, double[] numerical, int index, string what)
    {
        double error = RelativeError(analytic[index], numerical[index]);
        Assert.True(error < Tolerance,
            $"{what}: analytic {analytic[index]:E8} vs finite difference {numerical[index]:E8}, " +
            $"relative error {error:E2}; need {Criterion}");
    }

    /// <summary>A network of <paramref name="spec"/> with weights N(0, 1/fan_in) and biases N(0, 0.3²), non-zero so
    /// their paths matter.</summary>
    public static Network<double> RandomNetwork(NetworkSpec spec, Random rng)
    {
        var layout = new ParameterLayout(spec);
        var parameters = new double[layout.Count];
        for (int l = 0; l < layout.LayerCount; l++)
        {
            Normal(rng, layout[l].WeightCount, 1 / Math.Sqrt(layout[l].Inputs)).CopyTo(parameters, layout[l]
                .WeightOffset);
            Normal(rng, layout[l].Units, 0.3).CopyTo(parameters, layout[l].BiasOffset);
        }
        return Network<double>.FromParameters(spec, parameters);
    }

    /// <summary>Normal draws (Box–Muller) from a seeded generator.</summary>
    public static double[] Normal(Random rng, int count, double std = 1.0)
    {
        var values = new double[count];
        for (int i = 0; i < count; i++)
            values[i] = std * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        return values;
    }
}
