using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Core.Engine;

/// <summary>
/// The three products of a dense layer, routed by size and element type: float products large enough to amortise
/// packing go to the blocked <see cref="Sgemm"/>; tiny ones (and double, used by the gradient check) to the simple
/// SIMD loops of <see cref="Gemm"/>, which have no per-call overhead.
/// </summary>
internal static class DenseGemm
{
    // Below this many multiply-adds, or for a handful of rows (a single prediction), packing and tile bookkeeping
    // cost more than they save.
    private const long BlockedThreshold = 4096;
    private const int BlockedMinRows = 4;

    private static bool UseBlocked<T>(int rows, int units, int inputs) =>
        typeof(T) == typeof(float) && rows >= BlockedMinRows && (long)rows * units * inputs >= BlockedThreshold;

    /// <summary><c>Z (rows, units) = A (rows, inputs) · Wᵀ + b</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> w, ReadOnlySpan<T> bias, Span<T> z, int rows,
        int units, int inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Fewer units than one micro-kernel panel (e.g. a 10-class output): dot products waste no lanes on padding.
        if (!UseBlocked<T>(rows, units, inputs) || units < Sgemm.PanelWidth)
        {
            Gemm.MultiplyTransposedAddBias(a, w, bias, z, rows, units, inputs);
            return;
        }
        if (TransposesOutput(rows, units, inputs))
        {
            Sgemm.MultiplyTransposedOutput(MemoryMarshal.Cast<T, float>(a), inputs, MemoryMarshal.Cast<T, float>(w),
                inputs, MemoryMarshal.Cast<T, float>(z), units, rows, units, inputs,
                MemoryMarshal.Cast<T, float>(bias));
            return;
        }
        Sgemm.Multiply(MemoryMarshal.Cast<T, float>(a), inputs, false, MemoryMarshal.Cast<T, float>(w), inputs, true,
            MemoryMarshal.Cast<T, float>(z), units, rows, units, inputs, accumulate: false, bias: MemoryMarshal.Cast<T,
                float>(bias));
    }

    // Z = A·Wᵀ packs the transposed weights on every pass: in training, weights the optimizer has just written
    // through 15 MB of other streams, read back from L3. With more units than rows, Zᵀ = W·Aᵀ packs the smaller,
    // just-written batch instead and reads the weights in place (same bits). Only weights past L2's comfort
    // (W3's 784→512 and 512→256 layers) take it, and one thread: two split the usual product by units, each packing
    // its own part of the weights, where split by units the transposed one would pack the whole batch on each. Its
    // scratch (rows × units, per thread, kept for the next call) is capped at 4 MB.
    private const long TransposedOutputMinimumWeights = 1 << 17, TransposedOutputMaximumOutputs = 1 << 20;

    private static bool TransposesOutput(int rows, int units, int inputs) =>
        units > rows && (long)units * inputs >= TransposedOutputMinimumWeights
        && (long)rows * units <= TransposedOutputMaximumOutputs && Sgemm.MaxThreads <= 1;

    /// <summary><c>dW (units, inputs) += δᵀ · A</c> (or <c>=</c> without <paramref name="accumulate"/>) with δ
    /// <c>(rows, units)</c> and A <c>(rows, inputs)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WeightGradient<T>(ReadOnlySpan<T> delta, ReadOnlySpan<T> a, Span<T> dW, int rows, int units,
        int inputs, bool accumulate = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!UseBlocked<T>(rows, units, inputs))
        {
            if (!accumulate) dW.Slice(0, units * inputs).Clear();
            Gemm.AccumulateTransposedProduct(delta, a, dW, rows, units, inputs);
            return;
        }
        Sgemm.Multiply(MemoryMarshal.Cast<T, float>(delta), units, true, MemoryMarshal.Cast<T, float>(a), inputs, false,
            MemoryMarshal.Cast<T, float>(dW), inputs, units, inputs, rows, accumulate);
    }

    /// <summary><c>dA (rows, inputs) = δ (rows, units) · W (units, inputs)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InputGradient<T>(ReadOnlySpan<T> delta, ReadOnlySpan<T> w, Span<T> dA, int rows, int units,
        int inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!UseBlocked<T>(rows, units, inputs))
        {
            Gemm.Multiply(delta, w, dA, rows, units, inputs);
            return;
        }
        Sgemm.Multiply(MemoryMarshal.Cast<T, float>(delta), units, false, MemoryMarshal.Cast<T, float>(w), inputs,
            false, MemoryMarshal.Cast<T, float>(dA), inputs, rows, inputs, units, accumulate: false);
    }
}
