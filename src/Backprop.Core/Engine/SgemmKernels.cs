using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Core.Engine;

/// <summary>The register-blocked micro-kernels of <see cref="Sgemm"/>, one per instruction set, chosen at run
/// time.</summary>
public enum SgemmKernel
{
    /// <summary>Plain loops, 6 × 16 tiles: any CPU.</summary>
    Scalar,

    /// <summary>AVX2 + FMA, 6 × 16 tiles: 12 ymm accumulators + 3 temporaries fit AVX2's 16 registers.</summary>
    Avx2,

    /// <summary>AVX-512, 8 × 32 tiles: 16 zmm accumulators of AVX-512's 32 registers.</summary>
    Avx512,
}

/// <summary>
/// Micro-kernels: <c>C (mr, nr) = A·B [+ C]</c> over one A row panel <c>(mr, kc)</c> (element (i, p) at
/// <c>a[i·rs + p·cs]</c>: read in place, transposed or not, or packed) and one B micro-panel <c>(kc, nr)</c> whose
/// rows are <c>bs</c> floats apart (nr when packed; B's row stride when read in place);
/// <c>bias</c> (null or nr values) starts every row's accumulators; <c>rowBias</c> (null or mr values) instead starts
/// row i's accumulators from <c>rowBias[i]</c> (the product computed transposed, <see cref="Sgemm"/>'s
/// MultiplyTransposedOutput). Each is a sequence of broadcast-A × vector-B FMAs
/// into accumulators that stay in registers for the whole kc loop, so a tile loads and stores C once.
/// </summary>
[SkipLocalsInit] // the scalar kernel's accumulators are set before use
internal static unsafe class SgemmKernels
{
    /// <summary>Tile rows (MR) and columns (NR) of a kernel.</summary>
    public static (int Rows, int Columns) Shape(SgemmKernel kernel) => kernel == SgemmKernel.Avx512 ? (8, 32) : (6, 16);

    /// <summary>Whether this CPU (and runtime) can run the kernel at all.</summary>
    public static bool IsSupported(SgemmKernel kernel) => kernel switch
    {
        SgemmKernel.Avx512 => Avx512F.IsSupported,
        SgemmKernel.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        _ => true,
    };

    /// <summary>The widest kernel the runtime accelerates here (Vector512 can be supported but not accelerated on CPUs
    /// that slow down under 512-bit work; then AVX2 is the faster choice).</summary>
    public static SgemmKernel Best { get; } =
        Vector512.IsHardwareAccelerated && IsSupported(SgemmKernel.Avx512) ? SgemmKernel.Avx512
        : Vector256.IsHardwareAccelerated && IsSupported(SgemmKernel.Avx2) ? SgemmKernel.Avx2
        : SgemmKernel.Scalar;

