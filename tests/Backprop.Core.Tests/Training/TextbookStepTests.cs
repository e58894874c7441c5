namespace Backprop.Core.Tests.Training;

/// <summary>
/// One SGD step of the classic 3-4-1 sigmoid XOR net, worked by hand in scalar double code from the textbook formulas:
/// z = W a + b, a = σ(z), δ_L = dL/da ⊙ σ'(z) with dL/da = 2(a − y)/N (MSE is a mean over all N outputs),
/// δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ'(z_l), dW = Σ_batch δ a_prevᵀ, db = Σ_batch δ.
/// </summary>
public class TextbookStepTests
{
    private const double Tolerance = 1e-6; // absolute; the network runs in float, the hand calculation in double
    private const double LearningRate = 0.5;

    // Multiples of 1/8, exact in float, so both sides start from identical numbers.
    private static readonly double[,] W1 = { { 0.5, -0.25, 0.125 }, { -0.5, 0.75, 0.25 }, { 0.25, 0.5, -0.75 },
        { 1.0, -1.0, 0.5 } };
    private static readonly double[] B1 = [0.125, -0.25, 0.5, 0.0];
    private static readonly double[] W2 = [0.75, -0.5, 0.25, 1.0];
    private const double B2 = -0.125;
    private static readonly double[,] X = { { 0, 0, 1 }, { 0, 1, 1 }, { 1, 0, 1 }, { 1, 1, 1 } };
    private static readonly double[] Y = [0, 1, 1, 0];

    private static readonly NetworkSpec Spec =
        new(3, [new(4, ActivationKind.Sigmoid), new(1, ActivationKind.Sigmoid)], LossKind.MeanSquaredError);

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
    private static double SigmoidPrime(double z) => Sigmoid(z) * (1 - Sigmoid(z));

    // Flat layout: W1 (4, 3) row-major, b1 (4), W2 (1, 4), b2 (1).
    private static float[] Flat(double[,] w1, double[] b1, double[] w2, double b2) =>
        [.. w1.Cast<double>().Select(v => (float)v), .. b1.Select(v => (float)v), .. w2.Select(v => (float)v),
            (float)b2];

    private sealed record HandGradient(double[,] W1, double[] B1, double[] W2, double B2, double Loss,
        double SumOutputDeltaTimesA1);

    private static HandGradient WorkByHand()
    {
        double[,] gW1 = new double[4, 3];
        double[] gB1 = new double[4], gW2 = new double[4];
        double gB2 = 0, loss = 0, wrongBias = 0;
        const int N = 4; // outputs in the batch: 4 rows × 1 unit
        for (int r = 0; r < 4; r++)
        {
            double[] z1 = new double[4], a1 = new double[4];
            for (int j = 0; j < 4; j++)
            {
                z1[j] = B1[j];
                for (int i = 0; i < 3; i++) z1[j] += W1[j, i] * X[r, i];
                a1[j] = Sigmoid(z1[j]);
            }
            double z2 = B2;
            for (int j = 0; j < 4; j++) z2 += W2[j] * a1[j];
            double a2 = Sigmoid(z2);
            loss += (a2 - Y[r]) * (a2 - Y[r]) / N;

            double d2 = 2 * (a2 - Y[r]) / N * SigmoidPrime(z2);
            gB2 += d2;
            wrongBias += d2 * a1[0];
            for (int j = 0; j < 4; j++)
            {
                gW2[j] += d2 * a1[j];
                double d1 = W2[j] * d2 * SigmoidPrime(z1[j]);
                gB1[j] += d1;
                for (int i = 0; i < 3; i++) gW1[j, i] += d1 * X[r, i];
            }
        }
        return new(gW1, gB1, gW2, gB2, loss, wrongBias);
    }

    private static (Network<float> Network, float[] Gradient, double Loss) NetworkGradient()
    {
        var network = Network<float>.FromParameters(Spec, Flat(W1, B1, W2, B2));
        float[] inputs = X.Cast<double>().Select(v => (float)v).ToArray(), targets = Y.Select(v => (float)v).ToArray();
        var gradient = new float[network.Parameters.Length];
        double loss = network.ForwardBackward(network.CreateWorkspace(4), inputs, targets, 4, gradient);
        return (network, gradient, loss);
    }

