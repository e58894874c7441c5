using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
namespace Backprop.Core.Engine;

/// <summary>
/// A loss owns its value and its gradient with respect to the output layer's pre-activations <c>z</c>.
/// Cross-entropies fuse with their output activation (gradient <c>a − y</c>, no division by <c>a(1 − a)</c>);
/// regression losses go through the output activation's own derivative.
/// Buffers are row-major <c>(rows, cols)</c>; every loss is a mean, documented per kind in <see cref="LossKind"/>.
/// </summary>
public abstract class Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Which loss this is.</summary>
    public abstract LossKind Kind { get; }

    /// <summary>The mean loss of a batch, accumulated in double precision.</summary>
    public abstract double Value(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int rows, int cols);

    /// <summary>Writes <c>dL/dz</c> of the output layer into <paramref name="delta"/>.</summary>
    public abstract void OutputDelta(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int rows, int cols,
        Activation<T> output, Span<T> delta);

    /// <summary>
    /// The weighted mean loss <c>L = (1/rows) Σ_r w_r ℓ_r</c>, where <c>ℓ_r</c> is row r's own loss (the loss of a
    /// one-row batch), so that all weights 1 give <see cref="Value"/>. Rows are evaluated one at a time: the plain
    /// reference, and off the hot path (the gradient side is <see cref="ScaleRows"/>).
    /// </summary>
    public double WeightedValue(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int rows, int cols,
        ReadOnlySpan<T> weights)
    {
        if (weights.Length < rows) throw new ArgumentException($"Expected {rows} row weights, got {weights.Length}.",
            nameof(weights));
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            T w = weights[r];
            if (w == T.Zero) continue;
            int o = r * cols;
            total += double.CreateTruncating(w) * Value(z.Slice(o, cols), a.Slice(o, cols), y.Slice(o, cols), 1, cols);
        }
        return total / rows;
    }

    /// <summary>
    /// Turns the unweighted <c>dL/dz</c> of <see cref="OutputDelta"/> into the weighted one: every loss is a mean of
    /// per-row terms and the output activation's backward is linear and row-local, so <c>dL_w/dz_r = w_r · dL/dz_r</c>.
    /// </summary>
    public static void ScaleRows(Span<T> delta, ReadOnlySpan<T> weights, int rows, int cols)
    {
        if (weights.Length < rows || delta.Length < rows * cols) throw new ArgumentException(
            "Row weights and deltas must cover every row.");
        for (int r = 0; r < rows; r++)
        {
            T w = weights[r];
            var row = delta.Slice(r * cols, cols);
            for (int c = 0; c < row.Length; c++) row[c] *= w;
        }
    }

    /// <summary>The loss of a validated spec.</summary>
    public static Loss<T> Create(NetworkSpec spec) => spec.Loss switch
    {
        LossKind.MeanSquaredError => new MeanSquaredErrorLoss<T>(),
        LossKind.Huber => new HuberLoss<T>(T.CreateTruncating(spec.HuberDelta)),
        LossKind.BinaryCrossEntropy => new BinaryCrossEntropyLoss<T>(),
        LossKind.CategoricalCrossEntropy => new CategoricalCrossEntropyLoss<T>(),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Loss, "Unknown loss."),
    };
}

internal sealed class MeanSquaredErrorLoss<T> : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override LossKind Kind => LossKind.MeanSquaredError;

    // L = Σ (a − y)² / (rows·cols)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Value(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int rows, int cols)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double r = double.CreateTruncating(a[i] - y[i]);
            sum += r * r;
        }
        return sum / a.Length;
    }

    // dL/da = 2 (a − y) / (rows·cols), then through f'.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void OutputDelta(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int rows, int cols,
        Activation<T> output, Span<T> delta)
    {
        T scale = T.CreateTruncating(2.0) / T.CreateTruncating(a.Length);
        for (int i = 0; i < a.Length; i++) delta[i] = (a[i] - y[i]) * scale;
        output.Backward(z, a, delta, cols);
    }
}

internal sealed class HuberLoss<T>(T delta) : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override LossKind Kind => LossKind.Huber;

    // ℓ(r) = r²/2 for |r| ≤ δ, else δ(|r| − δ/2); L = mean over all outputs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Value(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int rows, int cols)
    {
        double d = double.CreateTruncating(delta), sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double r = Math.Abs(double.CreateTruncating(a[i] - y[i]));
            sum += r <= d ? 0.5 * r * r : d * (r - 0.5 * d);
        }
        return sum / a.Length;
    }

    // dℓ/da = clamp(a − y, −δ, δ)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void OutputDelta(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int rows, int cols,
        Activation<T> output, Span<T> deltaOut)
    {
        T scale = T.One / T.CreateTruncating(a.Length);
        for (int i = 0; i < a.Length; i++) deltaOut[i] = T.Clamp(a[i] - y[i], -delta, delta) * scale;
        output.Backward(z, a, deltaOut, cols);
    }
}

