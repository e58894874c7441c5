namespace Backprop.Core.Engine;

// Products whose op(B) is packed once and reused: training packs each layer's weights after the optimizer changes
// them (while they are still in cache) instead of at every forward pass.
public static unsafe partial class Sgemm
{
    /// <summary>Columns per panel (NR) of <paramref name="kernel"/>.</summary>
    public static int PanelWidthOf(SgemmKernel kernel) => SgemmKernels.Shape(kernel).Columns;

    /// <summary>Floats <see cref="PackTransposed"/> writes for an op(B) of <c>(k, n)</c>: whole NR-wide panels of
    /// <paramref name="kernel"/>, the last zero-padded.</summary>
    public static int PackedLength(SgemmKernel kernel, int n, int k)
    {
        int nr = SgemmKernels.Shape(kernel).Columns;
        return checked((n + nr - 1) / nr * nr * k);
    }

    /// <summary>
    /// Packs panels <c>[firstPanel, firstPanel + panels)</c> of op(B) = the transpose of a stored <c>(n, k)</c>
    /// <paramref name="b"/> (row stride <paramref name="ldb"/>) as <see cref="MultiplyPacked"/> reads them: panel q,
    /// columns <c>q·NR ...</c>, is <c>(k, NR)</c> contiguous at <c>q·k·NR</c>.
    /// </summary>
    public static void PackTransposed(SgemmKernel kernel, ReadOnlySpan<float> b, int ldb, int n, int k,
        Span<float> packed, int firstPanel, int panels)
    {
        int nr = SgemmKernels.Shape(kernel).Columns;
        int first = firstPanel * nr, columns = Math.Min(n - first, panels * nr);
        if (n <= 0 || k <= 0 || columns <= 0) return;
        if (b.Length < (long)(n - 1) * ldb + k || packed.Length < PackedLength(kernel, n, k))
            throw new ArgumentException("Buffer too short for the given shape and stride.");
        fixed (float* pb = b, pp = packed)
            PackB(pb, ldb, transposeB: true, 0, first, k, columns, nr, pp + (long)firstPanel * k * nr);
    }

    /// <summary>
    /// <c>C = op(A)·op(B) (+ C)</c> like <see cref="Multiply(SgemmKernel, ReadOnlySpan{float}, int, bool,
    /// ReadOnlySpan{float}, int, bool, Span{float}, int, int, int, int, bool, ReadOnlySpan{float})"/>, with op(B)
    /// already packed by <see cref="PackTransposed"/> for the same kernel: the same arithmetic in the same order, so
    /// the same bits, without packing B.
    /// </summary>
    public static void MultiplyPacked(SgemmKernel kernel, ReadOnlySpan<float> a, int lda, bool transposeA,
        ReadOnlySpan<float> packedB, Span<float> c, int ldc, int m, int n, int k, bool accumulate,
        ReadOnlySpan<float> bias = default)
    {
        if (!SgemmKernels.IsSupported(kernel))
            throw new PlatformNotSupportedException($"This CPU cannot run the {SgemmKernels.Describe(kernel)} kernel.");
        if (m <= 0 || n <= 0 || k <= 0) throw new ArgumentException("A packed product needs positive m, n and k.");
        if (!bias.IsEmpty && bias.Length < n) throw new ArgumentException("bias is shorter than n.", nameof(bias));
        long needA = transposeA ? (long)(k - 1) * lda + m : (long)(m - 1) * lda + k;
        if (a.Length < needA || packedB.Length < PackedLength(kernel, n, k) || c.Length < (long)(m - 1) * ldc + n)
            throw new ArgumentException("Buffer too short for the given shape and strides.");
        fixed (float* pa = a, pb = packedB, pc = c, pbias = bias)
        {
            var operands = new Operands(kernel, pa, lda, transposeA, pb, SgemmKernels.Shape(kernel).Columns,
                transposeB: false, pc, ldc, accumulate, pbias, packedK: k);
            Run(operands, m, n, k);
        }
    }
}
