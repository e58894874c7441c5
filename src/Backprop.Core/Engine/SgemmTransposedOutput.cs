using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Core.Engine;

// A layer's forward product computed the other way round.
public static unsafe partial class Sgemm
{
    [ThreadStatic] private static float[]? t_transposedC;

    /// <summary>
    /// <c>C (m, n) = A (m, k) · B (n, k)ᵀ + bias (n)</c>, bit for bit what <see cref="Multiply(ReadOnlySpan{float},
    /// int, bool, ReadOnlySpan{float}, int, bool, Span{float}, int, int, int, int, bool, ReadOnlySpan{float})"/>
    /// gives with A as is and B transposed, computed as <c>Cᵀ = B·Aᵀ</c> into per-thread scratch, then transposed
    /// into C.
    /// </summary>
    /// <remarks>
    /// A dense layer's forward pass with more units (n) than rows (m): the product then packs the transposed batch
    /// (m × k) instead of the transposed weights (n × k), and reads the weights in place as the micro-kernel's row
    /// panels. Each sum has the same terms in the same order, from the same bias, in the same k blocks: the bias
    /// starts row j's accumulators of Cᵀ instead of column j's of C. It runs on the calling thread only: split by units
    /// over two threads, each packed the whole batch, and W3's epochs measured 0.99× the usual product's by CPU
    /// seconds (6 rounds at load 9).
    /// </remarks>
    public static void MultiplyTransposedOutput(ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, int m, int n, int k, ReadOnlySpan<float> bias = default) =>
        MultiplyTransposedOutput(SgemmKernels.Best, a, lda, b, ldb, c, ldc, m, n, k, bias);

    /// <summary><see cref="MultiplyTransposedOutput(ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float},
    /// int, int, int, int, ReadOnlySpan{float})"/> with a given micro-kernel.</summary>
    public static void MultiplyTransposedOutput(SgemmKernel kernel, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, int m, int n, int k, ReadOnlySpan<float> bias = default)
    {
        if (k <= 0 || m <= 0 || n <= 0)
        {
            Multiply(kernel, a, lda, false, b, ldb, true, c, ldc, m, n, k, false, bias);
            return;
        }
        if (!SgemmKernels.IsSupported(kernel))
            throw new PlatformNotSupportedException($"This CPU cannot run the {SgemmKernels.Describe(kernel)} kernel.");
        if (!bias.IsEmpty && bias.Length < n) throw new ArgumentException("bias is shorter than n.", nameof(bias));
        if (a.Length < (long)(m - 1) * lda + k || b.Length < (long)(n - 1) * ldb + k
            || c.Length < (long)(m - 1) * ldc + n)
            throw new ArgumentException("Buffer too short for the given shape and strides.");
        int size = m * n;
        var scratch = t_transposedC is { } held && held.Length >= size ? held : t_transposedC = new float[size];
        fixed (float* pa = a, pb = b, pc = c, pbias = bias, pt = scratch)
        {
            // Cᵀ (n, m) = B (n, k) · op(A) with op(A) = Aᵀ (k, m): A is the packed, transposed operand.
            var operands = new Operands(kernel, pb, ldb, false, pa, lda, true, pt, m, false, null, pbias);
            MultiplyCore(operands, n, m, k);
            Transpose(pt, n, m, pc, ldc);
        }
    }

    // dst (cols, rows) with row stride ldd = src (rows, cols) transposed, src rows contiguous: 8 × 8 blocks through
    // registers where AVX is there, the edges one value at a time. Eight rows of dst at a time, written along their
    // length: each dst line is filled in one visit (the other order left each half-written line to be fetched again
    // after a sweep down all of dst), and src, the smaller scratch, is the one read across.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose(float* src, int rows, int cols, float* dst, int ldd)
    {
        int j0 = 0;
        if (Avx.IsSupported)
        {
            for (; j0 + 8 <= cols; j0 += 8)
            {
                int i0 = 0;
                for (; i0 + 8 <= rows; i0 += 8)
                    Transpose8x8(src + (long)i0 * cols + j0, cols, dst + (long)j0 * ldd + i0, ldd);
                for (; i0 < rows; i0++)
                    for (int j = j0; j < j0 + 8; j++) dst[(long)j * ldd + i0] = src[(long)i0 * cols + j];
            }
        }
        for (; j0 < cols; j0++)
            for (int i = 0; i < rows; i++) dst[(long)j0 * ldd + i] = src[(long)i * cols + j0];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, int lds, float* dst, int ldd)
    {
        var a0 = Avx.LoadVector256(src); var a1 = Avx.LoadVector256(src + lds);
        var a2 = Avx.LoadVector256(src + 2L * lds); var a3 = Avx.LoadVector256(src + 3L * lds);
        var a4 = Avx.LoadVector256(src + 4L * lds); var a5 = Avx.LoadVector256(src + 5L * lds);
        var a6 = Avx.LoadVector256(src + 6L * lds); var a7 = Avx.LoadVector256(src + 7L * lds);
        var t0 = Avx.UnpackLow(a0, a1); var t1 = Avx.UnpackHigh(a0, a1);
        var t2 = Avx.UnpackLow(a2, a3); var t3 = Avx.UnpackHigh(a2, a3);
        var t4 = Avx.UnpackLow(a4, a5); var t5 = Avx.UnpackHigh(a4, a5);
        var t6 = Avx.UnpackLow(a6, a7); var t7 = Avx.UnpackHigh(a6, a7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2L * ldd, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3L * ldd, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4L * ldd, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5L * ldd, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6L * ldd, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7L * ldd, Avx.Permute2x128(u3, u7, 0x31));
    }
}
