
namespace Backprop.Core.Tests.Engine;

/// <summary>The blocked SGEMM, with each micro-kernel, against its double-precision reference over odd sizes, tails,
/// offsets and every transpose combination.</summary>
public class SgemmTests
{
    // float sums of up to ~800 products of values in [-1, 1): relative to Σ|terms| the float error stays far below
    // this.
    private const double RelativeTolerance = 1e-5;

    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        int[] sizes = [1, 2, 5, 6, 7, 8, 9, 15, 16, 17, 31, 33, 64, 121];
        var random = new Random(42);
        for (int i = 0; i < 40; i++) data.Add(sizes[random.Next(sizes.Length)], sizes[random.Next(sizes.Length)],
            sizes[random.Next(sizes.Length)]);
        data.Add(128, 512, 300);  // k over KC = 256
        data.Add(250, 600, 40);   // crosses NC = 512
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Multiply_MatchesReference_ForEveryTransposeAccumulateAndBiasMode(int m, int n, int k) =>
        AssertMatchesReference(m, n, k, (a, lda, tA, b, ldb, tB, c, ldc, acc, bias) =>
            Sgemm.Multiply(a, lda, tA, b, ldb, tB, c, ldc, m, n, k, acc, bias));

    // Every micro-kernel, not only the one this CPU picks: a kernel for an instruction set the CPU lacks is skipped,
    // and the skip names the kernel, so a run on an AVX2-only machine shows which paths it could not check.
    public static TheoryData<SgemmKernel, int, int, int> KernelShapes()
    {
        var data = new TheoryData<SgemmKernel, int, int, int>();
        var random = new Random(7);
        int[] sizes = [1, 3, 6, 7, 8, 9, 12, 16, 17, 31, 32, 33, 47, 65];
        foreach (var kernel in Enum.GetValues<SgemmKernel>())
        {
            for (int i = 0; i < 12; i++)
                data.Add(kernel, sizes[random.Next(sizes.Length)], sizes[random.Next(sizes.Length)],
                    sizes[random.Next(sizes.Length)]);
            data.Add(kernel, 150, 530, 784); // k over KC = 256, m in two blocks (MC = 144), n over NC = 512
        }
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(KernelShapes))]
    public void Multiply_WithEachKernelThisCpuRuns_MatchesReference(SgemmKernel kernel, int m, int n, int k)
    {
        Skip.IfNot(Sgemm.IsSupported(kernel), $"this CPU lacks the instruction set of the {kernel} kernel");
        AssertMatchesReference(m, n, k, (a, lda, tA, b, ldb, tB, c, ldc, acc, bias) =>
            Sgemm.Multiply(kernel, a, lda, tA, b, ldb, tB, c, ldc, m, n, k, acc, bias));
    }

    // Full B panels are read where B is up to a stride of 1,024 floats (784 here) or when the stride spreads them over
    // the L1 sets, and packed otherwise (1,056 floats, 66 lines): the same arithmetic either way, so the same bits.
    [SkippableTheory]
    [InlineData(SgemmKernel.Avx512, 128, 784, 512)]
    [InlineData(SgemmKernel.Avx512, 37, 784, 300)]
    [InlineData(SgemmKernel.Avx2, 37, 784, 300)]
    [InlineData(SgemmKernel.Scalar, 13, 784, 40)]
    public void Multiply_BReadInPlace_EqualsPackedBitForBit(SgemmKernel kernel, int m, int n, int k)
    {
        Skip.IfNot(Sgemm.IsSupported(kernel), $"this CPU lacks the instruction set of the {kernel} kernel");
        var random = new Random(m + n + k);
        var a = Random(random, m * k);
        var b = Random(random, k * n);
        var padded = new float[k * PackedStride];
        for (int p = 0; p < k; p++) b.AsSpan(p * n, n).CopyTo(padded.AsSpan(p * PackedStride));
        var bias = Random(random, n);
        foreach (bool accumulate in new[] { false, true })
        {
            var inPlace = Random(random, m * n);
            var packed = (float[])inPlace.Clone();
            Sgemm.Multiply(kernel, a, k, false, b, n, false, inPlace, n, m, n, k, accumulate, bias);
            Sgemm.Multiply(kernel, a, k, false, padded, PackedStride, false, packed, n, m, n, k, accumulate, bias);
            Assert.Equal(packed, inPlace);
        }
    }

    // n 16 past a multiple of 32 (W3's 784 inputs): the last half panel runs the 8 × 16 AVX-512 kernel, read in place
    // (stride 784), packed (stride 1,056) or packed from a transposed B; each of its elements must be what the 8 × 32
    // kernel gives the same column inside a full panel of a product 16 columns wider.
    [SkippableTheory]
    [InlineData(512, 128, true, false, 784)]  // W3's first weight gradient
    [InlineData(37, 300, false, false, 784)]  // ragged rows, k over KC
    [InlineData(37, 300, false, false, 1056)]
    [InlineData(20, 40, false, true, 784)]
    [InlineData(9, 7, true, true, 784)]
    public void Multiply_HalfLastPanel_EqualsTheSameColumnsOfAWiderProductBitForBit(int m, int k, bool transposeA,
        bool transposeB, int ldb)
    {
        Skip.IfNot(Sgemm.IsSupported(SgemmKernel.Avx512), "this CPU lacks the instruction set of the Avx512 kernel");
        const int n = 784, wide = n + 16;
        var random = new Random(m + k + ldb);
        var a = Random(random, m * k);
        int lda = transposeA ? m : k;
        // op(B) is (k, n) of a wider (k, wide) matrix: stored (k, ldb) as is, or (wide, k) transposed.
        var b = Random(random, transposeB ? wide * k : k * Math.Max(ldb, wide));
        int ldbWide = transposeB ? k : Math.Max(ldb, wide);
        int ldbUsed = transposeB ? k : ldb;
        var bNarrow = transposeB ? b : new float[k * ldb];
        if (!transposeB)
            for (int p = 0; p < k; p++) b.AsSpan(p * ldbWide, n).CopyTo(bNarrow.AsSpan(p * ldb));
        var bias = Random(random, wide);
        foreach (bool accumulate in new[] { false, true })
        {
            var start = Random(random, m * wide);
            var narrow = (float[])start.Clone();
            var wider = (float[])start.Clone();
            Sgemm.Multiply(SgemmKernel.Avx512, a, lda, transposeA, bNarrow, ldbUsed, transposeB, narrow, wide, m, n, k,
                accumulate, bias.AsSpan(0, n));
            Sgemm.Multiply(SgemmKernel.Avx512, a, lda, transposeA, b, ldbWide, transposeB, wider, wide, m, wide, k,
                accumulate, bias);
            for (int i = 0; i < m; i++)
            {
                Assert.Equal(wider.AsSpan(i * wide, n).ToArray(), narrow.AsSpan(i * wide, n).ToArray());
                Assert.Equal(start.AsSpan(i * wide + n, 16).ToArray(), narrow.AsSpan(i * wide + n, 16).ToArray());
            }
        }
    }

    // A layer's forward product computed as Cᵀ = B·Aᵀ (the batch packed, the weights read in place, the result
    // transposed back) against the usual one: ragged tiles in both directions, k past KC with a short last block, with
    // and without a bias.
    public static TheoryData<SgemmKernel, int, int, int> TransposedOutputShapes()
    {
        var data = new TheoryData<SgemmKernel, int, int, int>();
        foreach (var kernel in Enum.GetValues<SgemmKernel>())
        {
            data.Add(kernel, 128, 512, 784); // W3's first layer
            data.Add(kernel, 104, 480, 600);
            data.Add(kernel, 37, 530, 300);
            data.Add(kernel, 9, 70, 257);
            data.Add(kernel, 5, 33, 17);
            data.Add(kernel, 1, 1, 1);
        }
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(TransposedOutputShapes))]
    public void MultiplyTransposedOutput_EqualsMultiplyBitForBitAndMatchesReference(SgemmKernel kernel, int m, int n,
        int k)
    {
        Skip.IfNot(Sgemm.IsSupported(kernel), $"this CPU lacks the instruction set of the {kernel} kernel");
        var random = new Random(m * 31 + n * 7 + k);
        int lda = k + 1, ldb = k + 3, ldc = n + 2; // strides past the rows, padding that must stay untouched
        var a = Random(random, m * lda);
        var b = Random(random, n * ldb);
        var bias = Random(random, n);
        foreach (bool withBias in new[] { false, true })
        {
            var usual = Random(random, m * ldc);
            var transposed = (float[])usual.Clone();
            var reference = (float[])usual.Clone();
            var b0 = withBias ? bias : default(ReadOnlySpan<float>);
            Sgemm.Multiply(kernel, a, lda, false, b, ldb, true, usual, ldc, m, n, k, false, b0);
            Sgemm.MultiplyTransposedOutput(kernel, a, lda, b, ldb, transposed, ldc, m, n, k, b0);
            SgemmReference.Multiply(a, lda, false, b, ldb, true, reference, ldc, m, n, k, false, b0);

            Assert.Equal(usual, transposed);
            for (int at = 0; at < reference.Length; at++)
                Assert.True(Math.Abs(transposed[at] - reference[at]) <= RelativeTolerance * (2 + k),
                    $"element {at} of {m}x{n}x{k}, bias {withBias}: {transposed[at]} vs {reference[at]}");
        }
    }

    private const int PackedStride = 1056;

    [Fact]
    public void ActiveKernel_IsOneThisCpuRuns()
    {
        Assert.True(Sgemm.IsSupported(Sgemm.ActiveKernel));
        Assert.True(Sgemm.IsSupported(SgemmKernel.Scalar));
    }

    [SkippableFact]
    public void Multiply_WithKernelThisCpuLacks_Throws()
    {
        var missing = Enum.GetValues<SgemmKernel>().Where(kernel => !Sgemm.IsSupported(kernel)).ToList();
        Skip.If(missing.Count == 0, "this CPU runs every kernel");
        Assert.Throws<PlatformNotSupportedException>(() =>
            Sgemm.Multiply(missing[0], new float[4], 2, false, new float[4], 2, false, new float[4], 2, 2, 2, 2,
                false));
    }

    [Fact]
    public void Multiply_WithShortBuffer_Throws()
    {
        Assert.Throws<ArgumentException>(() =>
            Sgemm.Multiply(new float[5], 3, false, new float[9], 3, false, new float[6], 3, 2, 3, 3, false));
    }

    private delegate void Product(ReadOnlySpan<float> a, int lda, bool transposeA, ReadOnlySpan<float> b, int ldb,
        bool transposeB, Span<float> c, int ldc, bool accumulate, ReadOnlySpan<float> bias);

    private static void AssertMatchesReference(int m, int n, int k, Product product)
    {
        var random = new Random(m * 10007 + n * 101 + k);
        foreach (bool transposeA in new[] { false, true })
        foreach (bool transposeB in new[] { false, true })
        foreach (bool accumulate in new[] { false, true })
        {
            int offset = random.Next(0, 3); // unaligned starts
            int lda = (transposeA ? m : k) + random.Next(0, 2), ldb = (transposeB ? k : n) + random.Next(0, 2);
            int ldc = n + random.Next(0, 2);
            var a = Random(random, offset + (transposeA ? k : m) * lda);
            var b = Random(random, offset + (transposeB ? n : k) * ldb);
            var c = Random(random, offset + m * ldc);
            var expected = (float[])c.Clone();

            var bias = random.Next(2) == 0 ? default : Random(random, n).AsSpan();
            product(a.AsSpan(offset), lda, transposeA, b.AsSpan(offset), ldb, transposeB, c.AsSpan(offset), ldc,
                accumulate, bias);
            SgemmReference.Multiply(a.AsSpan(offset), lda, transposeA, b.AsSpan(offset), ldb, transposeB,
                expected.AsSpan(offset), ldc, m, n, k, accumulate, bias);

            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double scale = 2 + k + (accumulate ? 1 : 0); // bound on Σ|terms| (products, bias, C) in [-1, 1)
                    int at = offset + i * ldc + j;
                    Assert.True(Math.Abs(c[at] - expected[at]) <= RelativeTolerance * scale,
                        $"({i},{j}) of {m}x{n}x{k} tA={transposeA} tB={transposeB} acc={accumulate}: {c[at]} vs "
                        + $"{expected[at]} (tolerance {RelativeTolerance}·{scale})");
                }
            // Padding columns between rows (ldc > n) are never written.
            for (int i = 0; i < m; i++)
                for (int j = n; j < ldc; j++) Assert.Equal(expected[offset + i * ldc + j], c[offset + i * ldc + j]);
        }
    }

    private static float[] Random(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
