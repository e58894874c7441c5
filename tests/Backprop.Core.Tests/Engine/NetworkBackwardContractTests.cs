namespace Backprop.Core.Tests.Engine;

/// <summary>What callers of ForwardBackward rely on besides the gradient's value: accumulation, the returned loss,
/// float ≈ double.</summary>
public class NetworkBackwardContractTests
{
    private static readonly NetworkSpec Spec = new(3,
        [new(6, ActivationKind.Tanh, L2: 0.1), new(5, ActivationKind.Relu), new(4, ActivationKind.Softmax)],
        LossKind.CategoricalCrossEntropy, Seed: 11);

    private static (double[] X, double[] Y) Batch(int rows)
    {
        var rng = new Random(21);
        var x = GradientCheck.Normal(rng, rows * 3);
        var y = new double[rows * 4];
        for (int r = 0; r < rows; r++) y[r * 4 + rng.Next(4)] = 1;
        return (x, y);
    }

    [Fact]
    public void ForwardBackward_AddsIntoTheGradientBuffer()
    {
        var network = Network<double>.Create(Spec);
        var (x, y) = Batch(6);
        var workspace = network.CreateWorkspace(6);
        var once = new double[network.Parameters.Length];
        network.ForwardBackward(workspace, x, y, 6, once);
        var twice = new double[network.Parameters.Length];
        network.ForwardBackward(workspace, x, y, 6, twice);
        network.ForwardBackward(workspace, x, y, 6, twice);
        for (int i = 0; i < once.Length; i++)
            Assert.True(Math.Abs(twice[i] - 2 * once[i]) <= 1e-12 * Math.Max(1, Math.Abs(once[i])),
                $"[{i}]: two passes give {twice[i]:R}, twice one pass is {2 * once[i]:R} (tolerance 1e-12)");
    }

    // Without accumulate the backward pass writes every element: stale values (here NaN) in the buffer must not leak
    // in. The float case has layers big enough for the blocked SGEMM path and the narrow ones, and an L2 term.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Backward_WithoutAccumulate_OverwritesTheWholeGradient(bool large)
    {
        var spec = large
            ? new NetworkSpec(20, [new(64, ActivationKind.Relu, L2: 0.01), new(3, ActivationKind.Tanh),
                new(10, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy, Seed: 5)
            : Spec;
        int rows = 16, inputs = spec.InputWidth, outputs = spec.OutputWidth;
        var rng = new Random(31);
        var x = Enumerable.Range(0, rows * inputs).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var y = new float[rows * outputs];
        for (int r = 0; r < rows; r++) y[r * outputs + rng.Next(outputs)] = 1;
        var network = Network<float>.Create(spec);
        var workspace = network.CreateWorkspace(rows);

        var added = new float[network.Parameters.Length];
        network.Forward(workspace, x, rows);
        network.Backward(workspace, x, y, rows, added);
        var written = Enumerable.Repeat(float.NaN, network.Parameters.Length).ToArray();
        network.Forward(workspace, x, rows);
        network.Backward(workspace, x, y, rows, written, accumulate: false);
        Assert.Equal(added, written);
    }

    [Fact]
    public void ForwardBackward_ReturnsTheDataLossWithoutTheL2Term()
    {
        var network = Network<double>.Create(Spec);
        var (x, y) = Batch(5);
        var workspace = network.CreateWorkspace(8);
        double returned = network.ForwardBackward(workspace, x, y, 5, new double[network.Parameters.Length]);
        network.Forward(workspace, x, 5);
        Assert.Equal(network.ComputeLoss(workspace, y, 5), returned);
        Assert.True(network.L2Penalty() > 0, "the spec has an L2 term, so leaving it out is observable");
    }

    [Fact]
    public void FloatGradient_AgreesWithDoubleGradient()
    {
        var (x, y) = Batch(7);
        var exact = Network<double>.Create(Spec);
        var single = Network<float>.Create(Spec);
        var gradient = GradientCheck.Analytic(exact, x, y, 7);
        var floatGradient = new float[single.Parameters.Length];
        single.ForwardBackward(single.CreateWorkspace(7), x.Select(v => (float)v).ToArray(), y.Select(v => (float)v)
            .ToArray(), 7, floatGradient);
        for (int i = 0; i < gradient.Length; i++)
            Assert.True(Math.Abs(floatGradient[i] - gradient[i]) <= 1e-5 * Math.Max(1, Math.Abs(gradient[i])),
                $"[{i}]: float {floatGradient[i]:R} vs double {gradient[i]:R} (tolerance 1e-5)");
    }

    [Fact]
    public void WrongSizedBuffers_AreRejected()
    {
        var network = Network<double>.Create(Spec);
        var (x, y) = Batch(2);
        var workspace = network.CreateWorkspace(2);
        Assert.Throws<ArgumentException>(() => network.ForwardBackward(workspace, x, y, 2,
            new double[network.Parameters.Length - 1]));
        Assert.Throws<ArgumentException>(() => network.ForwardBackward(workspace, x.AsSpan(..5), y, 2,
            new double[network.Parameters.Length]));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Forward(workspace, x, 3));
        Assert.Throws<ArgumentException>(() => Network<double>.FromParameters(Spec, new double[(int)Spec.ParameterCount
            + 1]));
    }
}
