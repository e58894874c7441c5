using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Core.Engine;

/// <summary>
/// An activation owns both its forward function and its derivative, so backward always differentiates
/// exactly the function used in forward. Buffers are row-major <c>(rows, cols)</c>.
/// </summary>
public abstract class Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Which activation this is.</summary>
    public abstract ActivationKind Kind { get; }

    /// <summary><c>a = f(z)</c>.</summary>
    public abstract void Forward(ReadOnlySpan<T> z, Span<T> a, int cols);

    /// <summary>Turns <c>dL/da</c> in <paramref name="gradient"/> into <c>dL/dz</c> in place, given the forward's
    /// <paramref name="z"/> and <paramref name="a"/>.</summary>
    public abstract void Backward(ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> gradient, int cols);

    /// <summary>The activation of a layer. Throws for step/sign, which have no useful derivative.</summary>
    public static Activation<T> Create(LayerSpec layer) => layer.Activation switch
    {
        ActivationKind.Identity => new IdentityActivation<T>(),
        ActivationKind.Sigmoid => new SigmoidActivation<T>(),
        ActivationKind.Tanh => new TanhActivation<T>(),
        ActivationKind.Relu => new ReluActivation<T>(),
        ActivationKind.LeakyRelu => new LeakyReluActivation<T>(T.CreateTruncating(layer.Slope)),
        ActivationKind.Elu => new EluActivation<T>(T.CreateTruncating(layer.Alpha)),
        ActivationKind.Softplus => new SoftplusActivation<T>(),
        ActivationKind.Softmax => new SoftmaxActivation<T>(),
        _ => throw new ArgumentException(
            $"Activation {layer.Activation} has no useful derivative and cannot be trained."),
    };
}

internal sealed class IdentityActivation<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override ActivationKind Kind => ActivationKind.Identity;
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Forward(ReadOnlySpan<T> z, Span<T> a, int cols) => z.CopyTo(a);
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backward(ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> gradient, int cols) { } // f' = 1
}

internal sealed class SigmoidActivation<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override ActivationKind Kind => ActivationKind.Sigmoid;
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Forward(ReadOnlySpan<T> z, Span<T> a, int cols)
    {
        if (typeof(T) == typeof(float))
            FastSigmoid.Compute(MemoryMarshal.Cast<T, float>(z), MemoryMarshal.Cast<T, float>(a));
        else
            TensorPrimitives.Sigmoid(z, a); // double: the gradient check's exact reference
    }

    // f'(z) = a (1 − a)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backward(ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> gradient, int cols) =>
        ElementWise.MultiplyBy<T, SigmoidDerivative<T>>(a, gradient);
}

internal sealed class TanhActivation<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override ActivationKind Kind => ActivationKind.Tanh;
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Forward(ReadOnlySpan<T> z, Span<T> a, int cols) => TensorPrimitives.Tanh(z, a);

    // f'(z) = 1 − a²
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backward(ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> gradient, int cols) =>
        ElementWise.MultiplyBy<T, TanhDerivative<T>>(a, gradient);
}

internal sealed class ReluActivation<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override ActivationKind Kind => ActivationKind.Relu;
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Forward(ReadOnlySpan<T> z, Span<T> a, int cols) => TensorPrimitives.Max(z, T.Zero, a);

    // f'(z) = 1 for z > 0, else 0 (the subgradient PyTorch uses at 0).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backward(ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> gradient, int cols) =>
        ElementWise.MultiplyBy<T, ReluDerivative<T>>(z, gradient);
}

internal sealed class LeakyReluActivation<T>(T slope) : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override ActivationKind Kind => ActivationKind.LeakyRelu;
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Forward(ReadOnlySpan<T> z, Span<T> a, int cols)
    {
        for (int i = 0; i < z.Length; i++) a[i] = z[i] > T.Zero ? z[i] : slope * z[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backward(ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> gradient, int cols)
    {
        for (int i = 0; i < gradient.Length; i++) if (!(z[i] > T.Zero)) gradient[i] *= slope;
    }
}

internal sealed class EluActivation<T>(T alpha) : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override ActivationKind Kind => ActivationKind.Elu;
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Forward(ReadOnlySpan<T> z, Span<T> a, int cols)
    {
        for (int i = 0; i < z.Length; i++) a[i] = z[i] > T.Zero ? z[i] : alpha * (T.Exp(z[i]) - T.One);
    }

    // f'(z) = 1 for z > 0, else alpha·e^z = a + alpha.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backward(ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> gradient, int cols)
    {
        for (int i = 0; i < gradient.Length; i++) if (!(z[i] > T.Zero)) gradient[i] *= a[i] + alpha;
    }
}

