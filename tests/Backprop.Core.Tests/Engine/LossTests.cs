using System.Numerics;

namespace Backprop.Core.Tests.Engine;
/// <summary>Loss values against their definitions in <see cref="LossKind"/> (PyTorch's reductions), and stability at
/// extreme logits.</summary>
public class LossTests
{
    private const double Tolerance = 1e-12;

    private static double Value<T>(LossKind loss, ActivationKind output, T[] z, T[] y, int rows,
        double huberDelta = 1.0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int cols = z.Length / rows;
        var a = new T[z.Length];
        Activation<T>.Create(new LayerSpec(cols, output)).Forward(z, a, cols);
        var spec = new NetworkSpec(1, [new(cols, output)], loss, HuberDelta: huberDelta);
        var value = Loss<T>.Create(spec);
        Assert.Equal(loss, value.Kind);
        return value.Value(z, a, y, rows, cols);
    }

    // The float path finds a row's nonzero targets with a vector mask (8 to 32 classes); it must add the same terms in
    // the same order as the plain loop over classes, here written out: bit-identical, one-hot or soft targets.
    [Fact]
    public void CategoricalCrossEntropy_FloatMaskPath_EqualsThePlainLoopBitForBit()
    {
        var rng = new Random(21);
        foreach (int cols in new[] { 2, 7, 8, 9, 10, 15, 16, 17, 31, 32, 33 })
        {
            const int rows = 23;
            var z = new float[rows * cols];
            var y = new float[rows * cols];
            for (int i = 0; i < z.Length; i++) z[i] = (float)(rng.NextDouble() * 20 - 10);
            for (int r = 0; r < rows; r++)
                if (r % 3 == 0) // soft targets with a few zeros, one of them negative
                    for (int c = 0; c < cols; c++) y[r * cols + c] = c % 4 == 1 ? (c % 8 == 1 ? -0f : 0f)
                        : (float)rng.NextDouble();
                else y[r * cols + rng.Next(cols)] = 1; // one-hot
            z[5] = 300; // a probability that underflows: the log-sum-exp route
            var a = new float[z.Length];
            Activation<float>.Create(new LayerSpec(cols, ActivationKind.Softmax)).Forward(z, a, cols);
            var spec = new NetworkSpec(1, [new(cols, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy);
            double actual = Loss<float>.Create(spec).Value(z, a, y, rows, cols);

            double total = 0;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    int i = r * cols + c;
                    if (y[i] == 0) continue;
                    double term = a[i] > 1e-30f ? -(double)MathF.Log(a[i]) : LogSumExp(z.AsSpan(r * cols, cols)) - z[i];
                    total += y[i] * term;
                }
            Assert.Equal(BitConverter.DoubleToInt64Bits(total / rows), BitConverter.DoubleToInt64Bits(actual));
        }
    }

    // The delta runs in vectors along each row; lane for lane it is (a·Σy − y)/rows, as the scalar loop computes it.
    [Fact]
    public void CategoricalCrossEntropy_OutputDelta_EqualsTheScalarExpressionBitForBit()
    {
        var rng = new Random(22);
        foreach (int cols in new[] { 2, 7, 8, 10, 17, 33 })
        {
            const int rows = 5;
            var a = new float[rows * cols];
            var y = new float[rows * cols];
            for (int i = 0; i < a.Length; i++) { a[i] = (float)rng.NextDouble(); y[i] = (float)rng.NextDouble(); }
            var spec = new NetworkSpec(1, [new(cols, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy);
            var delta = new float[a.Length];
            Loss<float>.Create(spec).OutputDelta(a, a, y, rows, cols,
                Activation<float>.Create(new LayerSpec(cols, ActivationKind.Softmax)), delta);
            for (int r = 0; r < rows; r++)
            {
                float mass = 0;
                for (int c = 0; c < cols; c++) mass += y[r * cols + c];
                for (int c = 0; c < cols; c++)
                {
                    int i = r * cols + c;
                    Assert.Equal(BitConverter.SingleToInt32Bits((a[i] * mass - y[i]) * (1f / rows)),
                        BitConverter.SingleToInt32Bits(delta[i]));
                }
            }
        }
    }

    private static double LogSumExp(ReadOnlySpan<float> z)
    {
        double max = double.NegativeInfinity, sum = 0;
        foreach (var v in z) max = Math.Max(max, v);
        foreach (var v in z) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }

    private static void AssertValue(double expected, double actual, string definition) =>
        Assert.True(Math.Abs(expected - actual) <= Tolerance * Math.Max(1, Math.Abs(expected)),
            $"{definition}: expected {expected:R}, got {actual:R} (relative tolerance {Tolerance:E0})");

    [Fact]
    public void MeanSquaredError_IsTheMeanOverAllOutputs()
    {
        // (1² + 2² + 3² + 4²) / 4 outputs = 7.5, as PyTorch's MSELoss; a per-row mean of the row sums would give 15.
        double value = Value<double>(LossKind.MeanSquaredError, ActivationKind.Identity, [1, 2, 3, 4], [0, 0, 0, 0],
            rows: 2);
        AssertValue(7.5, value, "Σ(a − y)² / (rows·cols)");
    }

    [Fact]
    public void Huber_IsQuadraticInsideDeltaAndLinearOutside()
    {
        // δ = 1: r = 0.5 → 0.125, r = −3 → 1·(3 − 0.5) = 2.5, r = 1 → 0.5 (both branches agree at |r| = δ).
        double value = Value<double>(LossKind.Huber, ActivationKind.Identity, [0.5, -3, 1], [0, 0, 0], rows: 1);
        AssertValue((0.125 + 2.5 + 0.5) / 3, value, "mean of huber(r)");
        // δ = 2: r = 3 → 2·(3 − 1) = 4, r = 1 → 0.5.
        AssertValue((4 + 0.5) / 2, Value<double>(LossKind.Huber, ActivationKind.Identity, [3.0, 1.0], [0.0, 0.0],
            rows: 2, huberDelta: 2), "huber with δ = 2");
    }

    [Fact]
    public void BinaryCrossEntropy_IsTheMeanOverAllElementsOfTheTextbookFormula()
    {
        double[] z = [0.5, -1.2, 2.0, 0.0, 3.0, -0.7], y = [1, 0, 0.3, 1, 0, 1];
        double expected = 0;
        for (int i = 0; i < z.Length; i++)
        {
            double s = 1 / (1 + Math.Exp(-z[i]));
            expected -= y[i] * Math.Log(s) + (1 - y[i]) * Math.Log(1 - s);
        }
        AssertValue(expected / 6, Value<double>(LossKind.BinaryCrossEntropy, ActivationKind.Sigmoid, z, y, rows: 2),
            "−mean[y ln σ(z) + (1 − y) ln(1 − σ(z))] over 2×3 elements");
    }

    [Fact]
    public void BinaryCrossEntropy_IsStableAtLogitsOfPlusMinusHundred()
    {
        // Confidently wrong: each element costs |z| + ln(1 + e^−100) ≈ 100 where σ(z) has rounded to exactly 0 or 1.
        AssertValue(100, Value<double>(LossKind.BinaryCrossEntropy, ActivationKind.Sigmoid, [100, -100], [0, 1],
            rows: 1), "wrong at |z| = 100");
        double floatValue = Value<float>(LossKind.BinaryCrossEntropy, ActivationKind.Sigmoid, [100f, -100f], [0f, 1f],
            rows: 2);
        Assert.True(Math.Abs(floatValue - 100) < 1e-5,
            $"float BCE at |z| = 100 is 100, got {floatValue} (tolerance 1e-5)");
        // Confidently right: e^−100 ≈ 3.7e−44, tiny but finite and non-negative.
        double right = Value<double>(LossKind.BinaryCrossEntropy, ActivationKind.Sigmoid, [100, -100], [1, 0], rows: 1);
        Assert.True(double.IsFinite(right) && right >= 0 && right < 1e-40,
            $"right at |z| = 100 costs ≈ e^−100, got {right:R}");
    }

    [Fact]
    public void CategoricalCrossEntropy_IsTheMeanOverRowsAndFiniteAtLogitsOfThousand()
    {
        // Row 0 picks the class of logit 0 against logit 1000: lse − z_c = 1000. Row 1 is uniform over 3: ln 3.
        double[] z = [1000, 0, -1000, 0, 0, 0], y = [0, 1, 0, 1, 0, 0];
        AssertValue((1000 + Math.Log(3)) / 2, Value<double>(LossKind.CategoricalCrossEntropy, ActivationKind.Softmax,
            z, y, rows: 2), "mean over rows of −Σ y ln softmax(z)");
        double floatValue = Value<float>(LossKind.CategoricalCrossEntropy, ActivationKind.Softmax, [1000f, 0f, -1000f],
            [1f, 0f, 0f], rows: 1);
        Assert.True(double.IsFinite(floatValue) && Math.Abs(floatValue) < 1e-6,
            $"float CCE of the right class at logit 1000 is 0, got {floatValue} (tolerance 1e-6)");
    }

    [Fact]
    public void CategoricalCrossEntropy_WithSoftTargets_WeighsEachClassLogProbability()
    {
        double[] z = [0.2, -0.4, 1.1], y = [0.7, 0.2, 0.1];
        double lse = Math.Log(z.Sum(Math.Exp));
        double expected = -y.Select((t, c) => t * (z[c] - lse)).Sum();
        AssertValue(expected, Value<double>(LossKind.CategoricalCrossEntropy, ActivationKind.Softmax, z, y, rows: 1),
            "−Σ y_c ln softmax(z)_c");
    }
}
