using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Backprop.Core.Engine;

/// <summary>
/// Single-precision matrix product <c>C (m, n) = op(A) (m, k) · op(B) (k, n) [+ C]</c>, row-major, where op(A) is A
/// <c>(m, k)</c> or the transpose of a stored <c>(k, m)</c>, and op(B) is B <c>(k, n)</c> or the transpose of a stored
/// <c>(n, k)</c>. Cache-blocked: k in blocks of KC, a KC × NC block of op(B) packed into NR-wide
/// micro-panels (each L1-sized), row panels of op(A) MR tall read in place, around a register-blocked FMA micro-kernel
/// chosen at run time for the CPU (<see cref="SgemmKernel"/>). Packing buffers are per thread and reused, so a call
/// allocates nothing once warm. <see cref="SgemmReference"/> is the plain oracle the tests compare every kernel
/// against.
/// </summary>
// The tile and bias scratch on the stack is always written before it is read: zeroing it on every call is waste.
[SkipLocalsInit]
public static unsafe partial class Sgemm
{
    private const int KC = 256, MC = 144, NC = 512, MaxTile = 8 * 32, MaxNr = 32, MaxMr = 8;

    [ThreadStatic] private static float[]? t_packedA;
    [ThreadStatic] private static float[]? t_packedB;

    /// <summary>Columns per micro-kernel panel (NR) of the kernel in use.</summary>
    public static int PanelWidth { get; } = SgemmKernels.Shape(SgemmKernels.Best).Columns;

    /// <summary>The micro-kernel in use: the widest this CPU accelerates.</summary>
    public static SgemmKernel ActiveKernel => SgemmKernels.Best;

    /// <summary>Which micro-kernel runs on this machine (for benchmark reports), e.g. "avx512 8x32".</summary>
    public static string Kernel => SgemmKernels.Describe(SgemmKernels.Best);

    /// <summary>Whether this CPU can run <paramref name="kernel"/>.</summary>
    public static bool IsSupported(SgemmKernel kernel) => SgemmKernels.IsSupported(kernel);

    /// <summary>
    /// <c>C = op(A)·op(B) (+ C when <paramref name="accumulate"/>)</c>. With <paramref name="transposeA"/>, A is
    /// stored <c>(k, m)</c> with row stride <paramref name="lda"/>; with <paramref name="transposeB"/>, B is stored
    /// <c>(n, k)</c> with row stride <paramref name="ldb"/>.
    /// </summary>
    /// <remarks>The optional <c>bias</c> <c>(n)</c> is added to every row of the product, fused: the accumulators start
    /// from it.</remarks>
    public static void Multiply(ReadOnlySpan<float> a, int lda, bool transposeA, ReadOnlySpan<float> b, int ldb,
        bool transposeB, Span<float> c, int ldc, int m, int n, int k, bool accumulate,
        ReadOnlySpan<float> bias = default) =>
        Multiply(SgemmKernels.Best, a, lda, transposeA, b, ldb, transposeB, c, ldc, m, n, k, accumulate, bias);

    /// <summary>The product with a given micro-kernel (the tests run each one the CPU has); throws
    /// <see cref="PlatformNotSupportedException"/> for a kernel whose instruction set this CPU lacks.</summary>
    public static void Multiply(SgemmKernel kernel, ReadOnlySpan<float> a, int lda, bool transposeA,
        ReadOnlySpan<float> b, int ldb, bool transposeB, Span<float> c, int ldc, int m, int n, int k, bool accumulate,
        ReadOnlySpan<float> bias = default)
    {
        if (!SgemmKernels.IsSupported(kernel))
            throw new PlatformNotSupportedException($"This CPU cannot run the {SgemmKernels.Describe(kernel)} kernel.");
        if (m <= 0 || n <= 0) return;
        if (!bias.IsEmpty && bias.Length < n) throw new ArgumentException("bias is shorter than n.", nameof(bias));
        long needA = transposeA ? (long)(k - 1) * lda + m : (long)(m - 1) * lda + k;
        long needB = transposeB ? (long)(n - 1) * ldb + k : (long)(k - 1) * ldb + n;
        if (k > 0 && (a.Length < needA || b.Length < needB) || c.Length < (long)(m - 1) * ldc + n)
            throw new ArgumentException("Buffer too short for the given shape and strides.");
        if (k == 0)
        {
            for (int i = 0; i < m; i++)
            {
                var row = c.Slice(i * ldc, n);
                if (!accumulate) row.Clear();
                if (!bias.IsEmpty) TensorPrimitives.Add(row, bias.Slice(0, n), row);
            }
            return;
        }
        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
        {
            var operands = new Operands(kernel, pa, lda, transposeA, pb, ldb, transposeB, pc, ldc, accumulate, pbias);
            int threads = ThreadsFor(m, n, k, SgemmKernels.Shape(kernel).Columns);
            if (threads <= 1)
            {
                MultiplyCore(operands, m, n, k);
                return;
            }
            // Column chunks of C, NR-aligned, handed out from a shared counter: each packs its own part of B, no
            // shared writes, and each column's sums are the same whichever thread computes them.
            var chunks = new ColumnChunks(operands, m, n, k);
            ComputeTeam.ForEachChunk(threads, chunks.Count, chunks.Run);
        }
    }

