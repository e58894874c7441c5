namespace Backprop.Core.Tests.Engine;

/// <summary>
/// The inference kernels over packed weights against the definition written on the unpacked <c>W (units, inputs)</c>:
/// bias, then one fused multiply-add per input in order. The kernels do exactly that, so the outputs are equal, not
/// just close.
/// </summary>
public class PackedDenseTests
{
    // Around the kernels' edges: 6-row (AVX2) and 8-row (AVX-512) micro-kernels, 96-row blocks, 256-input passes,
    // 16-unit panels (pairs of them for AVX-512, an odd one alone), four panels per single-row pass.
    private static readonly int[] RowCounts = [1, 2, 5, 6, 7, 8, 9, 12, 13, 16, 17, 95, 96, 97, 200];
    private static readonly int[] UnitCounts = [1, 3, 15, 16, 17, 33, 64, 65, 70];
    private static readonly int[] InputCounts = [1, 2, 9, 64, 100, 256, 257, 600];

    private static float[] Random(Random rng, int length) =>
        [.. Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 2 - 1))];

    private static float[] Definition(float[] a, float[] w, float[] b, int rows, int units, int inputs)
    {
        var z = new float[rows * units];
        for (int r = 0; r < rows; r++)
            for (int u = 0; u < units; u++)
            {
                float sum = b[u];
                for (int k = 0; k < inputs; k++)
                    sum = MathF.FusedMultiplyAdd(a[r * inputs + k], w[u * inputs + k], sum);
                z[r * units + u] = sum;
            }
        return z;
    }

    [SkippableTheory]
    [InlineData(SgemmKernel.Scalar)]
    [InlineData(SgemmKernel.Avx2)]
    [InlineData(SgemmKernel.Avx512)]
    public void Forward_EveryShapeOnEveryKernel_EqualsTheDefinitionExactly(SgemmKernel kernel)
    {
        Skip.IfNot(Sgemm.IsSupported(kernel), $"this CPU lacks the instruction set of the {kernel} kernel");
        var rng = new Random(18);
        foreach (int units in UnitCounts)
            foreach (int inputs in InputCounts)
            {
                var w = Random(rng, units * inputs);
                var b = Random(rng, units);
                var layer = new PackedDense(w, b, units, inputs);
                foreach (int rows in RowCounts)
                {
                    var a = Random(rng, rows * inputs);
                    var z = new float[rows * units + 3]; // room past the end stays untouched
                    z.AsSpan(rows * units).Fill(42);
                    layer.Forward(kernel, a, z, rows);
                    Assert.Equal(Definition(a, w, b, rows, units, inputs), z[..(rows * units)]);
                    Assert.All(z[(rows * units)..], v => Assert.Equal(42, v));
                    var reference = new float[rows * units];
                    layer.Reference(a, reference, rows);
                    Assert.Equal(z[..(rows * units)], reference);
                }
            }
    }

    [Fact]
    public void Forward_ARowAloneOrInABatch_GivesTheSameOutputs()
    {
        var rng = new Random(7);
        const int Units = 37, Inputs = 50, Rows = 101;
        var layer = new PackedDense(Random(rng, Units * Inputs), Random(rng, Units), Units, Inputs);
        var a = Random(rng, Rows * Inputs);
        var batch = new float[Rows * Units];
        layer.Forward(a, batch, Rows);
        for (int r = 0; r < Rows; r += 10)
        {
            var alone = new float[Units];
            layer.Forward(a.AsSpan(r * Inputs, Inputs), alone, 1);
            Assert.Equal(batch[(r * Units)..((r + 1) * Units)], alone);
        }
    }

    [Fact]
    public void Forward_ByDefault_RunsTheWidestKernelThisCpuHas()
    {
        Assert.Equal(Sgemm.ActiveKernel != SgemmKernel.Scalar, PackedDense.IsAccelerated);
        var rng = new Random(5);
        var layer = new PackedDense(Random(rng, 40 * 30), Random(rng, 40), 40, 30);
        var a = Random(rng, 11 * 30);
        float[] byDefault = new float[11 * 40], active = new float[11 * 40];
        layer.Forward(a, byDefault, 11);
        layer.Forward(Sgemm.ActiveKernel, a, active, 11);
        Assert.Equal(active, byDefault);
    }

    [SkippableFact]
    public void Forward_WithKernelThisCpuLacks_Throws()
    {
        var missing = Enum.GetValues<SgemmKernel>().Where(kernel => !Sgemm.IsSupported(kernel)).ToList();
        Skip.If(missing.Count == 0, "this CPU runs every kernel");
        var layer = new PackedDense(new float[4], new float[2], 2, 2);
        Assert.Throws<PlatformNotSupportedException>(() => layer.Forward(missing[0], new float[4], new float[4], 2));
    }

    [Fact]
    public void Constructor_WrongSizes_Throws()
    {
        Assert.Throws<ArgumentException>(() => new PackedDense(new float[6], new float[2], 2, 2));
        Assert.Throws<ArgumentException>(() => new PackedDense(new float[4], new float[3], 2, 2));
        var layer = new PackedDense(new float[4], new float[2], 2, 2);
        Assert.Throws<ArgumentException>(() => layer.Forward(new float[3], new float[4], 2));
    }
}

/// <summary>The prediction's softmax against the training one (TensorPrimitives' exponential, accurate to half an
/// ulp).</summary>
public class FastSoftmaxTests
{
    [Fact]
    public void Compute_EveryWidth_MatchesTheTrainingSoftmaxTo1e6Relative()
    {
        var rng = new Random(3);
        var softmax = Activation<float>.Create(new LayerSpec(2, ActivationKind.Softmax));
        foreach (int cols in new[] { 1, 2, 3, 7, 8, 9, 10, 16, 17, 40 })
        {
            const int Rows = 50;
            // Logits from −60 to 60, and a row of huge ones (1000s) that must not overflow.
            var z = Enumerable.Range(0, Rows * cols).Select(i => i < cols ? 1000f + i
                : (float)(rng.NextDouble() * 120 - 60)).ToArray();
            var expected = new float[z.Length];
            softmax.Forward(z, expected, cols);
            var actual = new float[z.Length];
            FastSoftmax.Compute(z, actual, cols);
            for (int i = 0; i < z.Length; i++)
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-6 * expected[i] + 1e-30,
                    $"cols {cols}, element {i}: {actual[i]} vs {expected[i]}");
        }
    }
}
