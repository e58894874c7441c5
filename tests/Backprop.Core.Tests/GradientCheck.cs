namespace Backprop.Core.Tests;

/// <summary>
/// The gradient oracle: central finite differences in double precision of the objective the analytic gradient claims
/// to differentiate, mean data loss + L2 penalty.
/// </summary>
internal static class GradientCheck
{
    /// <summary>Step of the central difference (f(θ+h) − f(θ−h)) / 2h.</summary>
    public const double Step = 1e-6;

    /// <summary>Largest accepted relative error |a − n| / max(|a|, |n|, <see cref="Floor"/>).</summary>
    public const double Tolerance = 1e-5;

    /// <summary>Denominator floor, so components that are both (near) zero compare absolutely.</summary>
    public const double Floor = 1e-6;

    public static double Objective(Network<double> network, Workspace<double> workspace, double[] inputs, double[] targets, int rows)
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
            double h = double.Parse(Environment.GetEnvironmentVariable("FDH") ?? "1e-6");
            bool five = Environment.GetEnvironmentVariable("FD5") == "1";
            double At(double v) { parameters[i] = v; return Objective(network, workspace, inputs, targets, rows); }
            gradient[i] = five
                ? (-At(saved + 2 * h) + 8 * At(saved + h) - 8 * At(saved - h) + At(saved - 2 * h)) / (12 * h)
                : (At(saved + h) - At(saved - h)) / (2 * h);
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

    /// <summary>Checks every weight, then every bias, of every layer, naming the first component that disagrees.</summary>
    public static void AssertMatchesFiniteDifferences(Network<double> network, double[] inputs, double[] targets, int rows, string context)
    {
        var analytic = Analytic(network, inputs, targets, rows);
        var numerical = Numerical(network, inputs, targets, rows);
        for (int l = 0; l < network.Layout.LayerCount; l++)
        {
            var view = network.Layout[l];
            for (int i = 0; i < view.WeightCount; i++)
                AssertComponent(analytic, numerical, view.WeightOffset + i, $"{context}: layer {l} weight ({i / view.Inputs}, {i % view.Inputs})");
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
            $"{what}: analytic {analytic[index]:E8} vs finite difference {numerical[index]:E8}, relative error {error:E2} " +
            $"≥ {Tolerance:E0} (|a−n|/max(|a|,|n|,{Floor:E0}), h = {Step:E0})");
    }

    /// <summary>Standard normal draws (Box–Muller) from a seeded generator.</summary>
    public static double[] Normal(Random rng, int count, double std = 1.0)
    {
        var values = new double[count];
        for (int i = 0; i < count; i++)
            values[i] = std * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        return values;
    }
}