    // Threads a product may use on the calling thread (1 = single-threaded, the default). Set per training run.
    [ThreadStatic] private static int t_maxThreads;

    /// <summary>Sets how many threads products started from the calling thread may use; returns the previous
    /// value.</summary>
    public static int SetMaxThreads(int threads)
    {
        int previous = Math.Max(1, t_maxThreads);
        t_maxThreads = Math.Max(1, threads);
        return previous;
    }

    /// <summary>How many threads products started from the calling thread may use.</summary>
    public static int MaxThreads => Math.Max(1, t_maxThreads);

    // Two threads pay only for large products (fork/join costs microseconds): about 1M multiply-adds per thread.
    private static int ThreadsFor(int m, int n, int k, int nr)
    {
        int max = t_maxThreads;
        if (max <= 1) return 1;
        long work = (long)m * n * k;
        int byWork = (int)Math.Min(max, work / 1_000_000);
        int byPanels = Math.Max(1, n / (2 * nr));
        return Math.Max(1, Math.Min(byWork, byPanels));
    }

    // Element (i, p) of op(A) is at a + i·rs + p·cs with (rs, cs) = (lda, 1), or (1, lda) when transposed.
    // Bias (n) starts every row's sums at a column's value; RowBias (m), for the transposed product, at a row's.
    private readonly struct Operands(SgemmKernel kernel, float* a, int lda, bool transposeA, float* b, int ldb,
        bool transposeB, float* c, int ldc, bool accumulate, float* bias, float* rowBias = null)
    {
        public readonly SgemmKernel Kernel = kernel;
        public readonly float* A = a, B = b, C = c, Bias = bias, RowBias = rowBias;
        public readonly int Lda = lda, Ldb = ldb, Ldc = ldc;
        public readonly bool TransposeA = transposeA, TransposeB = transposeB, Accumulate = accumulate;

        // The same product restricted to columns [first, ...) of C.
        public Operands FromColumn(int first) => new(Kernel, A, Lda, TransposeA,
            TransposeB ? B + (long)first * Ldb : B + first, Ldb, TransposeB, C + first, Ldc, Accumulate,
            Bias == null ? null : Bias + first, RowBias);
    }

    // About 64 columns per chunk: a few chunks per thread even for W3's 256-column products, so a thread that is
    // not scheduled holds up at most one chunk's work.
    private sealed class ColumnChunks(Operands operands, int m, int n, int k)
    {
        private readonly int _width = Math.Max(1, ChunkColumns / SgemmKernels.Shape(operands.Kernel).Columns)
            * SgemmKernels.Shape(operands.Kernel).Columns;

        public int Count => (n + _width - 1) / _width;

        public void Run(int chunk)
        {
            int first = chunk * _width;
            MultiplyCore(operands.FromColumn(first), m, Math.Min(_width, n - first), k);
        }
    }

