
namespace Backprop.Core.Tests.Engine;

/// <summary>The blocked SGEMM against its double-precision reference over odd sizes, tails, offsets and every transpose
/// combination.</summary>
public class SgemmTests
{
    // float sums of up to ~600 products of values in [-1, 1): relative to Σ|terms| the float error stays far below
    // this.
    private const double RelativeTolerance = 1e-5;

    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        int[] sizes = [1, 2, 5, 6, 7, 8, 9, 15, 16, 17, 31, 33, 64, 121];
        var random = new Random(42);
        for (int i = 0; i < 40; i++) data.Add(sizes[random.Next(sizes.Length)], sizes[random.Next(sizes.Length)],
            sizes[random.Next(sizes.Length)]);
        data.Add(128, 512, 300);  // crosses KC = 256 and MC = 120
        data.Add(250, 600, 40);   // crosses NC = 512
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Multiply_MatchesReference_ForEveryTransposeAccumulateAndBiasMode(int m, int n, int k)
    {
        var random = new Random(m * 10007 + n * 101 + k);
        foreach (bool transposeA in new[] { false, true })
        foreach (bool transposeB in new[] { false, true })
        foreach (bool accumulate in new[] { false, true })
        {
            int offset = random.Next(0, 3); // unaligned starts
            int lda = (transposeA ? m : k) + random.Next(0, 2), ldb = (transposeB ? k : n) + random.Next(0, 2), ldc = n
                + random.Next(0, 2);
            var a = Random(random, offset + (transposeA ? k : m) * lda);
            var b = Random(random, offset + (transposeB ? n : k) * ldb);
            var c = Random(random, offset + m * ldc);
            var expected = (float[])c.Clone();

            var bias = random.Next(2) == 0 ? default : Random(random, n).AsSpan();
            Sgemm.Multiply(a.AsSpan(offset), lda, transposeA, b.AsSpan(offset), ldb, transposeB, c.AsSpan(offset), ldc,
                m, n, k, accumulate, bias);
            SgemmReference.Multiply(a.AsSpan(offset), lda, transposeA, b.AsSpan(offset), ldb, transposeB,
                expected.AsSpan(offset), ldc, m, n, k, accumulate, bias);

            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    // bound on Σ|terms| (products, bias, C) for values in [-1, 1)
                    double scale = 2 + k + (accumulate ? 1 : 0);
                    int at = offset + i * ldc + j;
                    Assert.True(Math.Abs(c[at] - expected[at]) <= RelativeTolerance * scale,
                        $"({i},{j}) of {m}x{n}x{k} tA={transposeA} tB={transposeB} acc={accumulate}: " +
                        $"{c[at]} vs {expected[at]} (tolerance {RelativeTolerance}·{scale})");
                }
            // Padding columns between rows (ldc > n) are never written.
            for (int i = 0; i < m; i++)
                for (int j = n; j < ldc; j++) Assert.Equal(expected[offset + i * ldc + j], c[offset + i * ldc + j]);
        }
    }

    [Fact]
    public void Multiply_WithShortBuffer_Throws()
    {
        Assert.Throws<ArgumentException>(() => Sgemm.Multiply(new float[5], 3, false, new float[9], 3, false,
            new float[6], 3, 2, 3, 3, false));
    }

    private static float[] Random(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
