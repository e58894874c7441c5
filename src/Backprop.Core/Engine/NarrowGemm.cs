using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Core.Engine;

/// <summary>
/// The <see cref="Gemm"/> products when the contiguous dimension is shorter than one SIMD vector (a 3-input layer, a
/// single output unit, a 4-unit hidden layer). Each output's sum stays in a register across the reduced dimension,
/// and for float, 4-lane vectors run along whichever of the two output dimensions has 4 or more elements, so a tiny
/// network's products are a few dozen instructions with independent accumulators, not chains of scalar calls.
/// Every sum is accumulated in the same order as the scalar loop (no horizontal adds, no fused multiply-add), so the
/// vector and scalar forms agree bit for bit; <see cref="GemmReference"/> is the tests' oracle for both.
/// </summary>
internal static class NarrowGemm
{
    private const int Lanes = 4; // Vector128<float>

    private static bool UseVectors<T>() => typeof(T) == typeof(float) && Vector128.IsHardwareAccelerated;

    /// <summary><c>C (m, n) = A (m, k) · B (n, k)ᵀ + bias</c>, k narrow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyTransposedAddBias<T>(ref T a, ref T b, ref T bias, ref T c, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (UseVectors<T>() && n >= Lanes)
        {
            ref float af = ref Unsafe.As<T, float>(ref a), bf = ref Unsafe.As<T, float>(ref b);
            ref float biasf = ref Unsafe.As<T, float>(ref bias), cf = ref Unsafe.As<T, float>(ref c);
            // Four units at a time: their k weights as k vectors (a 4×k block of B, transposed once), then every row.
            Span<Vector128<float>> w = stackalloc Vector128<float>[k];
            for (; j + Lanes <= n; j += Lanes)
            {
                for (int p = 0; p < k; p++)
                    w[p] = Vector128.Create(Unsafe.Add(ref bf, j * k + p), Unsafe.Add(ref bf, (j + 1) * k + p),
                        Unsafe.Add(ref bf, (j + 2) * k + p), Unsafe.Add(ref bf, (j + 3) * k + p));
                var bj = Vector128.LoadUnsafe(ref biasf, (nuint)j);
                for (int i = 0; i < m; i++)
                {
                    ref float ai = ref Unsafe.Add(ref af, i * k);
                    var sum = Vector128<float>.Zero;
                    for (int p = 0; p < k; p++) sum += Vector128.Create(Unsafe.Add(ref ai, p)) * w[p];
                    (sum + bj).StoreUnsafe(ref cf, (nuint)(i * n + j));
                }
            }
        }
        for (; j < n; j++)
        {
            ref T bj = ref Unsafe.Add(ref b, j * k);
            T bias_j = Unsafe.Add(ref bias, j);
            for (int i = 0; i < m; i++)
            {
                ref T ai = ref Unsafe.Add(ref a, i * k);
                T sum = T.Zero;
                for (int p = 0; p < k; p++) sum += Unsafe.Add(ref ai, p) * Unsafe.Add(ref bj, p);
                Unsafe.Add(ref c, i * n + j) = sum + bias_j;
            }
        }
    }

    /// <summary><c>C (n, k) += A (m, n)ᵀ · B (m, k)</c>, k narrow: <c>c[j, p] += Σ_i a[i, j] · b[i, p]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateTransposedProduct<T>(ref T a, ref T b, ref T c, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (UseVectors<T>())
        {
            ref float af = ref Unsafe.As<T, float>(ref a), bf = ref Unsafe.As<T, float>(ref b), cf = ref Unsafe.As<T,
                float>(ref c);
            if (k >= Lanes)
            {
                // Along p: rows of B and C are contiguous.
                for (int j = 0; j < n; j++)
                {
                    int p = 0;
                    for (; p + Lanes <= k; p += Lanes)
                    {
                        var sum = Vector128<float>.Zero;
                        for (int i = 0; i < m; i++)
                            sum += Vector128.Create(Unsafe.Add(ref af, i * n + j)) * Vector128.LoadUnsafe(ref bf,
                                (nuint)(i * k + p));
                        ref float cjp = ref Unsafe.Add(ref cf, j * k + p);
                        (Vector128.LoadUnsafe(ref cjp) + sum).StoreUnsafe(ref cjp);
                    }
                    for (; p < k; p++) Unsafe.Add(ref c, j * k + p) += ColumnDot(ref a, ref b, m, n, k, j, p);
                }
                return;
            }
            if (n >= Lanes)
            {
                // Along j: rows of A are contiguous; the four results go to a column of C.
                for (int p = 0; p < k; p++)
                {
                    int j = 0;
                    for (; j + Lanes <= n; j += Lanes)
                    {
                        var sum = Vector128<float>.Zero;
                        for (int i = 0; i < m; i++)
                            sum += Vector128.LoadUnsafe(ref af, (nuint)(i * n + j))
                                * Vector128.Create(Unsafe.Add(ref bf, i * k + p));
                        for (int q = 0; q < Lanes; q++) Unsafe.Add(ref cf, (j + q) * k + p) += sum.GetElement(q);
                    }
                    for (; j < n; j++) Unsafe.Add(ref c, j * k + p) += ColumnDot(ref a, ref b, m, n, k, j, p);
                }
                return;
            }
        }
        for (int j = 0; j < n; j++)
            for (int p = 0; p < k; p++)
                Unsafe.Add(ref c, j * k + p) += ColumnDot(ref a, ref b, m, n, k, j, p);
    }

    // Σ_i a[i, j] · b[i, p], in row order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T ColumnDot<T>(ref T a, ref T b, int m, int n, int k, int j, int p) where T : unmanaged,
        IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        for (int i = 0; i < m; i++) sum += Unsafe.Add(ref a, i * n + j) * Unsafe.Add(ref b, i * k + p);
        return sum;
    }

    /// <summary><c>C (m, k) = A (m, n) · B (n, k)</c>, k narrow: <c>c[i, p] = Σ_j a[i, j] · b[j, p]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<T>(ref T a, ref T b, ref T c, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p0 = 0;
        if (UseVectors<T>() && k >= Lanes)
        {
            ref float af = ref Unsafe.As<T, float>(ref a), bf = ref Unsafe.As<T, float>(ref b), cf = ref Unsafe.As<T,
                float>(ref c);
            for (; p0 + Lanes <= k; p0 += Lanes)
                for (int i = 0; i < m; i++)
                {
                    var sum = Vector128<float>.Zero;
                    for (int j = 0; j < n; j++)
                        sum += Vector128.Create(Unsafe.Add(ref af, i * n + j)) * Vector128.LoadUnsafe(ref bf,
                            (nuint)(j * k + p0));
                    sum.StoreUnsafe(ref cf, (nuint)(i * k + p0));
                }
        }
        for (int i = 0; i < m; i++)
            for (int p = p0; p < k; p++)
            {
                T sum = T.Zero;
                for (int j = 0; j < n; j++) sum += Unsafe.Add(ref a, i * n + j) * Unsafe.Add(ref b, j * k + p);
                Unsafe.Add(ref c, i * k + p) = sum;
            }
    }

    /// <summary><c>sums (n) += column sums of A (m, n)</c>, n narrow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateColumnSums<T>(ref T a, ref T sums, int m, int n) where T : unmanaged,
        IFloatingPointIeee754<T>
    {
        int j = 0;
        if (UseVectors<T>())
        {
            ref float af = ref Unsafe.As<T, float>(ref a), sf = ref Unsafe.As<T, float>(ref sums);
            for (; j + Lanes <= n; j += Lanes)
            {
                var sum = Vector128<float>.Zero;
                for (int i = 0; i < m; i++) sum += Vector128.LoadUnsafe(ref af, (nuint)(i * n + j));
                (Vector128.LoadUnsafe(ref sf, (nuint)j) + sum).StoreUnsafe(ref sf, (nuint)j);
            }
        }
        for (; j < n; j++)
        {
            T sum = T.Zero;
            for (int i = 0; i < m; i++) sum += Unsafe.Add(ref a, i * n + j);
            Unsafe.Add(ref sums, j) += sum;
        }
    }
}
