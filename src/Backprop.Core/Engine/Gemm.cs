using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Core.Engine;

/// <summary>
/// The three matrix products of a dense layer, row-major, SIMD over the contiguous dimension.
/// Forward <c>Z = A·Wᵀ + b</c>; backward <c>dW += dZᵀ·A</c> and <c>dA = dZ·W</c>.
/// Each has a plain reference implementation in <see cref="GemmReference"/> that tests compare against.
/// </summary>
public static class Gemm
{
    /// <summary><c>C (m, n) = A (m, k) · B (n, k)ᵀ + bias (n)</c> broadcast over rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyTransposedAddBias<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias,
        Span<T> c, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(a.Length, m * k, b.Length, n * k, c.Length, m * n);
        if (bias.Length < n) throw new ArgumentException("bias is shorter than n.");
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rb = ref MemoryMarshal.GetReference(b);
        ref T rc = ref MemoryMarshal.GetReference(c);
        ref T rbias = ref MemoryMarshal.GetReference(bias);
        if (IsNarrow<T>(k))
        {
            NarrowGemm.MultiplyTransposedAddBias(ref ra, ref rb, ref rbias, ref rc, m, n, k);
            return;
        }
        if (typeof(T) == typeof(float) && Avx.IsSupported && Vector<float>.Count == Vector256<float>.Count)
        {
            MultiplyTransposedAddBiasAvx(ref Unsafe.As<T, float>(ref ra), ref Unsafe.As<T, float>(ref rb),
                ref Unsafe.As<T, float>(ref rbias), ref Unsafe.As<T, float>(ref rc), m, n, k);
            return;
        }
        for (int i = 0; i < m; i++)
        {
            ref T ai = ref Unsafe.Add(ref ra, i * k);
            ref T ci = ref Unsafe.Add(ref rc, i * n);
            int j = 0;
            for (; j + 4 <= n; j += 4)
            {
                Dot4(ref ai, ref Unsafe.Add(ref rb, j * k), k, out T d0, out T d1, out T d2, out T d3);
                Unsafe.Add(ref ci, j) = d0 + bias[j];
                Unsafe.Add(ref ci, j + 1) = d1 + bias[j + 1];
                Unsafe.Add(ref ci, j + 2) = d2 + bias[j + 2];
                Unsafe.Add(ref ci, j + 3) = d3 + bias[j + 3];
            }
            for (; j < n; j++)
                Unsafe.Add(ref ci, j) = Dot(ref ai, ref Unsafe.Add(ref rb, j * k), k) + bias[j];
        }
    }

    // The float loop above for 8-lane vectors, with the four dot products of a step reduced together: three vhaddps
    // and one add give ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)) per sum, the order Vector.Sum uses, so the
    // results equal Dot4's bit for bit at a fraction of four separate horizontal sums (a 10-class output layer spends
    // most of its time there).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyTransposedAddBiasAvx(ref float a, ref float b, ref float bias, ref float c, int m,
        int n, int k)
    {
        int vectorEnd = k - k % Vector256<float>.Count;
        for (int i = 0; i < m; i++)
        {
            ref float ai = ref Unsafe.Add(ref a, i * k);
            ref float ci = ref Unsafe.Add(ref c, i * n);
            int j = 0;
            for (; j + 4 <= n; j += 4)
            {
                ref float y0 = ref Unsafe.Add(ref b, j * k);
                ref float y1 = ref Unsafe.Add(ref y0, k);
                ref float y2 = ref Unsafe.Add(ref y0, 2 * k);
                ref float y3 = ref Unsafe.Add(ref y0, 3 * k);
                var d = Dot4Avx(ref ai, ref y0, ref y1, ref y2, ref y3, k, vectorEnd);
                (d + Vector128.LoadUnsafe(ref bias, (nuint)j)).StoreUnsafe(ref ci, (nuint)j);
            }
            if (j < n)
            {
                // One to three units left (10 classes: two): the same reduction, the missing rows of B standing in
                // for themselves by repeating the last one; only the real lanes are stored.
                int left = n - j;
                ref float y0 = ref Unsafe.Add(ref b, j * k);
                ref float y1 = ref Unsafe.Add(ref y0, left > 1 ? k : 0);
                ref float y2 = ref Unsafe.Add(ref y0, left > 2 ? 2 * k : 0);
                var d = Dot4Avx(ref ai, ref y0, ref y1, ref y2, ref y2, k, vectorEnd);
                for (int q = 0; q < left; q++)
                    Unsafe.Add(ref ci, j + q) = d.GetElement(q) + Unsafe.Add(ref bias, j + q);
            }
        }
    }

    // (x·y0, x·y1, x·y2, x·y3) over k, each summed as Dot does with 8-lane vectors.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Dot4Avx(ref float x, ref float y0, ref float y1, ref float y2, ref float y3,
        int k, int vectorEnd)
    {
        Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
        for (int p = 0; p < vectorEnd; p += Vector256<float>.Count)
        {
            var xv = Vector256.LoadUnsafe(ref x, (nuint)p);
            s0 += xv * Vector256.LoadUnsafe(ref y0, (nuint)p);
            s1 += xv * Vector256.LoadUnsafe(ref y1, (nuint)p);
            s2 += xv * Vector256.LoadUnsafe(ref y2, (nuint)p);
            s3 += xv * Vector256.LoadUnsafe(ref y3, (nuint)p);
        }
        var halves = Avx.HorizontalAdd(Avx.HorizontalAdd(s0, s1), Avx.HorizontalAdd(s2, s3));
        var d = halves.GetLower() + halves.GetUpper(); // (sum 0, sum 1, sum 2, sum 3)
        for (int p = vectorEnd; p < k; p++)
            d += Vector128.Create(Unsafe.Add(ref x, p)) * Vector128.Create(Unsafe.Add(ref y0, p), Unsafe.Add(ref y1, p),
                Unsafe.Add(ref y2, p), Unsafe.Add(ref y3, p));
        return d;
    }

    /// <summary><c>C (n, k) += A (m, n)ᵀ · B (m, k)</c>: the weight gradient <c>dW += dZᵀ·A_prev</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateTransposedProduct<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int n,
        int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(a.Length, m * n, b.Length, m * k, c.Length, n * k);
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rb = ref MemoryMarshal.GetReference(b);
        ref T rc = ref MemoryMarshal.GetReference(c);
        if (IsNarrow<T>(k))
        {
            NarrowGemm.AccumulateTransposedProduct(ref ra, ref rb, ref rc, m, n, k);
            return;
        }
        for (int i = 0; i < m; i++)
        {
            ref T bi = ref Unsafe.Add(ref rb, i * k);
            ref T ai = ref Unsafe.Add(ref ra, i * n);
            for (int j = 0; j < n; j++)
            {
                T s = Unsafe.Add(ref ai, j);
                if (s != T.Zero) Axpy(s, ref bi, ref Unsafe.Add(ref rc, j * k), k);
            }
        }
    }

    /// <summary><c>C (m, k) = A (m, n) · B (n, k)</c>: the input gradient <c>dA_prev = dZ·W</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(a.Length, m * n, b.Length, n * k, c.Length, m * k);
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rb = ref MemoryMarshal.GetReference(b);
        ref T rc = ref MemoryMarshal.GetReference(c);
        if (IsNarrow<T>(k))
        {
            NarrowGemm.Multiply(ref ra, ref rb, ref rc, m, n, k);
            return;
        }
        c.Slice(0, m * k).Clear();
        for (int i = 0; i < m; i++)
        {
            ref T ai = ref Unsafe.Add(ref ra, i * n);
            ref T ci = ref Unsafe.Add(ref rc, i * k);
            for (int j = 0; j < n; j++)
            {
                T s = Unsafe.Add(ref ai, j);
                if (s != T.Zero) Axpy(s, ref Unsafe.Add(ref rb, j * k), ref ci, k);
            }
        }
    }

    /// <summary><c>bias (n) += column sums of A (m, n)</c>: the bias gradient, a plain sum of deltas over the
    /// batch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateColumnSums<T>(ReadOnlySpan<T> a, Span<T> sums, int m, int n) where T : unmanaged,
        IFloatingPointIeee754<T>
    {
        CheckLengths(a.Length, m * n, sums.Length, n, sums.Length, n);
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rs = ref MemoryMarshal.GetReference(sums);
        if (IsNarrow<T>(n))
        {
            NarrowGemm.AccumulateColumnSums(ref ra, ref rs, m, n);
            return;
        }
        // Column blocks outside, rows inside: a block's sums stay in a register across the batch. Each sum still adds
        // its rows in order, as one axpy per row would.
        int j = 0, lanes = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            // Four blocks per pass over the rows: four independent chains of adds instead of one at a time.
            for (; j + 4 * lanes <= n; j += 4 * lanes)
            {
                ref T s = ref Unsafe.Add(ref rs, j);
                Vector<T> s0 = Vector.LoadUnsafe(ref s), s1 = Vector.LoadUnsafe(ref s, (nuint)lanes);
                Vector<T> s2 = Vector.LoadUnsafe(ref s, (nuint)(2 * lanes)), s3 = Vector.LoadUnsafe(ref s,
                    (nuint)(3 * lanes));
                for (int i = 0; i < m; i++)
                {
                    ref T row = ref Unsafe.Add(ref ra, i * n + j);
                    s0 += Vector.LoadUnsafe(ref row);
                    s1 += Vector.LoadUnsafe(ref row, (nuint)lanes);
                    s2 += Vector.LoadUnsafe(ref row, (nuint)(2 * lanes));
                    s3 += Vector.LoadUnsafe(ref row, (nuint)(3 * lanes));
                }
                s0.StoreUnsafe(ref s);
                s1.StoreUnsafe(ref s, (nuint)lanes);
                s2.StoreUnsafe(ref s, (nuint)(2 * lanes));
                s3.StoreUnsafe(ref s, (nuint)(3 * lanes));
            }
            for (; j + lanes <= n; j += lanes)
            {
                var sum = Vector.LoadUnsafe(ref rs, (nuint)j);
                for (int i = 0; i < m; i++) sum += Vector.LoadUnsafe(ref ra, (nuint)(i * n + j));
                sum.StoreUnsafe(ref rs, (nuint)j);
            }
        }
        for (; j < n; j++)
        {
            T sum = Unsafe.Add(ref rs, j);
            for (int i = 0; i < m; i++) sum += Unsafe.Add(ref ra, i * n + j);
            Unsafe.Add(ref rs, j) = sum;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckLengths(int a, long needA, int b, long needB, int c, long needC)
    {
        if (a < needA || b < needB || c < needC) ThrowTooShort(a, needA, b, needB, c, needC);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTooShort(int a, long needA, int b, long needB, int c, long needC) =>
        throw new ArgumentException($"Buffer too short: got ({a}, {b}, {c}), need ({needA}, {needB}, {needC}).");

    // Below one SIMD vector of contiguous elements the loops here would run scalar, one axpy call per row: NarrowGemm
    // serves those shapes (a 3-input layer, a single output unit) instead.
    private static bool IsNarrow<T>(int contiguous) where T : unmanaged, IFloatingPointIeee754<T> =>
        contiguous < Vector<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Dot<T>(ref T x, ref T y, int k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p = 0;
        T sum = T.Zero;
        if (Vector.IsHardwareAccelerated && k >= Vector<T>.Count)
        {
            var acc = Vector<T>.Zero;
            for (; p + Vector<T>.Count <= k; p += Vector<T>.Count)
                acc += Vector.LoadUnsafe(ref x, (nuint)p) * Vector.LoadUnsafe(ref y, (nuint)p);
            sum = Vector.Sum(acc);
        }
        for (; p < k; p++) sum += Unsafe.Add(ref x, p) * Unsafe.Add(ref y, p);
        return sum;
    }

    // Four dot products of x with consecutive rows y0..y3 (stride k): x is loaded once per step.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4<T>(ref T x, ref T y, int k, out T d0, out T d1, out T d2, out T d3) where T : unmanaged,
        IFloatingPointIeee754<T>
    {
        ref T y1 = ref Unsafe.Add(ref y, k);
        ref T y2 = ref Unsafe.Add(ref y, 2 * k);
        ref T y3 = ref Unsafe.Add(ref y, 3 * k);
        int p = 0;
        d0 = d1 = d2 = d3 = T.Zero;
        if (Vector.IsHardwareAccelerated && k >= Vector<T>.Count)
        {
            Vector<T> a0 = Vector<T>.Zero, a1 = a0, a2 = a0, a3 = a0;
            for (; p + Vector<T>.Count <= k; p += Vector<T>.Count)
            {
                var xv = Vector.LoadUnsafe(ref x, (nuint)p);
                a0 += xv * Vector.LoadUnsafe(ref y, (nuint)p);
                a1 += xv * Vector.LoadUnsafe(ref y1, (nuint)p);
                a2 += xv * Vector.LoadUnsafe(ref y2, (nuint)p);
                a3 += xv * Vector.LoadUnsafe(ref y3, (nuint)p);
            }
            d0 = Vector.Sum(a0); d1 = Vector.Sum(a1); d2 = Vector.Sum(a2); d3 = Vector.Sum(a3);
        }
        for (; p < k; p++)
        {
            T xp = Unsafe.Add(ref x, p);
            d0 += xp * Unsafe.Add(ref y, p);
            d1 += xp * Unsafe.Add(ref y1, p);
            d2 += xp * Unsafe.Add(ref y2, p);
            d3 += xp * Unsafe.Add(ref y3, p);
        }
    }

    // y[0..k) += s · x[0..k)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axpy<T>(T s, ref T x, ref T y, int k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p = 0;
        if (Vector.IsHardwareAccelerated && k >= Vector<T>.Count)
        {
            var sv = new Vector<T>(s);
            for (; p + Vector<T>.Count <= k; p += Vector<T>.Count)
                (Vector.LoadUnsafe(ref y, (nuint)p) + sv * Vector.LoadUnsafe(ref x, (nuint)p))
                    .StoreUnsafe(ref y, (nuint)p);
        }
        for (; p < k; p++) Unsafe.Add(ref y, p) += s * Unsafe.Add(ref x, p);
    }
}