    private static void AssertAllClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < Tolerance,
                $"{what}[{i}]: hand {expected[i]:R} vs network {actual[i]:R} (tolerance {Tolerance:E0})");
    }

    [Fact]
    public void XorNetGradient_MatchesHandCalculation()
    {
        var hand = WorkByHand();
        var (_, gradient, loss) = NetworkGradient();
        Assert.True(Math.Abs(hand.Loss - loss) < Tolerance,
            $"loss: hand {hand.Loss:R} vs network {loss:R} (tolerance {Tolerance:E0})");
        AssertAllClose(Flat(hand.W1, hand.B1, hand.W2, hand.B2), gradient, "gradient");
    }

    [Fact]
    public void XorNetSgdStep_MatchesHandUpdateAndLowersTheLoss()
    {
        var hand = WorkByHand();
        var (network, gradient, lossBefore) = NetworkGradient();
        // w ← w − η·g
        for (int i = 0; i < gradient.Length; i++) network.Parameters[i] -= (float)LearningRate * gradient[i];

        var w1 = new double[4, 3];
        for (int j = 0; j < 4; j++) for (int i = 0; i < 3; i++) w1[j, i] = W1[j, i] - LearningRate * hand.W1[j, i];
        var expected = Flat(w1, B1.Select((b, j) => b - LearningRate * hand.B1[j]).ToArray(),
            W2.Select((w, j) => w - LearningRate * hand.W2[j]).ToArray(), B2 - LearningRate * hand.B2);
        AssertAllClose(expected, network.Parameters, "weights after one step");

        float[] inputs = X.Cast<double>().Select(v => (float)v).ToArray(), targets = Y.Select(v => (float)v).ToArray();
        var workspace = network.CreateWorkspace(4);
        network.Forward(workspace, inputs, 4);
        double lossAfter = network.ComputeLoss(workspace, targets, 4);
        Assert.True(lossAfter < lossBefore,
            $"a gradient step at η = {LearningRate} lowers the loss: {lossBefore:R} → {lossAfter:R}");
    }

    [Fact]
    public void BiasGradient_IsTheBatchSumOfDeltas_NotTimesTheActivations()
    {
        var hand = WorkByHand();
        var (network, gradient, _) = NetworkGradient();
        int outputBias = network.Layout[1].BiasOffset;
        Assert.True(Math.Abs(gradient[outputBias] - hand.B2) < Tolerance,
            $"db2 = Σ δ2 = {hand.B2:R}, got {gradient[outputBias]:R} (tolerance {Tolerance:E0})");
        // The hidden activations are not 1, so multiplying by them would give a visibly different number.
        Assert.True(Math.Abs(hand.B2 - hand.SumOutputDeltaTimesA1) > 100 * Tolerance,
            "the case discriminates: Σ δ2 vs Σ δ2·a1 differ");
        Assert.True(Math.Abs(gradient[outputBias] - hand.SumOutputDeltaTimesA1) > 100 * Tolerance,
            $"db2 must not be Σ δ2·a1 = {hand.SumOutputDeltaTimesA1:R}");
        // The third input column is the constant 1, so its weights' gradients equal the hidden biases' gradients.
        var view = network.Layout[0];
        for (int j = 0; j < 4; j++)
            Assert.True(Math.Abs(gradient[view.BiasOffset + j] - gradient[view.WeightOffset + j * 3 + 2]) < Tolerance,
                $"db1[{j}] equals dW1[{j},2] (input ≡ 1), tolerance {Tolerance:E0}");
    }

    [Fact]
    public void SingleLayerBiasGradient_SumsDeltasWhileWeightGradientWeighsThemByInputs()
    {
        // z = w·x + b, identity output, MSE over N = 2 outputs: δ_r = 2(z_r − y_r)/2, db = Σ δ_r, dW_i = Σ δ_r x_ri.
        var spec = new NetworkSpec(2, [new(1, ActivationKind.Identity)], LossKind.MeanSquaredError);
        var network = Network<double>.FromParameters(spec, [0.5, -1.0, 0.25]);
        double[] x = [2, 3, -1, 0.5], y = [1, -2];
        double d0 = 0.5 * 2 - 1.0 * 3 + 0.25 - 1, d1 = 0.5 * -1 - 1.0 * 0.5 + 0.25 + 2; // δ = z − y here, since 2/N = 1
        var gradient = new double[3];
        network.ForwardBackward(network.CreateWorkspace(2), x, y, 2, gradient);
        // tolerance 1e-12
        Assert.Equal([d0 * 2 + d1 * -1, d0 * 3 + d1 * 0.5, d0 + d1], gradient, (a, b) => Math.Abs(a - b) < 1e-12);
    }
}
