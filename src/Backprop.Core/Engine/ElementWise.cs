using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Core;

/// <summary>An element-wise function in vector and scalar form; static so the JIT inlines it into the loop.</summary>
internal interface IElementFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract Vector<T> Apply(Vector<T> x);
    static abstract T Apply(T x);
}

/// <summary>Fused element-wise helpers for activation derivatives: <c>gradient[i] *= f(source[i])</c> in one SIMD pass.</summary>
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
                (Vector.LoadUnsafe(ref g, (nuint)i) * TFunction.Apply(Vector.LoadUnsafe(ref s, (nuint)i))).StoreUnsafe(ref g, (nuint)i);
        for (; i < gradient.Length; i++) Unsafe.Add(ref g, i) *= TFunction.Apply(Unsafe.Add(ref s, i));
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
    public static Vector<T> Apply(Vector<T> z) => Vector.ConditionalSelect(Vector.GreaterThan(z, Vector<T>.Zero), Vector<T>.One, Vector<T>.Zero);
    public static T Apply(T z) => z > T.Zero ? T.One : T.Zero;
}
