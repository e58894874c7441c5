using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Core.Engine;

/// <summary>An element-wise function in vector and scalar form; static so the JIT inlines it into the loop.</summary>
internal interface IElementFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract Vector<T> Apply(Vector<T> x);
    static abstract T Apply(T x);
}

/// <summary>Fused element-wise helpers for activation derivatives: <c>gradient[i] *= f(source[i])</c> in one SIMD
/// pass.</summary>
internal static class ElementWise
{
    /// <summary><c>gradient ⊙= TFunction(source)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyBy<T, TFunction>(ReadOnlySpan<T> source, Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TFunction : IElementFunction<T>
    {
        if (source.Length < gradient.Length) throw new ArgumentException("source is shorter than gradient.");
        ref T s = ref MemoryMarshal.GetReference(source);
        ref T g = ref MemoryMarshal.GetReference(gradient);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i + Vector<T>.Count <= gradient.Length; i += Vector<T>.Count)
                (Vector.LoadUnsafe(ref g, (nuint)i) * TFunction.Apply(Vector.LoadUnsafe(ref s, (nuint)i)))
                    .StoreUnsafe(ref g, (nuint)i);
        for (; i < gradient.Length; i++) Unsafe.Add(ref g, i) *= TFunction.Apply(Unsafe.Add(ref s, i));
    }

    /// <summary>Σ x², for gradient and weight norms. Short spans (a tiny layer's few weights) cost a handful of
    /// instructions, not a library call's dispatch; long ones run in float lanes and are summed in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SumOfSquares(ReadOnlySpan<float> x)
    {
        ref float r = ref MemoryMarshal.GetReference(x);
        int i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            Vector<float> a0 = Vector<float>.Zero, a1 = Vector<float>.Zero;
            for (; i + 2 * Vector<float>.Count <= x.Length; i += 2 * Vector<float>.Count)
            {
                var v0 = Vector.LoadUnsafe(ref r, (nuint)i);
                var v1 = Vector.LoadUnsafe(ref r, (nuint)(i + Vector<float>.Count));
                a0 = Vector.MultiplyAddEstimate(v0, v0, a0);
                a1 = Vector.MultiplyAddEstimate(v1, v1, a1);
            }
            for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
            {
                var v = Vector.LoadUnsafe(ref r, (nuint)i);
                a0 = Vector.MultiplyAddEstimate(v, v, a0);
            }
            sum = Vector.Sum(a0 + a1);
        }
        for (; i < x.Length; i++) { double v = Unsafe.Add(ref r, i); sum += v * v; }
        return sum;
    }

    /// <summary>Elements per block of <see cref="BlockedSumOfSquares"/>: 64 KB of floats.</summary>
    public const int SquaresBlock = 16384;

    /// <summary>Σ x² as the sum, in double and in order, of <see cref="SumOfSquares"/> over consecutive blocks of
    /// <see cref="SquaresBlock"/> elements (for a span no longer than one block, exactly <see cref="SumOfSquares"/>).
    /// The gradient norms are defined this way so that a pass which visits a large layer block by block, on any
    /// number of threads (the fused Adam pass), reproduces them bit for bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // a small network's layer costs one compare more than before
    public static double BlockedSumOfSquares(ReadOnlySpan<float> x) =>
        x.Length <= SquaresBlock ? SumOfSquares(x) : SumOfSquaresByBlocks(x);

    private static double SumOfSquaresByBlocks(ReadOnlySpan<float> x)
    {
        double sum = 0;
        for (int start = 0; start < x.Length; start += SquaresBlock)
            sum += SumOfSquares(x.Slice(start, Math.Min(SquaresBlock, x.Length - start)));
        return sum;
    }

    /// <summary>True when no element is NaN or ±∞ (x − x is 0 exactly for finite x and NaN otherwise).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool AllFinite(ReadOnlySpan<float> x)
    {
        ref float r = ref MemoryMarshal.GetReference(x);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var bad = Vector<int>.Zero;
            for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
            {
                var v = Vector.LoadUnsafe(ref r, (nuint)i);
                bad |= ~Vector.Equals(v - v, Vector<float>.Zero);
            }
            if (bad != Vector<int>.Zero) return false;
        }
        for (; i < x.Length; i++) if (!float.IsFinite(Unsafe.Add(ref r, i))) return false;
        return true;
    }
}

/// <summary>σ'(z) from a = σ(z): a (1 − a).</summary>
internal readonly struct SigmoidDerivative<T> : IElementFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static Vector<T> Apply(Vector<T> a) => a * (Vector<T>.One - a);
    public static T Apply(T a) => a * (T.One - a);
}

/// <summary>tanh'(z) from a = tanh(z): 1 − a².</summary>
internal readonly struct TanhDerivative<T> : IElementFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static Vector<T> Apply(Vector<T> a) => Vector<T>.One - a * a;
    public static T Apply(T a) => T.One - a * a;
}

/// <summary>ReLU'(z): 1 for z &gt; 0, else 0.</summary>
internal readonly struct ReluDerivative<T> : IElementFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static Vector<T> Apply(Vector<T> z) => Vector.ConditionalSelect(Vector.GreaterThan(z, Vector<T>.Zero),
        Vector<T>.One, Vector<T>.Zero);
    public static T Apply(T z) => z > T.Zero ? T.One : T.Zero;
}
