using System.Numerics;

namespace Backprop.Core.Tests.Engine;
/// <summary>Forward values at known points, extreme inputs staying finite, and each derivative against finite
/// differences.</summary>
public class ActivationTests
{
    private const double Exact = 1e-15; // double results that are one library call away from the definition

    private static T[] Forward<T>(ActivationKind kind, T[] z, int cols, double slope = LayerSpec.DefaultSlope,
        double alpha = LayerSpec.DefaultAlpha)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = new T[z.Length];
        Activation<T>.Create(new LayerSpec(cols, kind, Slope: slope, Alpha: alpha)).Forward(z, a, cols);
        return a;
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"[{i}]: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance:E0})");
    }

    [Fact]
    public void Sigmoid_IsHalfAtZeroAndSaturatesWithoutOverflow()
    {
        var a = Forward<double>(ActivationKind.Sigmoid, [0, 2, -2, 800, -800], 5);
        AssertClose([0.5, 1 / (1 + Math.Exp(-2)), 1 / (1 + Math.Exp(2)), 1, 0], a, Exact);
        Assert.Equal([0.5f, 1f, 0f], Forward<float>(ActivationKind.Sigmoid, [0f, 200f, -200f], 3));
    }

    [Fact]
    public void TanhAndRelu_MatchTheirDefinitions()
    {
        AssertClose([0, Math.Tanh(0.5), Math.Tanh(-3)], Forward<double>(ActivationKind.Tanh, [0, 0.5, -3], 3), Exact);
        Assert.Equal([0.0, 0.0, 3.0], Forward<double>(ActivationKind.Relu, [-2, 0, 3], 3));
        Assert.Equal([-2.0, 0.0, 3.0], Forward<double>(ActivationKind.Identity, [-2, 0, 3], 3));
    }

    [Fact]
    public void LeakyRelu_ScalesNegativeInputsByTheLayersSlope()
    {
        AssertClose([-0.2, 0, 3], Forward<double>(ActivationKind.LeakyRelu, [-2, 0, 3], 3, slope: 0.1), Exact);
        AssertClose([-0.02, 3], Forward<double>(ActivationKind.LeakyRelu, [-2, 3], 2), Exact); // default slope 0.01
    }

    [Fact]
    public void Elu_IsAlphaTimesExpMinusOneBelowZero()
    {
        var a = Forward<double>(ActivationKind.Elu, [-1, 0, 2, -50], 4, alpha: 1.5);
        AssertClose([1.5 * (Math.Exp(-1) - 1), 0, 2, -1.5], a, Exact);
    }

    [Fact]
    public void Elu_DefaultAlphaIsOne_AsPyTorch_AndIgnoresTheSlope()
    {
        var a = Forward<double>(ActivationKind.Elu, [-1, 2], 2, slope: 0.3);
        AssertClose([Math.Exp(-1) - 1, 2], a, Exact); // torch.nn.ELU()(tensor([-1., 2.])) = [-0.6321, 2.]
    }

    [Fact]
    public void Softplus_IsLnTwoAtZeroAndLinearForLargeInputsWithoutOverflow()
    {
        var a = Forward<double>(ActivationKind.Softplus, [0, 1000, -1000, 30, -3], 5);
        AssertClose([Math.Log(2), 1000, 0, 30 + Math.Log(1 + Math.Exp(-30)), Math.Log(1 + Math.Exp(-3))], a, Exact);
        Assert.Equal([1000f, 0f], Forward<float>(ActivationKind.Softplus, [1000f, -1000f], 2));
    }

    [Fact]
    public void Softmax_OfHugeLogitsIsFiniteAndRowsSumToOne()
    {
        var a = Forward<double>(ActivationKind.Softmax, [1000, 0, -1000, 1, 2, 3], 3);
        double sum = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        AssertClose([1, 0, 0, Math.Exp(1) / sum, Math.Exp(2) / sum, Math.Exp(3) / sum], a, Exact);
        Assert.Equal([1f, 0f, 0f], Forward<float>(ActivationKind.Softmax, [1000f, 0f, -1000f], 3));
        // Shifting every logit of a row leaves it unchanged.
        AssertClose(a[3..], Forward<double>(ActivationKind.Softmax, [501, 502, 503], 3), 1e-15);
    }

    [Theory]
    [InlineData(ActivationKind.Step)]
    [InlineData(ActivationKind.Sign)]
    public void HardThresholdActivations_CannotBeCreated(ActivationKind kind) =>
        Assert.Throws<ArgumentException>(() => Activation<float>.Create(new LayerSpec(3, kind)));

    [Theory]
    [InlineData(ActivationKind.Identity)]
    [InlineData(ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Relu)]
    [InlineData(ActivationKind.LeakyRelu)]
    [InlineData(ActivationKind.Elu)]
    [InlineData(ActivationKind.Softplus)]
    public void ElementwiseBackward_MatchesFiniteDifferences(ActivationKind kind)
    {
        // Points away from the ReLU-family kink at 0; g is an arbitrary upstream gradient.
        double[] z = [-1.3, -0.2, 0.4, 2.1, -6.0, 5.5], g = [1, -2, 0.5, 3, 1.5, -0.75];
        var activation = Activation<double>.Create(new LayerSpec(z.Length, kind, Slope: 0.2));
        Assert.Equal(kind, activation.Kind);
        var a = Forward<double>(kind, z, z.Length, slope: 0.2);
        var dz = (double[])g.Clone();
        activation.Backward(z, a, dz, z.Length);
        for (int i = 0; i < z.Length; i++)
        {
            double numerical = g[i] * GradientCheck.Derivative(v => Forward<double>(kind, [v], 1, slope: 0.2)[0], z[i]);
            double error = GradientCheck.RelativeError(dz[i], numerical);
            Assert.True(error < GradientCheck.Tolerance, $"{kind} at z = {z[i]}: " +
                $"analytic {dz[i]:E8} vs {numerical:E8}, relative error {error:E2}; need {GradientCheck.Criterion}");
        }
    }

    [Fact]
    public void ReluFamilyDerivativeAtZero_IsTheLeftSlope()
    {
        // PyTorch's convention: f'(0) is taken from the z ≤ 0 side.
        double[] zero = [0.0], one = [1.0];
        var relu = (double[])one.Clone();
        Activation<double>.Create(new LayerSpec(1, ActivationKind.Relu)).Backward(zero, zero, relu, 1);
        var leaky = (double[])one.Clone();
        Activation<double>.Create(new LayerSpec(1, ActivationKind.LeakyRelu, Slope: 0.1)).Backward(zero, zero, leaky,
            1);
        Assert.Equal(0.0, relu[0]);
        Assert.Equal(0.1, leaky[0], 1e-15);
    }
}
