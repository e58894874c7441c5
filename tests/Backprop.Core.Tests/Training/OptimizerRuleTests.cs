
namespace Backprop.Core.Tests.Training;

/// <summary>First steps of each optimizer on one layer (1 input → 2 units, identity) against the PyTorch
/// documentation's rules, by hand.</summary>
public class OptimizerRuleTests
{
    private const double Tolerance = 1e-6;
    private static readonly NetworkSpec Spec = new(1, [new LayerSpec(2, ActivationKind.Identity)],
        LossKind.MeanSquaredError);
    private static readonly float[] Start = [0.5f, -1.0f, 0.25f, 0.0f]; // W (2, 1), b (2)
    private static readonly float[] Gradient = [0.2f, -0.4f, 0.1f, 0.3f];

    private static float[] Steps(OptimizerSettings settings, int steps)
    {
        var layout = new ParameterLayout(Spec);
        var optimizer = new Optimizer(settings, Spec, layout);
        var p = (float[])Start.Clone();
        for (int i = 0; i < steps; i++) optimizer.Apply(p, Gradient, settings.LearningRate);
        return p;
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < Tolerance,
                $"param {i}: expected {expected[i]}, got {actual[i]} (tolerance {Tolerance})");
    }

    [Fact]
    public void Sgd_WithWeightDecay_DecaysWeightsButNotBiases()
    {
        var actual = Steps(new OptimizerSettings(OptimizerKind.Sgd, 0.1, WeightDecay: 0.5), 1);
        // weights: θ − γ(g + λθ); biases: θ − γ g
        AssertClose([0.5 - 0.1 * (0.2 + 0.25), -1 - 0.1 * (-0.4 - 0.5), 0.25 - 0.1 * 0.1, 0 - 0.1 * 0.3], actual);
    }

    [Fact]
    public void Momentum_TwoSteps_FollowTheBufferRule()
    {
        var actual = Steps(new OptimizerSettings(OptimizerKind.Momentum, 0.1, Momentum: 0.9), 2);
        // b1 = g, θ1 = θ − γ g; b2 = 0.9 g + g = 1.9 g, θ2 = θ1 − γ 1.9 g → θ − 2.9 γ g
        AssertClose(Start.Zip(Gradient, (p, g) => p - 2.9 * 0.1 * g).ToArray(), actual);
    }

    [Fact]
    public void Nesterov_TwoSteps_LookAhead()
    {
        var actual = Steps(new OptimizerSettings(OptimizerKind.Nesterov, 0.1, Momentum: 0.9), 2);
        // step 1: b = g, update g + μb = 1.9g; step 2: b = 1.9g, update g + 0.9·1.9g = 2.71g → total 4.61 γ g
        AssertClose(Start.Zip(Gradient, (p, g) => p - 4.61 * 0.1 * g).ToArray(), actual);
    }

    [Fact]
    public void Adam_FirstStep_MovesEachParameterByTheLearningRate()
    {
        var actual = Steps(new OptimizerSettings(OptimizerKind.Adam, 0.01), 1);
        // t = 1: m̂ = g, v̂ = g², update = γ g / (|g| + ε) ≈ γ sign(g)
        AssertClose(Start.Zip(Gradient, (p, g) => p - 0.01 * g / (Math.Abs(g) + 1e-8)).ToArray(), actual);
    }

    [Fact]
    public void Adam_TwoSteps_MatchBiasCorrectedMoments()
    {
        var actual = Steps(new OptimizerSettings(OptimizerKind.Adam, 0.01), 2);
        var expected = Start.Select((p, i) =>
        {
            double g = Gradient[i], m = 0, v = 0, theta = p;
            for (int t = 1; t <= 2; t++)
            {
                m = 0.9 * m + 0.1 * g; v = 0.999 * v + 0.001 * g * g;
                theta -= 0.01 * (m / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v / (1 - Math.Pow(0.999, t))) + 1e-8);
            }
            return theta;
        }).ToArray();
        AssertClose(expected, actual);
    }

    [Fact]
    public void AdamW_DecaysWeightsDecoupled_NotBiases()
    {
        var actual = Steps(new OptimizerSettings(OptimizerKind.AdamW, 0.01, WeightDecay: 0.1), 1);
        // θ ← θ(1 − γλ) for weights, then the Adam step γ sign(g)
        AssertClose([0.5 * (1 - 0.001) - 0.01, -1 * (1 - 0.001) + 0.01, 0.25 - 0.01, 0 - 0.01], actual);
    }

    [Fact]
    public void RmsProp_FirstStep_DividesByRootMeanSquare()
    {
        var actual = Steps(new OptimizerSettings(OptimizerKind.RmsProp, 0.01, Momentum: 0), 1);
        // v = (1 − α) g², θ ← θ − γ g / (sqrt(v) + ε) = θ − γ sign(g) / sqrt(1 − α)
        AssertClose(Start.Zip(Gradient, (p, g) => p - 0.01 * g / (Math.Sqrt(0.01 * g * g) + 1e-8)).ToArray(), actual);
    }

    [Fact]
    public void RmsProp_WithoutMomentum_DefaultsToNone_AsPyTorch()
    {
        // torch.optim.RMSprop(momentum=0) by default; momentum and nesterov keep 0.9.
        Assert.Equal(Steps(new OptimizerSettings(OptimizerKind.RmsProp, 0.01, Momentum: 0), 3),
            Steps(new OptimizerSettings(OptimizerKind.RmsProp, 0.01), 3));
        Assert.NotEqual(Steps(new OptimizerSettings(OptimizerKind.RmsProp, 0.01, Momentum: 0.9), 3),
            Steps(new OptimizerSettings(OptimizerKind.RmsProp, 0.01), 3));
        Assert.Equal(Steps(new OptimizerSettings(OptimizerKind.Momentum, 0.1, Momentum: 0.9), 2),
            Steps(new OptimizerSettings(OptimizerKind.Momentum, 0.1), 2));
    }

    [Fact]
    public void LayerLearningRateMultiplier_ScalesOnlyThatLayer()
    {
        var spec = new NetworkSpec(1, [new LayerSpec(1, ActivationKind.Relu, LearningRateMultiplier: 0.1),
            new LayerSpec(1, ActivationKind.Identity)], LossKind.MeanSquaredError);
        var optimizer = new Optimizer(new OptimizerSettings(OptimizerKind.Sgd, 1.0), spec, new ParameterLayout(spec));
        var p = new float[4];
        optimizer.Apply(p, [1f, 1f, 1f, 1f], 1.0);
        AssertClose([-0.1, -0.1, -1, -1], p);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.Momentum)]
    [InlineData(OptimizerKind.RmsProp)]
    public void ParallelUpdate_IsBitIdenticalToOneThread(OptimizerKind kind)
    {
        // 600 x 500 weights: above the parallel threshold, with chunk edges that are not multiples of the vector width.
        var spec = new NetworkSpec(500, [new LayerSpec(601, ActivationKind.Relu),
            new LayerSpec(3, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy);
        var layout = new ParameterLayout(spec);
        var random = new Random(3);
        var start = Enumerable.Range(0, layout.Count).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var gradient = Enumerable.Range(0, layout.Count).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var settings = new OptimizerSettings(kind, 0.01, WeightDecay: 0.01);
        float[] Run(int threads)
        {
            var optimizer = new Optimizer(settings, spec, layout);
            var p = (float[])start.Clone();
            for (int i = 0; i < 3; i++) optimizer.Apply(p, gradient, settings.LearningRate, threads);
            return p;
        }
        Assert.Equal(Run(1), Run(3));
    }
}