    public static string Describe(SgemmKernel kernel) => kernel switch
    {
        SgemmKernel.Avx512 => "avx512 8x32",
        SgemmKernel.Avx2 => "avx2 6x16",
        _ => "scalar 6x16",
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(SgemmKernel kernel, int kc, float* a, nint rs, nint cs, float* b, nint bs, float* bias,
        float* rowBias, float* c, int ldc, bool accumulate)
    {
        if (kernel == SgemmKernel.Avx512) Avx512Tile(kc, a, rs, cs, b, bs, bias, rowBias, c, ldc, accumulate);
        else if (kernel == SgemmKernel.Avx2) Avx2Tile(kc, a, rs, cs, b, bs, bias, rowBias, c, ldc, accumulate);
        else ScalarTile(kc, a, rs, cs, b, bs, bias, rowBias, c, ldc, accumulate);
    }

    // 8 × 32: per k step 2 loads of B, 8 broadcasts of A, 16 FMAs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Avx512Tile(int kc, float* a, nint rs, nint cs, float* b, nint bs, float* bias, float* rowBias,
        float* c, int ldc, bool accumulate)
    {
        nint r2 = 2 * rs, r3 = 3 * rs, r4 = 4 * rs, r5 = 5 * rs, r6 = 6 * rs, r7 = 7 * rs;
        var i0 = bias == null ? Vector512<float>.Zero : Vector512.Load(bias);
        var i1 = bias == null ? Vector512<float>.Zero : Vector512.Load(bias + 16);
        Vector512<float> c00 = i0, c01 = i1, c10 = i0, c11 = i1, c20 = i0, c21 = i1, c30 = i0, c31 = i1;
        Vector512<float> c40 = i0, c41 = i1, c50 = i0, c51 = i1, c60 = i0, c61 = i1, c70 = i0, c71 = i1;
        if (rowBias != null)
        {
            c00 = c01 = Vector512.Create(rowBias[0]); c10 = c11 = Vector512.Create(rowBias[1]);
            c20 = c21 = Vector512.Create(rowBias[2]); c30 = c31 = Vector512.Create(rowBias[3]);
            c40 = c41 = Vector512.Create(rowBias[4]); c50 = c51 = Vector512.Create(rowBias[5]);
            c60 = c61 = Vector512.Create(rowBias[6]); c70 = c71 = Vector512.Create(rowBias[7]);
        }
        for (int p = 0; p < kc; p++, a += cs, b += bs)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[rs]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[r2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[r3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[r4]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[r5]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[r6]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[r7]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
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

    /// <summary>Columns of <see cref="RunHalf"/>'s tile: half an AVX-512 panel.</summary>
    public const int HalfColumns = 16;

    /// <summary>An AVX-512 tile of 8 rows by only 16 columns (a product's last panel when n is 16 past a multiple of
    /// 32, as W3's 784 inputs): each element the same sum as in <see cref="Run"/>'s 8 × 32 tile, without the 16 padded
    /// columns' FMAs and a copy out of scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunHalf(int kc, float* a, nint rs, nint cs, float* b, nint bs, float* bias, float* rowBias,
        float* c, int ldc, bool accumulate)
    {
        nint r2 = 2 * rs, r3 = 3 * rs, r4 = 4 * rs, r5 = 5 * rs, r6 = 6 * rs, r7 = 7 * rs;
        var i0 = bias == null ? Vector512<float>.Zero : Vector512.Load(bias);
        Vector512<float> c0 = i0, c1 = i0, c2 = i0, c3 = i0, c4 = i0, c5 = i0, c6 = i0, c7 = i0;
        if (rowBias != null)
        {
            c0 = Vector512.Create(rowBias[0]); c1 = Vector512.Create(rowBias[1]);
            c2 = Vector512.Create(rowBias[2]); c3 = Vector512.Create(rowBias[3]);
            c4 = Vector512.Create(rowBias[4]); c5 = Vector512.Create(rowBias[5]);
            c6 = Vector512.Create(rowBias[6]); c7 = Vector512.Create(rowBias[7]);
        }
        for (int p = 0; p < kc; p++, a += cs, b += bs)
        {
            var b0 = Vector512.Load(b);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[rs]), b0, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[r2]), b0, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[r3]), b0, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[r4]), b0, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[r5]), b0, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[r6]), b0, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[r7]), b0, c7);
        }
        Store512(c, c0, accumulate); c += ldc;
        Store512(c, c1, accumulate); c += ldc;
        Store512(c, c2, accumulate); c += ldc;
        Store512(c, c3, accumulate); c += ldc;
        Store512(c, c4, accumulate); c += ldc;
        Store512(c, c5, accumulate); c += ldc;
        Store512(c, c6, accumulate); c += ldc;
        Store512(c, c7, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* c, Vector512<float> v, bool accumulate)
    {
        if (accumulate) v += Vector512.Load(c);
        v.Store(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* c, Vector512<float> v0, Vector512<float> v1, bool accumulate)
    {
        if (accumulate) { v0 += Vector512.Load(c); v1 += Vector512.Load(c + 16); }
        v0.Store(c);
        v1.Store(c + 16);
    }

    // 6 × 16: per k step 2 loads of B, 6 broadcasts of A, 12 FMAs; unrolled by two steps (half the loop overhead).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Avx2Tile(int kc, float* a, nint rs, nint cs, float* b, nint bs, float* bias, float* rowBias,
        float* c, int ldc, bool accumulate)
    {
        nint r2 = 2 * rs, r3 = 3 * rs, r4 = 4 * rs, r5 = 5 * rs;
        var i0 = bias == null ? Vector256<float>.Zero : Vector256.Load(bias);
        var i1 = bias == null ? Vector256<float>.Zero : Vector256.Load(bias + 8);
        Vector256<float> c00 = i0, c01 = i1, c10 = i0, c11 = i1, c20 = i0, c21 = i1;
        Vector256<float> c30 = i0, c31 = i1, c40 = i0, c41 = i1, c50 = i0, c51 = i1;
        if (rowBias != null)
        {
            c00 = c01 = Vector256.Create(rowBias[0]); c10 = c11 = Vector256.Create(rowBias[1]);
            c20 = c21 = Vector256.Create(rowBias[2]); c30 = c31 = Vector256.Create(rowBias[3]);
            c40 = c41 = Vector256.Create(rowBias[4]); c50 = c51 = Vector256.Create(rowBias[5]);
        }
        Vector256<float> b0, b1, x;
        int p = 0;
        for (; p + 2 <= kc; p += 2, a += 2 * cs, b += 2 * bs)
        {
            b0 = Vector256.Load(b + 0); b1 = Vector256.Load(b + 8);
            x = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[rs]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[r2]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[r3]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[r4]);
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[r5]);
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
            b0 = Vector256.Load(b + bs); b1 = Vector256.Load(b + bs + 8);
            x = Vector256.Create(a[cs]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[cs + rs]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[cs + r2]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[cs + r3]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[cs + r4]);
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[cs + r5]);
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
        }
        if (p < kc)
        {
            b0 = Vector256.Load(b + 0); b1 = Vector256.Load(b + 8);
            x = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[rs]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[r2]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[r3]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[r4]);
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[r5]);
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
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

    // 6 × 16 in plain loops: the fallback, and a readable statement of what the vector kernels compute.
    private static void ScalarTile(int kc, float* a, nint rs, nint cs, float* b, nint bs, float* bias, float* rowBias,
        float* c, int ldc, bool accumulate)
    {
        const int Mr = 6, Nr = 16;
        float* acc = stackalloc float[Mr * Nr];
        for (int i = 0; i < Mr; i++)
            for (int j = 0; j < Nr; j++) acc[i * Nr + j] = rowBias != null ? rowBias[i] : bias == null ? 0 : bias[j];
        for (int p = 0; p < kc; p++, a += cs, b += bs)
            for (int i = 0; i < Mr; i++)
                for (int j = 0; j < Nr; j++) acc[i * Nr + j] += a[i * rs] * b[j];
        for (int i = 0; i < Mr; i++)
            for (int j = 0; j < Nr; j++)
                c[(long)i * ldc + j] = accumulate ? c[(long)i * ldc + j] + acc[i * Nr + j] : acc[i * Nr + j];
    }
}
