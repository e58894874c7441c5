namespace Backprop.Core.Tests.Engine;

/// <summary>
/// The float sigmoid's own SIMD exponential against the double-precision definition, over random inputs, every tail
/// length and the edges (saturation, ±∞, NaN); and the small reductions the training loop uses against plain loops.
/// </summary>
public class FastSigmoidTests
{
    // Measured worst case over 10⁶ uniform inputs in [−100, 100]: 3 ulp; absolute error never above 6e-8.
    private const int MaxUlp = 4;
    private const double MaxAbsoluteError = 1e-7;

    private static float[] Sigmoid(float[] z)
    {
        var a = new float[z.Length];
        FastSigmoid.Compute(z, a);
        return a;
    }

    private static int UlpDistance(float x, float y) => Math.Abs(BitConverter.SingleToInt32Bits(x)
        - BitConverter.SingleToInt32Bits(y));

    [Fact]
    public void RandomInputs_AreWithinAFewUlpOfTheDoublePrecisionDefinition()
    {
        var rng = new Random(20261128);
        var z = new float[100_003]; // not a multiple of any vector width: the 4-lane and scalar tails run too
        for (int i = 0; i < z.Length; i++) z[i] = (float)(rng.NextDouble() * 200 - 100) * (rng.Next(4) == 0 ? 0.01f
            : 1f);
        var a = Sigmoid(z);
        for (int i = 0; i < z.Length; i++)
        {
            float expected = FastSigmoid.Reference(z[i]);
            Assert.True(Math.Abs(a[i] - expected) <= MaxAbsoluteError,
                $"σ({z[i]:R}) = {a[i]:R}, expected {expected:R}");
            if (expected >= 1e-30f)
                Assert.True(UlpDistance(a[i], expected) <= MaxUlp,
                    $"σ({z[i]:R}) = {a[i]:R}, expected {expected:R}: {UlpDistance(a[i], expected)} ulp");
        }
    }

    [Fact]
    public void EveryLength_GivesEachLaneTheSameBitsWhereverItSits()
    {
        // Vector256 body, Vector128 steps and the scalar tail must agree exactly, so a unit's activation does not
        // depend on the layer's width or its position in the batch.
        float[] probes = [-37.5f, -3.3f, -0.7f, 0f, 1e-3f, 0.45f, 2.25f, 15.1f, 80f];
        foreach (float value in probes)
        {
            float single = Sigmoid([value])[0];
            for (int length = 1; length <= 41; length++)
            {
                var a = Sigmoid(Enumerable.Repeat(value, length).ToArray());
                Assert.All(a, x => Assert.Equal(BitConverter.SingleToInt32Bits(single), BitConverter.SingleToInt32Bits(
                    x)));
            }
        }
    }

    [Fact]
    public void Edges_SaturateExactlyAndNaNPropagates()
    {
        float[] z = [0f, 200f, -200f, 88.5f, -88.5f, 87.5f, -87.5f, float.PositiveInfinity, float.NegativeInfinity,
            float.NaN, float.MaxValue, float.MinValue];
        // scalar/4-lane paths, then the same values in a wide vector
        foreach (int length in new[] { z.Length, 16 + z.Length })
        {
            var padded = new float[length];
            z.CopyTo(padded, length - z.Length);
            var a = Sigmoid(padded).AsSpan(length - z.Length);
            Assert.Equal(0.5f, a[0]);
            Assert.Equal(1f, a[1]);
            Assert.Equal(0f, a[2]);
            Assert.Equal(1f, a[3]);
            Assert.True(a[4] >= 0f && a[4] < 1e-38f, $"σ(−88.5) = {a[4]:R}");
            Assert.Equal(1f, a[5]);
            Assert.InRange(a[6], 9e-39f, 1.1e-38f); // e^−87.5 ≈ 1.0e-38, still a normal float
            Assert.Equal(1f, a[7]);
            Assert.Equal(0f, a[8]);
            Assert.True(float.IsNaN(a[9]), "NaN in, NaN out: divergence detection relies on it");
            Assert.Equal(1f, a[10]);
            Assert.Equal(0f, a[11]);
        }
    }

    [Fact]
    public void InPlace_GivesTheSameResultAsSeparateBuffers()
    {
        var rng = new Random(7);
        var z = Enumerable.Range(0, 37).Select(_ => (float)(rng.NextDouble() * 20 - 10)).ToArray();
        var expected = Sigmoid(z);
        FastSigmoid.Compute(z, z);
        Assert.Equal(expected, z);
    }

    [Fact]
    public void SumOfSquaresAndAllFinite_MatchPlainLoopsOverEveryTail()
    {
        var rng = new Random(11);
        for (int length = 0; length <= 70; length++)
        {
            var x = Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
            double expected = x.Sum(v => (double)v * v);
            Assert.Equal(expected, ElementWise.SumOfSquares(x), 1e-5 * Math.Max(1, expected));
            Assert.True(ElementWise.AllFinite(x));
            for (int bad = 0; bad < length; bad += Math.Max(1, length / 5))
                foreach (float value in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                {
                    var copy = (float[])x.Clone();
                    copy[bad] = value;
                    Assert.False(ElementWise.AllFinite(copy), $"{value} at {bad} of {length}");
                }
        }
    }
}