    private const int ChunkColumns = 64;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyCore(in Operands o, int m, int n, int k)
    {
        var (mr, nr) = SgemmKernels.Shape(o.Kernel);
        var packedA = t_packedA ??= new float[8 * KC];
        var packedB = t_packedB ??= new float[KC * (NC + MaxNr)];
        float* biasTile = stackalloc float[MaxNr]; // a ragged last panel's bias, zero-padded
        int mStep = BlockHeight(m, mr);
        bool inPlace = ReadsBInPlace(o, k);
        fixed (float* pA = packedA, pB = packedB)
        {
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                int full = inPlace ? InPlaceColumns(o.Kernel, nc, nr) : 0; // columns whose panels are read in place
                // k in blocks of KC, the last one shorter: the block sizes fix each sum's rounding, so they stay
                // as they were when W3's reference losses were recorded (equal blocks, 784 = 4 × 196, measured no
                // faster and changed W3's one-epoch loss from 1.88981 to 1.89149).
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    if (full < nc) PackB(o.B, o.Ldb, o.TransposeB, pc, jc + full, kc, nc - full, nr, pB);
                    for (int ic = 0; ic < m; ic += mStep)
                    {
                        int mc = Math.Min(mStep, m - ic);
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int cols = Math.Min(nr, nc - jr);
                            // Only the first k block starts from the bias; later ones accumulate.
                            float* panelBias = o.Bias == null || pc > 0 ? null
                                : cols == nr ? o.Bias + jc + jr
                                : PadBias(o.Bias + jc + jr, cols, nr, biasTile);
                            bool direct = jr < full;
                            float* bPanel = direct ? o.B + (long)pc * o.Ldb + jc + jr
                                : pB + (long)((jr - full) / nr) * kc * nr;
                            RowPanels(o, ic, mc, mr, pc, kc, bPanel, direct ? o.Ldb : nr, panelBias, jc + jr, cols, nr,
                                pA);
                        }
                    }
                }
            }
        }
    }

    // C rows ic..ic+mc, columns j0..j0+cols += op(A) rows × one packed B panel (kc, nr), MR rows at a time.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowPanels(in Operands o, int ic, int mc, int mr, int pc, int kc, float* bPanel, nint bs,
        float* bias, int j0, int cols, int nr, float* pA)
    {
        float* tile = stackalloc float[MaxTile];
        float* rowBiasTile = stackalloc float[MaxMr]; // a ragged last panel's row bias, zero-padded
        bool add = o.Accumulate || pc > 0;
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            // Like the column bias, only the first k block starts from it.
            float* rowBias = o.RowBias == null || pc > 0 ? null
                : rows == mr ? o.RowBias + ic + ir
                : PadBias(o.RowBias + ic + ir, rows, mr, rowBiasTile);
            // Full row panels read op(A) in place: packing them measured 2-4 % slower on W3's products (each panel
            // is read once per B panel, from L2, either way). A ragged last panel is copied, zero-padded
            // (rs = 1, cs = mr).
            float* aPanel;
            nint rs, cs;
            if (rows == mr)
            {
                aPanel = o.TransposeA ? o.A + (long)pc * o.Lda + ic + ir : o.A + (long)(ic + ir) * o.Lda + pc;
                (rs, cs) = o.TransposeA ? (1, o.Lda) : (o.Lda, 1);
            }
            else
            {
                PackA(o.A, o.Lda, o.TransposeA, ic + ir, pc, rows, kc, mr, pA);
                aPanel = pA;
                (rs, cs) = (1, mr);
            }
            float* cBlock = o.C + (long)(ic + ir) * o.Ldc + j0;
            if (rows == mr && cols == nr)
            {
                SgemmKernels.Run(o.Kernel, kc, aPanel, rs, cs, bPanel, bs, bias, rowBias, cBlock, o.Ldc, add);
                continue;
            }
            // A half panel (only 16 columns, possibly read in place) goes to the 8 × 16 kernel, never the 8 × 32 one.
            bool half = cols == SgemmKernels.HalfColumns && o.Kernel == SgemmKernel.Avx512;
            if (half && rows == mr)
            {
                SgemmKernels.RunHalf(kc, aPanel, rs, cs, bPanel, bs, bias, rowBias, cBlock, o.Ldc, add);
                continue;
            }
            if (half) SgemmKernels.RunHalf(kc, aPanel, rs, cs, bPanel, bs, bias, rowBias, tile, nr, false);
            else SgemmKernels.Run(o.Kernel, kc, aPanel, rs, cs, bPanel, bs, bias, rowBias, tile, nr, false);
            for (int i = 0; i < rows; i++)
            {
                float* row = cBlock + (long)i * o.Ldc;
                for (int j = 0; j < cols; j++) row[j] = add ? row[j] + tile[i * nr + j] : tile[i * nr + j];
            }
        }
    }

    // A B stored (k, n) already holds each micro-panel's rows contiguously, nr floats each, ldb apart: the kernel can
    // read full panels where they are and skip the copy. Per k step it reads two lines of B against 16 FMAs, so the
    // panel need not stay in L1: even with a power-of-two stride, whose rows pile into two L1 sets (W3's 512 floats:
    // 32 lines), reading in place measured faster than copying (W3's 128×512 input gradient 311 → 289 µs, the
    // 256×512 weight gradient 304 → 296-300 µs; the copy was 1.7 % of an epoch). Strides up to MaxInPlaceStride were
    // measured; past it, a B is read in place when its rows spread over the sets (an odd number of lines between
    // them, as W3's 784 inputs: 49) or when it is small enough for L1 whatever its stride (SmallB floats: W4's
    // 32 × 64 activations). The kernel and its sums are the same either way.
    private static bool ReadsBInPlace(in Operands o, int k) => !o.TransposeB
        && (o.Ldb <= MaxInPlaceStride || o.Ldb % 16 == 0 && o.Ldb / 16 % 2 == 1 || (long)k * o.Ldb <= SmallB);

    // Full panels, and a last half panel that the AVX-512 kernel reads as it is (only its 16 columns).
    private static int InPlaceColumns(SgemmKernel kernel, int nc, int nr) =>
        kernel == SgemmKernel.Avx512 && nc % nr == SgemmKernels.HalfColumns ? nc : nc / nr * nr;

    private const int MaxInPlaceStride = 1024;
    private const int SmallB = 4096;

    private static float* PadBias(float* bias, int cols, int nr, float* tile)
    {
        for (int j = 0; j < nr; j++) tile[j] = j < cols ? bias[j] : 0;
        return tile;
    }

    // m split into equal blocks of at most MC rows, each a multiple of the micro-kernel's height.
    private static int BlockHeight(int m, int mr)
    {
        int blocks = (m + MC - 1) / MC;
        return ((m + blocks - 1) / blocks + mr - 1) / mr * mr;
    }
}
