using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Core.Engine;

/// <summary>
/// Single-precision matrix product <c>C (m, n) = op(A) (m, k) · op(B) (k, n) [+ C]</c>, row-major, where op(A) is A
/// <c>(m, k)</c> or the transpose of a stored <c>(k, m)</c>, and op(B) is B <c>(k, n)</c> or the transpose of a stored
/// <c>(n, k)</c>. Cache-blocked (KC × NC panels of B packed NR wide, row panels of A read in place, MR tall) around a
/// register-blocked FMA micro-kernel: 8 × 32 with Vector512 (32 registers), 6 × 16 with Vector256 (12 accumulators + 3
/// temporaries fit AVX2's 16 registers), scalar otherwise. Packing buffers are per thread and reused, so a call
/// allocates nothing once warm. <see cref="SgemmReference"/> is the plain oracle the tests compare against.
/// </summary>
public static unsafe class Sgemm
{
    private const int KC = 256, MC = 120, NC = 512, MaxTile = 8 * 32;
    private static readonly int MR = Vector512.IsHardwareAccelerated ? 8 : 6;
    private static readonly int NR = Vector512.IsHardwareAccelerated ? 32 : 16;

    [ThreadStatic] private static float[]? t_packedA;
    [ThreadStatic] private static float[]? t_packedB;

    /// <summary>Columns per micro-kernel panel (NR).</summary>
    public static int PanelWidth => NR;

    /// <summary>Which micro-kernel runs on this machine (for benchmark reports).</summary>
    public static string Kernel => Vector512.IsHardwareAccelerated ? "avx512 8x32" : Vector256.IsHardwareAccelerated
        ? "avx2 6x16" : "scalar 6x16";

