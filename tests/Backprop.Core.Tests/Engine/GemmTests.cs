using System.Numerics;

namespace Backprop.Core.Tests.Engine;
/// <summary>
/// The SIMD kernels against <see cref="GemmReference"/> over odd sizes. Error is measured relative to the sum of the
/// absolute values of the terms that make up each output element, the natural scale of rounding error in a dot product.
/// </summary>
public class GemmTests
{
    private const double FloatTolerance = 1e-5;   // relative to Σ|terms|; float accumulation over k ≤ 70 terms
    private const double DoubleTolerance = 1e-12; // relative to Σ|terms|

    // 1..70 with the tails around multiples of 8 and 16 (Vector<float> holds 8 or 16 lanes, Vector<double> 4 or 8).
    private static readonly int[] Sizes = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 70];
    private static readonly int[] Rows = [1, 2, 5, 13, 64];

    private static IEnumerable<(int M, int N, int K)> Shapes() =>
        from m in Rows from n in Sizes from k in Sizes select (m, n, k);

    // Uniform in [−1, 1) with about one value in five exactly zero (ReLU deltas often are; the kernels skip zeros).
    private static T[] Random<T>(Random rng, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[length];
        for (int i = 0; i < length; i++) values[i] = rng.Next(5) == 0 ? T.Zero : T.CreateTruncating(rng.NextDouble()
            * 2 - 1);
        return values;
    }

    private static double Abs<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Math.Abs(double.CreateTruncating(x));

    private static void AssertClose<T>(T[] expected, T[] actual, double[] scale, double tolerance, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(double.CreateTruncating(actual[i] - expected[i]));
            Assert.True(error <= tolerance * scale[i] + double.Epsilon,
                $"{what} element {i}: kernel {actual[i]} vs reference {expected[i]}, " +
                $"error {error:E3} > {tolerance:E0}·Σ|terms| ({scale[i]:E3})");
        }
    }

    private static void CheckMultiplyTransposedAddBias<T>(double tolerance) where T : unmanaged,
        IFloatingPointIeee754<T>
    {
        var rng = new Random(11);
        foreach (var (m, n, k) in Shapes())
        {
            T[] a = Random<T>(rng, m * k), b = Random<T>(rng, n * k), bias = Random<T>(rng, n);
            T[] expected = new T[m * n], actual = new T[m * n];
            Array.Fill(actual, T.NaN); // the kernel overwrites, never reads, C
            GemmReference.MultiplyTransposedAddBias<T>(a, b, bias, expected, m, n, k);
            Gemm.MultiplyTransposedAddBias<T>(a, b, bias, actual, m, n, k);
            var scale = new double[m * n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    scale[i * n + j] = Abs(bias[j]);
                    for (int p = 0; p < k; p++) scale[i * n + j] += Abs(a[i * k + p] * b[j * k + p]);
                }
            AssertClose(expected, actual, scale, tolerance, $"A·Bᵀ+bias m={m} n={n} k={k}");
        }
    }

    private static void CheckAccumulateTransposedProduct<T>(double tolerance) where T : unmanaged,
        IFloatingPointIeee754<T>
    {
        var rng = new Random(12);
        foreach (var (m, n, k) in Shapes())
        {
            T[] a = Random<T>(rng, m * n), b = Random<T>(rng, m * k), expected = Random<T>(rng, n * k);
            T[] actual = (T[])expected.Clone(); // accumulates onto existing values
            var scale = expected.Select(Abs).ToArray();
            GemmReference.AccumulateTransposedProduct<T>(a, b, expected, m, n, k);
            Gemm.AccumulateTransposedProduct<T>(a, b, actual, m, n, k);
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++)
                    for (int i = 0; i < m; i++) scale[j * k + p] += Abs(a[i * n + j] * b[i * k + p]);
            AssertClose(expected, actual, scale, tolerance, $"C+=Aᵀ·B m={m} n={n} k={k}");
        }
    }

    private static void CheckMultiply<T>(double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(13);
        foreach (var (m, n, k) in Shapes())
        {
            T[] a = Random<T>(rng, m * n), b = Random<T>(rng, n * k);
            T[] expected = new T[m * k], actual = new T[m * k];
            Array.Fill(actual, T.NaN); // overwritten, not accumulated
            GemmReference.Multiply<T>(a, b, expected, m, n, k);
            Gemm.Multiply<T>(a, b, actual, m, n, k);
            var scale = new double[m * k];
            for (int i = 0; i < m; i++)
                for (int p = 0; p < k; p++)
                    for (int j = 0; j < n; j++) scale[i * k + p] += Abs(a[i * n + j] * b[j * k + p]);
            AssertClose(expected, actual, scale, tolerance, $"A·B m={m} n={n} k={k}");
        }
    }

    // GemmReference has no column-sum oracle, so the plain loop lives here.
    private static void CheckAccumulateColumnSums<T>(double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(14);
        foreach (var (m, n, _) in Shapes().DistinctBy(s => (s.M, s.N)))
        {
            T[] a = Random<T>(rng, m * n), actual = Random<T>(rng, n);
            var sums = actual.Select(double.CreateTruncating).ToArray();
            var scale = actual.Select(Abs).ToArray();
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) { sums[j] += double.CreateTruncating(a[i * n + j]); scale[j] += Abs(
                    a[i * n + j]); }
            Gemm.AccumulateColumnSums<T>(a, actual, m, n);
            AssertClose(sums.Select(T.CreateTruncating).ToArray(), actual, scale, tolerance,
                $"column sums m={m} n={n}");
        }
    }

    // NarrowGemm's 4-lane float paths keep each sum in the scalar loop's order (no horizontal adds, no fused
    // multiply-add), so they must equal these float loops bit for bit, whichever lanes a shape puts its elements in.
    [Fact]
    public void NarrowFloatProducts_EqualTheirScalarLoopsBitForBit()
    {
        var rng = new Random(15);
        int[] narrow = [1, 2, 3, 4, 5, 7], wide = [1, 3, 4, 5, 8, 9, 13];
        foreach (int m in Rows)
            foreach (int n in wide)
                foreach (int k in narrow)
                {
                    float[] a = Random<float>(rng, m * Math.Max(n, k)), b = Random<float>(rng, Math.Max(m, n) * k),
                        bias = Random<float>(rng, n);

                    var forward = new float[m * n];
                    Gemm.MultiplyTransposedAddBias<float>(a, b, bias, forward, m, n, k);
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++)
                        {
                            float sum = 0;
                            for (int p = 0; p < k; p++) sum += a[i * k + p] * b[j * k + p];
                            AssertSameBits(sum + bias[j], forward[i * n + j], $"A·Bᵀ+bias m={m} n={n} k={k} [{i},{j}]");
                        }

                    float[] start = Random<float>(rng, n * k), weightGradient = (float[])start.Clone();
                    Gemm.AccumulateTransposedProduct<float>(a.AsSpan(0, m * n), b.AsSpan(0, m * k), weightGradient, m,
                        n, k);
                    for (int j = 0; j < n; j++)
                        for (int p = 0; p < k; p++)
                        {
                            float sum = 0;
                            for (int i = 0; i < m; i++) sum += a[i * n + j] * b[i * k + p];
                            AssertSameBits(start[j * k + p] + sum, weightGradient[j * k + p],
                                $"C+=Aᵀ·B m={m} n={n} k={k} [{j},{p}]");
                        }

                    var inputGradient = new float[m * k];
                    Gemm.Multiply<float>(a.AsSpan(0, m * n), b.AsSpan(0, n * k), inputGradient, m, n, k);
                    for (int i = 0; i < m; i++)
                        for (int p = 0; p < k; p++)
                        {
                            float sum = 0;
                            for (int j = 0; j < n; j++) sum += a[i * n + j] * b[j * k + p];
                            AssertSameBits(sum, inputGradient[i * k + p], $"A·B m={m} n={n} k={k} [{i},{p}]");
                        }

                    if (n >= 8) continue; // column sums are narrow in n
                    float[] sums = Random<float>(rng, n), columnSums = (float[])sums.Clone();
                    Gemm.AccumulateColumnSums<float>(a.AsSpan(0, m * n), columnSums, m, n);
                    for (int j = 0; j < n; j++)
                    {
                        float sum = 0;
                        for (int i = 0; i < m; i++) sum += a[i * n + j];
                        AssertSameBits(sums[j] + sum, columnSums[j], $"column sums m={m} n={n} [{j}]");
                    }
                }
    }

    // With 8-lane vectors each float dot product of k >= 8 sums lane l over p = l, l + 8, ... in order, reduces the
    // lanes ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)) as Vector.Sum does, then adds the tail in order and the
    // bias. The AVX kernel reduces four sums at once with vhaddps; it must give exactly this order.
    [SkippableFact]
    public void WideFloatForward_SumsInTheEightLaneOrderBitForBit()
    {
        Skip.IfNot(System.Runtime.Intrinsics.X86.Avx.IsSupported && Vector<float>.Count == 8,
            "this CPU lacks AVX or its Vector<float> is not 8 lanes");
        var rng = new Random(16);
        foreach (int m in Rows)
            foreach (int n in Sizes)
                foreach (int k in new[] { 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 70 })
                {
                    float[] a = Random<float>(rng, m * k), b = Random<float>(rng, n * k), bias = Random<float>(rng, n);
                    var actual = new float[m * n];
                    Gemm.MultiplyTransposedAddBias<float>(a, b, bias, actual, m, n, k);
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++)
                            AssertSameBits(EightLaneDot(a.AsSpan(i * k, k), b.AsSpan(j * k, k)) + bias[j],
                                actual[i * n + j], $"A·Bᵀ+bias m={m} n={n} k={k} [{i},{j}]");
                }
    }

    // Wide column sums (the bias gradient of a 10- or 64-unit layer) add each row onto the running sum in row order,
    // as one axpy per row did: bit for bit the scalar loop, whichever vector width the CPU has.
    [Fact]
    public void WideFloatColumnSums_AddRowsInOrderBitForBit()
    {
        var rng = new Random(17);
        foreach (int m in Rows)
            foreach (int n in Sizes.Where(n => n >= 8))
            {
                float[] a = Random<float>(rng, m * n), start = Random<float>(rng, n), actual = (float[])start.Clone();
                Gemm.AccumulateColumnSums<float>(a, actual, m, n);
                for (int j = 0; j < n; j++)
                {
                    float sum = start[j];
                    for (int i = 0; i < m; i++) sum += a[i * n + j];
                    AssertSameBits(sum, actual[j], $"column sums m={m} n={n} [{j}]");
                }
            }
    }

    private static float EightLaneDot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var lanes = new float[8];
        int vectorEnd = x.Length - x.Length % 8;
        for (int p = 0; p < vectorEnd; p++) lanes[p % 8] += x[p] * y[p];
        float sum = (lanes[0] + lanes[1] + (lanes[2] + lanes[3])) + (lanes[4] + lanes[5] + (lanes[6] + lanes[7]));
        for (int p = vectorEnd; p < x.Length; p++) sum += x[p] * y[p];
        return sum;
    }

    private static void AssertSameBits(float expected, float actual, string what) =>
        Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
            $"{what}: {actual:R}, scalar loop {expected:R}");

    [Fact] public void MultiplyTransposedAddBias_Float_MatchesReference() => CheckMultiplyTransposedAddBias<float>(
        FloatTolerance);
    [Fact] public void MultiplyTransposedAddBias_Double_MatchesReference() => CheckMultiplyTransposedAddBias<double>(
        DoubleTolerance);
    [Fact] public void AccumulateTransposedProduct_Float_MatchesReference() => CheckAccumulateTransposedProduct<float>(
        FloatTolerance);
    [Fact] public void AccumulateTransposedProduct_Double_MatchesReference() =>
        CheckAccumulateTransposedProduct<double>(DoubleTolerance);
    [Fact] public void Multiply_Float_MatchesReference() => CheckMultiply<float>(FloatTolerance);
    [Fact] public void Multiply_Double_MatchesReference() => CheckMultiply<double>(DoubleTolerance);
    [Fact] public void AccumulateColumnSums_Float_MatchesPlainSum() => CheckAccumulateColumnSums<float>(FloatTolerance);
    [Fact] public void AccumulateColumnSums_Double_MatchesPlainSum() => CheckAccumulateColumnSums<double>(
        DoubleTolerance);
}