internal sealed class SoftplusActivation<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override ActivationKind Kind => ActivationKind.Softplus;

    // ln(1 + e^z) = max(z, 0) + ln(1 + e^−|z|): never overflows.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Forward(ReadOnlySpan<T> z, Span<T> a, int cols)
    {
        for (int i = 0; i < z.Length; i++) a[i] = T.Max(z[i], T.Zero) + T.LogP1(T.Exp(-T.Abs(z[i])));
    }

    // f'(z) = sigmoid(z)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backward(ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> gradient, int cols)
    {
        for (int i = 0; i < gradient.Length; i++) gradient[i] *= T.One / (T.One + T.Exp(-z[i]));
    }
}

internal sealed class SoftmaxActivation<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override ActivationKind Kind => ActivationKind.Softmax;

    // Row max subtracted before exp (logits of 1000 stay finite); one vectorised exp over the whole block. The row
    // loops go through refs: a 10-class row is too short for span slicing and bounds checks to be noise.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Forward(ReadOnlySpan<T> z, Span<T> a, int cols)
    {
        int n = z.Length;
        if (cols <= 0 || n % cols != 0 || a.Length < n) throw new ArgumentException(
            $"Expected whole rows of {cols} values and a destination as long as the source.");
        ref T rz = ref MemoryMarshal.GetReference(z);
        ref T ra = ref MemoryMarshal.GetReference(a);
        for (int row = 0; row < n; row += cols)
        {
            ref T zr = ref Unsafe.Add(ref rz, row);
            ref T ar = ref Unsafe.Add(ref ra, row);
            T max = zr;
            for (int c = 1; c < cols; c++) max = Larger(Unsafe.Add(ref zr, c), max);
            for (int c = 0; c < cols; c++) Unsafe.Add(ref ar, c) = Unsafe.Add(ref zr, c) - max;
        }
        TensorPrimitives.Exp(a.Slice(0, n), a.Slice(0, n));
        for (int row = 0; row < n; row += cols)
        {
            ref T ar = ref Unsafe.Add(ref ra, row);
            T sum = T.Zero;
            for (int c = 0; c < cols; c++) sum += Unsafe.Add(ref ar, c);
            T inverse = T.One / sum;
            for (int c = 0; c < cols; c++) Unsafe.Add(ref ar, c) *= inverse;
        }
    }

    // v > max ? v : max, which is what maxss computes (NaN and signed zeros included): no branch for a random row's
    // maximum to mispredict.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Larger(T v, T max)
    {
        if (typeof(T) == typeof(float) && Sse.IsSupported)
        {
            float larger = Sse.MaxScalar(Vector128.CreateScalarUnsafe(Unsafe.As<T, float>(ref v)),
                Vector128.CreateScalarUnsafe(Unsafe.As<T, float>(ref max))).ToScalar();
            return Unsafe.As<float, T>(ref larger);
        }
        return v > max ? v : max;
    }

    // Full Jacobian-vector product: dz_i = a_i (g_i − Σ_j g_j a_j). With cross-entropy the loss fuses to a − y instead.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backward(ReadOnlySpan<T> z, ReadOnlySpan<T> a, Span<T> gradient, int cols)
    {
        for (int row = 0; row < gradient.Length; row += cols)
        {
            var ar = a.Slice(row, cols);
            var gr = gradient.Slice(row, cols);
            T dot = TensorPrimitives.Dot<T>(ar, gr);
            for (int i = 0; i < cols; i++) gr[i] = ar[i] * (gr[i] - dot);
        }
    }
}