    /// <summary><c>C = op(A)·op(B) (+ C when <paramref name="accumulate"/>)</c>. With <paramref name="transposeA"/>, A
    /// is stored <c>(k, m)</c> with row stride <paramref name="lda"/>; with <paramref name="transposeB"/>, B is stored
    /// <c>(n, k)</c> with row stride <paramref name="ldb"/>.</summary>
    /// <remarks>The optional <c>bias</c> <c>(n)</c> is added to every row of the product, fused: the accumulators start
    /// from it.</remarks>
    public static void Multiply(ReadOnlySpan<float> a, int lda, bool transposeA, ReadOnlySpan<float> b, int ldb,
        bool transposeB, Span<float> c, int ldc,
        int m, int n, int k, bool accumulate, ReadOnlySpan<float> bias = default)
    {
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
                if (!bias.IsEmpty) System.Numerics.Tensors.TensorPrimitives.Add(row, bias.Slice(0, n), row);
            }
            return;
        }
        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
        {
            int threads = ThreadsFor(m, n, k);
            if (threads <= 1)
            {
                MultiplyCore(pa, lda, transposeA, pb, ldb, transposeB, pc, ldc, m, n, k, accumulate, pbias);
                return;
            }
            // Column slabs of C, NR-aligned, one per thread: each packs its own part of B, no shared writes.
            var job = new SlabJob(pa, lda, transposeA, pb, ldb, transposeB, pc, ldc, m, n, k, accumulate, pbias,
                threads);
            ComputeTeam.Run(threads, job.Run);
        }
    }

    /// <summary>Threads a product may use on the calling thread (1 = single-threaded, the default). Set per training
    /// run.</summary>
    [ThreadStatic] private static int t_maxThreads;

    /// <summary>Sets how many threads products started from the calling thread may use; returns the previous
    /// value.</summary>
    public static int SetMaxThreads(int threads)
    {
        int previous = Math.Max(1, t_maxThreads);
        t_maxThreads = Math.Max(1, threads);
        return previous;
    }

    // Two threads pay only for large products (fork/join costs microseconds): about 1M multiply-adds per thread.
    private static int ThreadsFor(int m, int n, int k)
    {
        int max = t_maxThreads;
        if (max <= 1) return 1;
        long work = (long)m * n * k;
        int byWork = (int)Math.Min(max, work / 1_000_000);
        int byPanels = Math.Max(1, n / (2 * NR));
        return Math.Max(1, Math.Min(byWork, byPanels));
    }

    private sealed class SlabJob(float* a, int lda, bool transposeA, float* b, int ldb, bool transposeB, float* c,
        int ldc, int m, int n, int k, bool accumulate, float* bias, int slabs)
    {
        public void Run(int slab)
        {
            int panels = (n + NR - 1) / NR;
            int first = (int)((long)panels * slab / slabs) * NR,
                last = Math.Min(n, (int)((long)panels * (slab + 1) / slabs) * NR);
            if (last <= first) return;
            float* bSlab = transposeB ? b + (long)first * ldb : b + first;
            MultiplyCore(a, lda, transposeA, bSlab, ldb, transposeB, c + first, ldc, m, last - first, k, accumulate,
                bias == null ? null : bias + first);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyCore(float* a, int lda, bool transposeA, float* b, int ldb, bool transposeB, float* c,
        int ldc, int m, int n, int k, bool accumulate, float* bias)
    {
        float* biasTile = stackalloc float[32]; // a ragged last panel's bias, zero-padded
        int mr = MR, NR = Sgemm.NR;
        var packedA = t_packedA ??= new float[8 * KC];
        var packedB = t_packedB ??= new float[KC * (NC + NR)];
        float* tile = stackalloc float[MaxTile];
        fixed (float* pA = packedA, pB = packedB)
        {
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    bool add = accumulate || pc > 0;
                    PackB(b, ldb, transposeB, pc, jc, kc, nc, pB);
                    for (int ic = 0; ic < m; ic += MC)
                    {
                        int mc = Math.Min(MC, m - ic);
                        for (int jr = 0; jr < nc; jr += NR)
                        {
                            int nr = Math.Min(NR, nc - jr);
                            float* bPanel = pB + (long)(jr / NR) * kc * NR;
                            // only the first k block starts from the bias; later ones accumulate
                            float* panelBias = null;
                            if (bias != null && pc == 0)
                            {
                                if (nr == NR) panelBias = bias + jc + jr;
                                else
                                {
                                    for (int j = 0; j < NR; j++) biasTile[j] = j < nr ? bias[jc + jr + j] : 0;
                                    panelBias = biasTile;
                                }
                            }
                            for (int ir = 0; ir < mc; ir += mr)
                            {
                                int rows = Math.Min(mr, mc - ir);
                                // Full row panels read op(A) in place (element (i, p) at a + i·rs + p·cs); only a
                                // ragged last panel is copied, zero-padded, into the packing buffer (rs = 1, cs = mr).
                                float* aPanel; nint rs, cs;
                                if (rows == mr)
                                {
                                    aPanel = transposeA ? a + (long)pc * lda + ic + ir : a + (long)(ic + ir) * lda + pc;
                                    (rs, cs) = transposeA ? (1, lda) : (lda, 1);
                                }
                                else
                                {
                                    PackA(a, lda, transposeA, ic + ir, pc, rows, kc, mr, pA);
                                    aPanel = pA;
                                    (rs, cs) = (1, mr);
                                }
                                float* cBlock = c + (long)(ic + ir) * ldc + jc + jr;
                                if (rows == mr && nr == NR) MicroKernel(kc, aPanel, rs, cs, bPanel, panelBias, cBlock,
                                    ldc, add);
                                else
                                {
                                    MicroKernel(kc, aPanel, rs, cs, bPanel, panelBias, tile, NR, false);
                                    for (int i = 0; i < rows; i++)
                                        for (int j = 0; j < nr; j++)
                                            cBlock[(long)i * ldc + j] = add ? cBlock[(long)i * ldc + j]
                                                + tile[i * NR + j] : tile[i * NR + j];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // op(B) rows pc..pc+kc, columns jc..jc+nc → panels of NR columns, each (kc, NR) contiguous; the last zero-padded.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(float* b, int ldb, bool transposeB, int pc, int jc, int kc, int nc, float* packed)
    {
        int NR = Sgemm.NR;
        for (int jr = 0; jr < nc; jr += NR)
        {
            int nr = Math.Min(NR, nc - jr);
            float* dst = packed + (long)(jr / NR) * kc * NR;
            if (transposeB)
            {
                // element (p, j) at b[j·ldb + p]: gather one value from each of the nr stored rows, write the panel row
                // contiguously
                float* rowStart = b + (long)(jc + jr) * ldb + pc;
                int done = 0;
                if (Avx.IsSupported && nr == NR) done = PackTransposedBlocks(rowStart, ldb, kc, NR, dst);
                dst += (long)done * NR;
                for (int p = done; p < kc; p++, dst += NR)
                {
                    float* src = rowStart + p;
                    int j = 0;
                    for (; j < nr; j++) dst[j] = src[(long)j * ldb];
                    for (; j < NR; j++) dst[j] = 0;
                }
                continue;
            }
            for (int p = 0; p < kc; p++, dst += NR)
            {
                float* src = b + (long)(pc + p) * ldb + jc + jr;
                if (nr == NR) Unsafe.CopyBlockUnaligned(dst, src, (uint)(NR * sizeof(float)));
                else
                {
                    for (int j = 0; j < nr; j++) dst[j] = src[j];
                    for (int j = nr; j < NR; j++) dst[j] = 0;
                }
            }
        }
    }

    // Full panels of a transposed B, 8 × 8 blocks at a time: 8 stored rows × 8 consecutive values are loaded as 8
    // vectors, transposed in registers, and stored as 8 panel rows. Returns how many panel rows (a multiple of 8) it
    // filled.
    private static int PackTransposedBlocks(float* rows, int ldb, int kc, int nr, float* dst)
    {
        int blocks = kc / 8 * 8;
        for (int j = 0; j < nr; j += 8)
        {
            float* r0 = rows + (long)j * ldb;
            for (int p = 0; p < blocks; p += 8)
            {
                float* src = r0 + p;
                var a0 = Avx.LoadVector256(src); var a1 = Avx.LoadVector256(src + ldb);
                var a2 = Avx.LoadVector256(src + 2L * ldb); var a3 = Avx.LoadVector256(src + 3L * ldb);
                var a4 = Avx.LoadVector256(src + 4L * ldb); var a5 = Avx.LoadVector256(src + 5L * ldb);
                var a6 = Avx.LoadVector256(src + 6L * ldb); var a7 = Avx.LoadVector256(src + 7L * ldb);
                var t0 = Avx.UnpackLow(a0, a1); var t1 = Avx.UnpackHigh(a0, a1);
                var t2 = Avx.UnpackLow(a2, a3); var t3 = Avx.UnpackHigh(a2, a3);
                var t4 = Avx.UnpackLow(a4, a5); var t5 = Avx.UnpackHigh(a4, a5);
                var t6 = Avx.UnpackLow(a6, a7); var t7 = Avx.UnpackHigh(a6, a7);
                var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
                var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
                var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
                var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
                float* d = dst + (long)p * nr + j;
                Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
                Avx.Store(d + nr, Avx.Permute2x128(u1, u5, 0x20));
                Avx.Store(d + 2L * nr, Avx.Permute2x128(u2, u6, 0x20));
                Avx.Store(d + 3L * nr, Avx.Permute2x128(u3, u7, 0x20));
                Avx.Store(d + 4L * nr, Avx.Permute2x128(u0, u4, 0x31));
                Avx.Store(d + 5L * nr, Avx.Permute2x128(u1, u5, 0x31));
                Avx.Store(d + 6L * nr, Avx.Permute2x128(u2, u6, 0x31));
                Avx.Store(d + 7L * nr, Avx.Permute2x128(u3, u7, 0x31));
            }
        }
        return blocks;
    }

    // op(A) rows row0..row0+rows (rows < mr), columns pc..pc+kc → one (kc, mr) panel, zero-padded.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(float* a, int lda, bool transposeA, int row0, int pc, int rows, int kc, int mr,
        float* dst)
    {
        for (int p = 0; p < kc; p++, dst += mr)
        {
            int i = 0;
            for (; i < rows; i++) dst[i] = transposeA ? a[(long)(pc + p) * lda + row0 + i] : a[(long)(row0 + i) * lda
                + pc + p];
            for (; i < mr; i++) dst[i] = 0;
        }
    }

    // A element (i, p) at a[i·rs + p·cs]; B a packed (kc, NR) panel; C (MR, NR) with row stride ldc.
    // bias: null, or the panel's NR bias values that every row's accumulators start from.
    private static void MicroKernel(int kc, float* a, nint rs, nint cs, float* b, float* bias, float* c, int ldc,
        bool accumulate)
    {
        if (Vector512.IsHardwareAccelerated) MicroKernel512(kc, a, rs, cs, b, bias, c, ldc, accumulate);
        else if (Vector256.IsHardwareAccelerated) MicroKernel256(kc, a, rs, cs, b, bias, c, ldc, accumulate);
        else MicroKernelScalar(kc, a, rs, cs, b, bias, c, ldc, accumulate);
    }

    // 8 rows × 32 columns: 16 zmm accumulators; per k step 2 loads of B, 8 broadcasts of A, 16 FMAs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernel512(int kc, float* a, nint rs, nint cs, float* b, float* bias, float* c, int ldc,
        bool accumulate)
    {
        nint r2 = 2 * rs, r3 = 3 * rs, r4 = 4 * rs, r5 = 5 * rs, r6 = 6 * rs, r7 = 7 * rs;
        var i0 = bias == null ? Vector512<float>.Zero : Vector512.Load(bias);
        var i1 = bias == null ? Vector512<float>.Zero : Vector512.Load(bias + 16);
        Vector512<float> c00 = i0, c01 = i1, c10 = i0, c11 = i1, c20 = i0, c21 = i1, c30 = i0, c31 = i1;
        Vector512<float> c40 = i0, c41 = i1, c50 = i0, c51 = i1, c60 = i0, c61 = i1, c70 = i0, c71 = i1;
        for (int p = 0; p < kc; p++, a += cs, b += 32)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 =
                Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[rs]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(
                x, b1, c11);
            x = Vector512.Create(a[r2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(
                x, b1, c21);
            x = Vector512.Create(a[r3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(
                x, b1, c31);
            x = Vector512.Create(a[r4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(
                x, b1, c41);
            x = Vector512.Create(a[r5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(
                x, b1, c51);
            x = Vector512.Create(a[r6]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(
                x, b1, c61);
            x = Vector512.Create(a[r7]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(
                x, b1, c71);
        }
        Store512(c, c00, c01, accumulate); c += ldc;
        Store512(c, c10, c11, accumulate); c += ldc;
        Store512(c, c20, c21, accumulate); c += ldc;
        Store512(c, c30, c31, accumulate); c += ldc;
        Store512(c, c40, c41, accumulate); c += ldc;
        Store512(c, c50, c51, accumulate); c += ldc;
        Store512(c, c60, c61, accumulate); c += ldc;
        Store512(c, c70, c71, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* c, Vector512<float> v0, Vector512<float> v1, bool accumulate)
    {
        if (accumulate) { v0 += Vector512.Load(c); v1 += Vector512.Load(c + 16); }
        v0.Store(c);
        v1.Store(c + 16);
    }

    // 6 rows × 16 columns: 12 ymm accumulators; per k step 2 loads of B, 6 broadcasts of A, 12 FMAs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernel256(int kc, float* a, nint rs, nint cs, float* b, float* bias, float* c, int ldc,
        bool accumulate)
    {
        nint r2 = 2 * rs, r3 = 3 * rs, r4 = 4 * rs, r5 = 5 * rs;
        var i0 = bias == null ? Vector256<float>.Zero : Vector256.Load(bias);
        var i1 = bias == null ? Vector256<float>.Zero : Vector256.Load(bias + 8);
        Vector256<float> c00 = i0, c01 = i1, c10 = i0, c11 = i1, c20 = i0, c21 = i1;
        Vector256<float> c30 = i0, c31 = i1, c40 = i0, c41 = i1, c50 = i0, c51 = i1;
        // Unrolled by two k steps: half the loop overhead per FMA.
        Vector256<float> b0, b1, x;
        int p = 0;
        for (; p + 2 <= kc; p += 2, a += 2 * cs, b += 32)
        {
            b0 = Vector256.Load(b + 0); b1 = Vector256.Load(b + 8);
            x = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(
                x, b1, c01);
            x = Vector256.Create(a[rs]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(
                x, b1, c11);
            x = Vector256.Create(a[r2]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(
                x, b1, c21);
            x = Vector256.Create(a[r3]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(
                x, b1, c31);
            x = Vector256.Create(a[r4]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(
                x, b1, c41);
            x = Vector256.Create(a[r5]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(
                x, b1, c51);
            b0 = Vector256.Load(b + 16); b1 = Vector256.Load(b + 24);
            x = Vector256.Create(a[cs]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(
                x, b1, c01);
            x = Vector256.Create(a[cs + rs]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 =
                Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[cs + r2]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 =
                Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[cs + r3]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 =
                Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[cs + r4]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 =
                Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[cs + r5]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 =
                Vector256.FusedMultiplyAdd(x, b1, c51);
        }
        if (p < kc)
        {
            b0 = Vector256.Load(b + 0); b1 = Vector256.Load(b + 8);
            x = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(
                x, b1, c01);
            x = Vector256.Create(a[rs]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(
                x, b1, c11);
            x = Vector256.Create(a[r2]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(
                x, b1, c21);
            x = Vector256.Create(a[r3]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(
                x, b1, c31);
            x = Vector256.Create(a[r4]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(
                x, b1, c41);
            x = Vector256.Create(a[r5]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(
                x, b1, c51);
        }
        Store256(c, c00, c01, accumulate); c += ldc;
        Store256(c, c10, c11, accumulate); c += ldc;
        Store256(c, c20, c21, accumulate); c += ldc;
        Store256(c, c30, c31, accumulate); c += ldc;
        Store256(c, c40, c41, accumulate); c += ldc;
        Store256(c, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(float* c, Vector256<float> v0, Vector256<float> v1, bool accumulate)
    {
        if (accumulate) { v0 += Vector256.Load(c); v1 += Vector256.Load(c + 8); }
        v0.Store(c);
        v1.Store(c + 8);
    }

    private static void MicroKernelScalar(int kc, float* a, nint rs, nint cs, float* b, float* bias, float* c, int ldc,
        bool accumulate)
    {
        int mr = MR, NR = Sgemm.NR;
        Span<float> acc = stackalloc float[MaxTile];
        for (int i = 0; i < mr; i++)
            for (int j = 0; j < NR; j++) acc[i * NR + j] = bias == null ? 0 : bias[j];
        for (int p = 0; p < kc; p++, a += cs, b += NR)
            for (int i = 0; i < mr; i++)
                for (int j = 0; j < NR; j++) acc[i * NR + j] += a[i * rs] * b[j];
        for (int i = 0; i < mr; i++)
            for (int j = 0; j < NR; j++) c[(long)i * ldc + j] = accumulate ? c[(long)i * ldc + j] + acc[i * NR + j]
                : acc[i * NR + j];
    }
}

/// <summary>The obviously-correct oracle for <see cref="Sgemm"/>: a triple loop accumulated in double.</summary>
public static class SgemmReference
{
    /// <summary>Same contract as <see cref="Sgemm.Multiply"/>.</summary>
    public static void Multiply(ReadOnlySpan<float> a, int lda, bool transposeA, ReadOnlySpan<float> b, int ldb,
        bool transposeB, Span<float> c, int ldc,
        int m, int n, int k, bool accumulate, ReadOnlySpan<float> bias = default)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = (accumulate ? c[i * ldc + j] : 0) + (bias.IsEmpty ? 0 : bias[j]);
                for (int p = 0; p < k; p++)
                    sum += (double)(transposeA ? a[p * lda + i] : a[i * lda + p]) * (transposeB ? b[j * ldb + p]
                        : b[p * ldb + j]);
                c[i * ldc + j] = (float)sum;
            }
    }
}
