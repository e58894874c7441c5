using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Backprop.Core.Engine;

/// <summary>
/// Row-wise softmax for predictions, with <see cref="FastSigmoid"/>'s float exponential (a few ulp) instead of
/// TensorPrimitives' (which widens to double and costs as much as a small output layer's product). Training keeps <see
/// cref="SoftmaxActivation{T}"/>; the two agree to about 1e-6 relative (tested).
/// </summary>
public static class FastSoftmax
{
    /// <summary><c>a = softmax(z)</c> per row of <paramref name="cols"/> values, the row maximum subtracted before the
    /// exponential.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(ReadOnlySpan<float> z, Span<float> a, int cols)
    {
        if (cols <= 0 || z.Length % cols != 0 || a.Length < z.Length)
            throw new ArgumentException("Buffers must hold whole rows.");
        for (int row = 0; row < z.Length; row += cols)
        {
            ref float rz = ref Unsafe.Add(ref MemoryMarshal.GetReference(z), row);
            ref float ra = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), row);
            float max = rz;
            for (int c = 1; c < cols; c++) max = MathF.Max(max, Unsafe.Add(ref rz, c));
            float sum = 0;
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var m = Vector256.Create(max);
                var low = Vector256.Create(FastSigmoid.ExpMin);
                var sums = Vector256<float>.Zero;
                for (; i + 8 <= cols; i += 8)
                {
                    var x = Vector256.LoadUnsafe(ref rz, (nuint)i) - m; // ≤ 0
                    var e = Vector256.ConditionalSelect(Vector256.LessThan(x, low), Vector256<float>.Zero,
                        FastSigmoid.Exp(x));
                    e.StoreUnsafe(ref ra, (nuint)i);
                    sums += e;
                }
                sum = Vector256.Sum(sums);
            }
            for (; i < cols; i++)
            {
                float x = Unsafe.Add(ref rz, i) - max;
                float e = x < FastSigmoid.ExpMin ? 0 : FastSigmoid.Exp(x);
                Unsafe.Add(ref ra, i) = e;
                sum += e;
            }
            float inverse = 1 / sum;
            for (int c = 0; c < cols; c++) Unsafe.Add(ref ra, c) *= inverse;
        }
    }
}
