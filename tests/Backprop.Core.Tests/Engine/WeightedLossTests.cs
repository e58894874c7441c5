namespace Backprop.Core.Tests.Engine;

/// <summary>
/// The weighted loss L = (1/rows) Σ_r w_r ℓ_r and its gradient: against a hand computation for one sigmoid unit, and
/// against central finite differences of the weighted objective for every output head.
/// </summary>
public class WeightedLossTests
{
    [Fact]
    public void WeightedBinaryCrossEntropy_OneSigmoidUnit_MatchesHandComputation()
    {
        // One input, one sigmoid output: z = w·x + b, ℓ = −[y ln σ(z) + (1 − y) ln(1 − σ(z))].
        double w = 0.7, b = -0.2;
        double[] x = [1.5, -0.5, 2.0], y = [1, 0, 0], weights = [3.0, 0.5, 0.0];
        var network = Network<double>.FromParameters(new NetworkSpec(1, [new LayerSpec(1, ActivationKind.Sigmoid)],
            LossKind.BinaryCrossEntropy), [w, b]);
        var workspace = network.CreateWorkspace(3);
        network.Forward(workspace, x, 3);
        double loss = network.ComputeLoss(workspace, y, 3, weights);
        var gradient = new double[2];
        network.Backward(workspace, x, y, 3, gradient, accumulate: false, rowWeights: weights);

        double handLoss = 0, dw = 0, db = 0;
        for (int r = 0; r < 3; r++)
        {
            double p = 1 / (1 + Math.Exp(-(w * x[r] + b)));
            handLoss += weights[r] * -(y[r] * Math.Log(p) + (1 - y[r]) * Math.Log(1 - p));
            dw += weights[r] * (p - y[r]) * x[r];
            db += weights[r] * (p - y[r]);
        }
        handLoss /= 3; dw /= 3; db /= 3;
        Assert.True(Math.Abs(loss - handLoss) < 1e-12, $"loss {loss:R} vs hand {handLoss:R} (tolerance 1e-12)");
        Assert.True(Math.Abs(gradient[0] - dw) < 1e-12, $"dL/dw {gradient[0]:R} vs hand {dw:R} (tolerance 1e-12)");
        Assert.True(Math.Abs(gradient[1] - db) < 1e-12, $"dL/db {gradient[1]:R} vs hand {db:R} (tolerance 1e-12)");
        // The zero-weight row contributes nothing: dropping it (and keeping the 1/3) gives the same value.
        Assert.True(Math.Abs(handLoss * 3 - (weights[0] * Term(0) + weights[1] * Term(1))) < 1e-12);

        double Term(int r)
        {
            double p = 1 / (1 + Math.Exp(-(w * x[r] + b)));
            return -(y[r] * Math.Log(p) + (1 - y[r]) * Math.Log(1 - p));
        }
    }

    public static TheoryData<ActivationKind, LossKind, int> Heads() => new()
    {
        { ActivationKind.Identity, LossKind.MeanSquaredError, 2 },
        { ActivationKind.Sigmoid, LossKind.MeanSquaredError, 2 },
        { ActivationKind.Sigmoid, LossKind.BinaryCrossEntropy, 3 },
        { ActivationKind.Tanh, LossKind.Huber, 2 },
        { ActivationKind.Sigmoid, LossKind.BinaryCrossEntropy, 1 },
        { ActivationKind.Softmax, LossKind.CategoricalCrossEntropy, 3 },
    };

    [Theory]
    [MemberData(nameof(Heads))]
    public void WeightedGradient_EveryHead_MatchesFiniteDifferences(ActivationKind output, LossKind loss, int outputs)
    {
        const int rows = 5;
        var spec = new NetworkSpec(3, [new LayerSpec(4, ActivationKind.Tanh), new LayerSpec(outputs, output)], loss);
        var rng = new Random(7);
        var network = GradientCheck.RandomNetwork(spec, rng);
        var x = GradientCheck.Normal(rng, rows * 3);
        var y = new double[rows * outputs];
        for (int r = 0; r < rows; r++)
            if (loss == LossKind.CategoricalCrossEntropy || outputs == 1) y[r * outputs
                + rng.Next(outputs) % outputs] = outputs == 1 ? rng.Next(2) : 1;
            else for (int c = 0; c < outputs; c++) y[r * outputs + c] = rng.NextDouble();
        double[] weights = [0.25, 2.0, 0.0, 1.0, 5.0];

        var workspace = network.CreateWorkspace(rows);
        var analytic = new double[network.Parameters.Length];
        network.Forward(workspace, x, rows);
        network.Backward(workspace, x, y, rows, analytic, accumulate: false, rowWeights: weights);
        var parameters = network.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            double saved = parameters[i];
            double numerical = GradientCheck.Derivative(v =>
            {
                parameters[i] = v;
                network.Forward(workspace, x, rows);
                return network.ComputeLoss(workspace, y, rows, weights);
            }, saved);
            parameters[i] = saved;
            double error = GradientCheck.RelativeError(analytic[i], numerical);
            Assert.True(error < GradientCheck.Tolerance, $"{output}/{loss} parameter {i}: analytic {analytic[i]:E8} " +
                $"vs finite difference {numerical:E8}; need {GradientCheck.Criterion}");
        }
    }

    [Fact]
    public void WeightedLoss_AllWeightsOne_EqualsUnweightedLossAndGradient()
    {
        const int rows = 4;
        var spec = new NetworkSpec(2, [new LayerSpec(3, ActivationKind.Relu),
            new LayerSpec(3, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy);
        var rng = new Random(3);
        var network = GradientCheck.RandomNetwork(spec, rng);
        var x = GradientCheck.Normal(rng, rows * 2);
        var y = new double[rows * 3];
        for (int r = 0; r < rows; r++) y[r * 3 + r % 3] = 1;
        var workspace = network.CreateWorkspace(rows);
        network.Forward(workspace, x, rows);
        double plain = network.ComputeLoss(workspace, y, rows), weighted = network.ComputeLoss(workspace, y, rows,
            [1.0, 1, 1, 1]);
        var g1 = new double[network.Parameters.Length];
        var g2 = new double[network.Parameters.Length];
        network.Backward(workspace, x, y, rows, g1, accumulate: false);
        network.Backward(workspace, x, y, rows, g2, accumulate: false, rowWeights: [1.0, 1, 1, 1]);
        Assert.True(Math.Abs(plain - weighted) < 1e-12, $"{plain:R} vs {weighted:R}");
        for (int i = 0; i < g1.Length; i++) Assert.True(Math.Abs(g1[i] - g2[i]) < 1e-15,
            $"parameter {i}: {g1[i]:R} vs {g2[i]:R}");
    }
}