/// <summary>Obviously-correct triple loops with the same contracts as <see cref="Gemm"/>, accumulated in double. The
/// tests' oracle.</summary>
public static class GemmReference
{
    /// <summary>See <see cref="Gemm.MultiplyTransposedAddBias{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyTransposedAddBias<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias,
        Span<T> c, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = double.CreateTruncating(bias[j]);
                for (int p = 0; p < k; p++) s += double.CreateTruncating(a[i * k + p]) * double.CreateTruncating(
                    b[j * k + p]);
                c[i * n + j] = T.CreateTruncating(s);
            }
    }

    /// <summary>See <see cref="Gemm.AccumulateTransposedProduct{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateTransposedProduct<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int n,
        int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int j = 0; j < n; j++)
            for (int p = 0; p < k; p++)
            {
                double s = double.CreateTruncating(c[j * k + p]);
                for (int i = 0; i < m; i++) s += double.CreateTruncating(a[i * n + j]) * double.CreateTruncating(
                    b[i * k + p]);
                c[j * k + p] = T.CreateTruncating(s);
            }
    }

    /// <summary>See <see cref="Gemm.Multiply{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++)
            {
                double s = 0;
                for (int j = 0; j < n; j++) s += double.CreateTruncating(a[i * n + j]) * double.CreateTruncating(
                    b[j * k + p]);
                c[i * k + p] = T.CreateTruncating(s);
            }
    }
}