internal sealed class BinaryCrossEntropyLoss<T> : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override LossKind Kind => LossKind.BinaryCrossEntropy;

    // −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = max(z, 0) − z·y + ln(1 + e^−|z|), stable for any z.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Value(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int rows, int cols)
    {
        double sum = 0;
        for (int i = 0; i < z.Length; i++)
        {
            double zi = double.CreateTruncating(z[i]), yi = double.CreateTruncating(y[i]);
            sum += Math.Max(zi, 0) - zi * yi + Math.Log(1 + Math.Exp(-Math.Abs(zi)));
        }
        return sum / z.Length;
    }

    // Fused with the sigmoid: dL/dz = (a − y) / (rows·cols).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void OutputDelta(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int rows, int cols,
        Activation<T> output, Span<T> delta)
    {
        T scale = T.One / T.CreateTruncating(a.Length);
        for (int i = 0; i < a.Length; i++) delta[i] = (a[i] - y[i]) * scale;
    }
}

internal sealed class CategoricalCrossEntropyLoss<T> : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override LossKind Kind => LossKind.CategoricalCrossEntropy;

    // Per row Σ_c y_c (lse(z) − z_c), lse(z) = max z + ln Σ e^(z − max z); L = mean over rows.
    // The softmax output already holds e^(z_c − lse), so −ln a_c is the same value without a second exp pass;
    // only a probability that underflowed (a_c < 1e-30) takes the log-sum-exp route.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Value(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int rows, int cols)
    {
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated && cols is >= 8 and <= 32)
            {
                // The targets' nonzero classes from a mask, in ascending order: one-hot rows skip their zeros
                // without a mispredicted branch each, and the terms add up in the loop's order.
                ref float yr = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(y.Slice(o, cols)));
                ulong mask = 0;
                for (int c = 0; c < cols; c += 8)
                {
                    int at = Math.Min(c, cols - 8); // the last vector overlaps the one before
                    mask |= (ulong)(~Vector256.Equals(Vector256.LoadUnsafe(ref yr, (nuint)at), Vector256<float>.Zero))
                        .ExtractMostSignificantBits() << at;
                }
                for (; mask != 0; mask &= mask - 1)
                    total += Term(z, a, y, o, cols, BitOperations.TrailingZeroCount(mask));
                continue;
            }
            for (int c = 0; c < cols; c++)
                if (y[o + c] != T.Zero) total += Term(z, a, y, o, cols, c);
        }
        return total / rows;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Term(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int o, int cols, int c)
    {
        double term = a[o + c] > T.CreateTruncating(1e-30)
            ? -double.CreateTruncating(T.Log(a[o + c]))
            : LogSumExp(z.Slice(o, cols)) - double.CreateTruncating(z[o + c]);
        return double.CreateTruncating(y[o + c]) * term;
    }

    private static double LogSumExp(ReadOnlySpan<T> z)
    {
        double max = double.NegativeInfinity, sum = 0;
        foreach (var v in z) max = Math.Max(max, double.CreateTruncating(v));
        foreach (var v in z) sum += Math.Exp(double.CreateTruncating(v) - max);
        return max + Math.Log(sum);
    }

    // Fused with the softmax: dL/dz = (a·Σ_c y_c − y) / rows, which is (a − y) / rows for one-hot targets.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void OutputDelta(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, int rows, int cols,
        Activation<T> output, Span<T> delta)
    {
        T scale = T.One / T.CreateTruncating(rows);
        if (a.Length < rows * cols || y.Length < rows * cols || delta.Length < rows * cols)
            throw new ArgumentException("Outputs, targets and deltas must cover every row.");
        ref T ra = ref MemoryMarshal.GetReference(a), ry = ref MemoryMarshal.GetReference(y);
        ref T rd = ref MemoryMarshal.GetReference(delta);
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            T mass = T.Zero;
            for (int c = 0; c < cols; c++) mass += Unsafe.Add(ref ry, o + c);
            int v = 0;
            if (Vector.IsHardwareAccelerated) // lane for lane the scalar expression
            {
                Vector<T> vm = new(mass), vs = new(scale);
                for (; v + Vector<T>.Count <= cols; v += Vector<T>.Count)
                    ((Vector.LoadUnsafe(ref ra, (nuint)(o + v)) * vm - Vector.LoadUnsafe(ref ry, (nuint)(o + v))) * vs)
                        .StoreUnsafe(ref rd, (nuint)(o + v));
            }
            for (int c = v; c < cols; c++)
                Unsafe.Add(ref rd, o + c) = (Unsafe.Add(ref ra, o + c) * mass - Unsafe.Add(ref ry, o + c)) * scale;
        }
    }
}
