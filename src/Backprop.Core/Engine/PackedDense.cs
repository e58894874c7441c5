using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Core.Engine;

/// <summary>
/// A dense layer's weights packed once for inference: <c>W (units, inputs)</c> stored as panels of <see
/// cref="PanelWidth"/> units laid out <c>[panel][input][16]</c> (zero-padded), so <c>Z = A·Wᵀ + b</c> streams rows of A
/// against one contiguous panel with no packing per call; the training GEMM packs its operands on every call, which
/// costs as much as the product itself for the few rows of a prediction. Each output is <c>b</c> followed by fused
/// multiply-adds in input order, the same sequence for every row whatever the batch, so a row predicts the same alone
/// or in a batch (and as <see cref="Reference"/>).
/// </summary>
public sealed partial class PackedDense
{
    /// <summary>Units per panel: two 8-float vectors.</summary>
    public const int PanelWidth = 16;
    // Rows per micro-kernel call (12 accumulators + 2 weight vectors + 1 broadcast fit AVX2's 16 registers; AVX-512
    // runs 8 rows × 2 panels, 16 of its 32 registers); rows per block, so that a block of A stays in L2 while every
    // panel passes over it; inputs per pass, so that a panel's slice (16 KB) stays in L1 while the block's rows pass
    // over it. Partial sums wait in a (96, 16) tile, (96, 32) for AVX-512, between passes.
    private const int KernelRows = 6;
    private const int WideKernelRows = 8;
    private const int BlockRows = 96;
    private const int BlockInputs = 256;

    private readonly float[] _panels; // (panels, inputs, 16)
    private readonly float[] _bias;   // (panels · 16)

    /// <summary>Packs <paramref name="weights"/> <c>(units, inputs)</c> row-major and <paramref name="bias"/>
    /// <c>(units)</c>.</summary>
    public PackedDense(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int units, int inputs)
    {
        if (units <= 0 || inputs <= 0 || weights.Length != units * inputs || bias.Length != units)
            throw new ArgumentException($"Expected {units}×{inputs} weights and {units} biases.");
        Units = units;
        Inputs = inputs;
        Panels = (units + PanelWidth - 1) / PanelWidth;
        _panels = new float[(long)Panels * inputs * PanelWidth];
        _bias = new float[Panels * PanelWidth];
        bias.CopyTo(_bias);
        for (int u = 0; u < units; u++)
        {
            int panel = u / PanelWidth, lane = u % PanelWidth;
            for (int k = 0; k < inputs; k++)
                _panels[((long)panel * inputs + k) * PanelWidth + lane] = weights[u * inputs + k];
        }
    }

    /// <summary>Output units.</summary>
    public int Units { get; }

    /// <summary>Inputs per row.</summary>
    public int Inputs { get; }

    private int Panels { get; }

    /// <summary>Whether <see cref="Forward(ReadOnlySpan{float}, Span{float}, int)"/> runs vector kernels (AVX2 with
    /// FMA, or AVX-512) rather than <see cref="Reference"/>.</summary>
    public static bool IsAccelerated => Sgemm.ActiveKernel != SgemmKernel.Scalar;

    /// <summary><c>Z (rows, units) = A (rows, inputs) · Wᵀ + b</c> with the widest kernel this CPU runs.</summary>
    public void Forward(ReadOnlySpan<float> a, Span<float> z, int rows) => Forward(Sgemm.ActiveKernel, a, z, rows);

    /// <summary><c>Z (rows, units) = A (rows, inputs) · Wᵀ + b</c> with <paramref name="kernel"/>'s instruction set
    /// (scalar: <see cref="Reference"/>); every kernel gives the same floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(SgemmKernel kernel, ReadOnlySpan<float> a, Span<float> z, int rows)
    {
        if (rows < 0 || a.Length < (long)rows * Inputs || z.Length < (long)rows * Units)
            throw new ArgumentException($"Expected {rows}×{Inputs} inputs and room for {rows}×{Units} outputs.");
        if (!Sgemm.IsSupported(kernel))
            throw new PlatformNotSupportedException($"This CPU cannot run the {kernel} kernel.");
        if (kernel == SgemmKernel.Scalar)
        {
            Reference(a, z, rows);
            return;
        }
        bool wide = kernel == SgemmKernel.Avx512;
        int kernelRows = wide ? WideKernelRows : KernelRows;
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rz = ref MemoryMarshal.GetReference(z);
        Span<float> tile = stackalloc float[BlockRows * 2 * PanelWidth];
        ref float rt = ref MemoryMarshal.GetReference(tile);
        for (int start = 0; start < rows; start += BlockRows)
        {
            int count = Math.Min(BlockRows, rows - start), full = count / kernelRows * kernelRows, rest = count - full;
            if (full > 0)
                Blocked(wide, ref Unsafe.Add(ref ra, (nint)start * Inputs), full, full,
                    ref Unsafe.Add(ref rz, (nint)start * Units), ref rt);
            if (rest >= 2)
            {
                // The last rows padded with zeros to a whole kernel: one more pass costs less than streaming the
                // weights once per row.
                var scratch = ArrayPool<float>.Shared.Rent(kernelRows * Inputs);
                var padded = scratch.AsSpan(0, kernelRows * Inputs);
                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref ra, (nint)(start + full) * Inputs),
                    rest * Inputs).CopyTo(padded);
                padded[(rest * Inputs)..].Clear();
                Blocked(wide, ref MemoryMarshal.GetArrayDataReference(scratch), kernelRows, rest,
                    ref Unsafe.Add(ref rz, (nint)(start + full) * Units), ref rt);
                ArrayPool<float>.Shared.Return(scratch);
            }
            else if (rest == 1)
                SingleRow(ref Unsafe.Add(ref ra, (nint)(start + full) * Inputs),
                    ref Unsafe.Add(ref rz, (nint)(start + full) * Units), ref rt);
        }
    }

    /// <summary>A single row (a one-row prediction): four panels per pass, no padding.</summary>
    private void SingleRow(ref float row, ref float output, ref float tile)
    {
        ref float panels = ref MemoryArrayReference(_panels);
        ref float bias = ref MemoryArrayReference(_bias);
        int panelLength = Inputs * PanelWidth;
        int p = 0;
        for (; p + 4 <= Panels; p += 4)
        {
            Kernel1x64(ref row, Inputs, ref Unsafe.Add(ref panels, (nint)p * panelLength), panelLength,
                ref Unsafe.Add(ref bias, p * PanelWidth), ref tile);
            Store(ref tile, 4 * PanelWidth, 1, ref output, p * PanelWidth);
        }
        for (; p < Panels; p++)
        {
            Kernel1x16(ref row, Inputs, ref Unsafe.Add(ref panels, (nint)p * panelLength),
                ref Unsafe.Add(ref bias, p * PanelWidth), ref tile);
            Store(ref tile, PanelWidth, 1, ref output, p * PanelWidth);
        }
    }

    private void Blocked(bool wide, ref float a, int rows, int stored, ref float z, ref float tile)
    {
        if (wide) BlockedWide(ref a, rows, stored, ref z, ref tile);
        else Blocked(ref a, rows, stored, ref z, ref tile);
    }

    /// <summary>
    /// AVX2: <paramref name="rows"/> rows of A (a multiple of six) against every panel, <see cref="BlockInputs"/>
    /// inputs per pass with the partial sums in <paramref name="tile"/> <c>(rows, 16)</c>; the first <paramref name="stored"/>
    /// rows go to Z.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Blocked(ref float a, int rows, int stored, ref float z, ref float tile)
    {
        ref float panels = ref MemoryArrayReference(_panels);
        ref float bias = ref MemoryArrayReference(_bias);
        int panelLength = Inputs * PanelWidth;
        for (int p = 0; p < Panels; p++)
        {
            ref float panel = ref Unsafe.Add(ref panels, (nint)p * panelLength);
            ref float panelBias = ref Unsafe.Add(ref bias, p * PanelWidth);
            for (int k = 0; k < Inputs; k += BlockInputs)
            {
                int length = Math.Min(BlockInputs, Inputs - k);
                for (int r = 0; r < rows; r += KernelRows)
                {
                    ref float partial = ref Unsafe.Add(ref tile, r * PanelWidth);
                    ref float rows6 = ref Unsafe.Add(ref a, (nint)r * Inputs + k);
                    ref float slice = ref Unsafe.Add(ref panel, k * PanelWidth);
                    // The first pass starts every row from the bias (stride 0), later ones from the tile's partial
                    // sums.
                    if (k == 0) Kernel6x16(ref rows6, Inputs, length, ref slice, ref panelBias, 0, ref partial);
                    else Kernel6x16(ref rows6, Inputs, length, ref slice, ref partial, PanelWidth, ref partial);
                }
            }
            Store(ref tile, PanelWidth, stored, ref z, p * PanelWidth);
        }
    }

    private static ref float MemoryArrayReference(float[] array) => ref MemoryMarshal.GetArrayDataReference(array);

    /// <summary>Copies a tile <c>(rows, width)</c> to <c>Z[·, first..]</c>, leaving out the padding past <see
    /// cref="Units"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Store(ref float tile, int width, int rows, ref float z, int first)
    {
        int length = Math.Min(width, Units - first);
        for (int r = 0; r < rows; r++)
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref tile, r * width), length)
                .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref z, (nint)r * Units + first), length));
    }

    /// <summary>
    /// Six rows × one panel over <paramref name="length"/> inputs: tile <c>(6, 16)</c> = start + Σ_k a[r, k] · panel[k,
    /// ·], the start read from <paramref name="start"/> with row stride <paramref name="startStride"/> (0: the bias for
    /// every row). A's rows are <paramref name="stride"/> apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.AggressiveInlining)]
    private static void Kernel6x16(ref float a, int stride, int length, ref float panel, ref float start,
        int startStride, ref float tile)
    {
        Vector256<float> c00 = Vector256.LoadUnsafe(ref start), c01 = Vector256.LoadUnsafe(ref start, 8);
        Vector256<float> c10 = Vector256.LoadUnsafe(ref start, (nuint)startStride),
            c11 = Vector256.LoadUnsafe(ref start, (nuint)startStride + 8);
        Vector256<float> c20 = Vector256.LoadUnsafe(ref start, (nuint)(2 * startStride)),
            c21 = Vector256.LoadUnsafe(ref start, (nuint)(2 * startStride) + 8);
        Vector256<float> c30 = Vector256.LoadUnsafe(ref start, (nuint)(3 * startStride)),
            c31 = Vector256.LoadUnsafe(ref start, (nuint)(3 * startStride) + 8);
        Vector256<float> c40 = Vector256.LoadUnsafe(ref start, (nuint)(4 * startStride)),
            c41 = Vector256.LoadUnsafe(ref start, (nuint)(4 * startStride) + 8);
        Vector256<float> c50 = Vector256.LoadUnsafe(ref start, (nuint)(5 * startStride)),
            c51 = Vector256.LoadUnsafe(ref start, (nuint)(5 * startStride) + 8);
        ref float a0 = ref a;
        ref float a1 = ref Unsafe.Add(ref a, stride);
        ref float a2 = ref Unsafe.Add(ref a, 2 * stride);
        ref float a3 = ref Unsafe.Add(ref a, 3 * stride);
        ref float a4 = ref Unsafe.Add(ref a, 4 * stride);
        ref float a5 = ref Unsafe.Add(ref a, 5 * stride);
        for (int k = 0; k < length; k++)
        {
            var w0 = Vector256.LoadUnsafe(ref panel, (nuint)(k * PanelWidth));
            var w1 = Vector256.LoadUnsafe(ref panel, (nuint)(k * PanelWidth + 8));
            var x = Vector256.Create(Unsafe.Add(ref a0, k));
            c00 = Fma.MultiplyAdd(w0, x, c00); c01 = Fma.MultiplyAdd(w1, x, c01);
            x = Vector256.Create(Unsafe.Add(ref a1, k));
            c10 = Fma.MultiplyAdd(w0, x, c10); c11 = Fma.MultiplyAdd(w1, x, c11);
            x = Vector256.Create(Unsafe.Add(ref a2, k));
            c20 = Fma.MultiplyAdd(w0, x, c20); c21 = Fma.MultiplyAdd(w1, x, c21);
            x = Vector256.Create(Unsafe.Add(ref a3, k));
            c30 = Fma.MultiplyAdd(w0, x, c30); c31 = Fma.MultiplyAdd(w1, x, c31);
            x = Vector256.Create(Unsafe.Add(ref a4, k));
            c40 = Fma.MultiplyAdd(w0, x, c40); c41 = Fma.MultiplyAdd(w1, x, c41);
            x = Vector256.Create(Unsafe.Add(ref a5, k));
            c50 = Fma.MultiplyAdd(w0, x, c50); c51 = Fma.MultiplyAdd(w1, x, c51);
        }
        c00.StoreUnsafe(ref tile, 0); c01.StoreUnsafe(ref tile, 8);
        c10.StoreUnsafe(ref tile, 16); c11.StoreUnsafe(ref tile, 24);
        c20.StoreUnsafe(ref tile, 32); c21.StoreUnsafe(ref tile, 40);
        c30.StoreUnsafe(ref tile, 48); c31.StoreUnsafe(ref tile, 56);
        c40.StoreUnsafe(ref tile, 64); c41.StoreUnsafe(ref tile, 72);
        c50.StoreUnsafe(ref tile, 80); c51.StoreUnsafe(ref tile, 88);
    }

    /// <summary>One row × four panels (eight independent accumulators, so one row is not bound by the FMA
    /// latency).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.AggressiveInlining)]
    private static void Kernel1x64(ref float a, int inputs, ref float panel, int panelLength, ref float bias,
        ref float tile)
    {
        Vector256<float> c0 = Vector256.LoadUnsafe(ref bias), c1 = Vector256.LoadUnsafe(ref bias, 8);
        Vector256<float> c2 = Vector256.LoadUnsafe(ref bias, 16), c3 = Vector256.LoadUnsafe(ref bias, 24);
        Vector256<float> c4 = Vector256.LoadUnsafe(ref bias, 32), c5 = Vector256.LoadUnsafe(ref bias, 40);
        Vector256<float> c6 = Vector256.LoadUnsafe(ref bias, 48), c7 = Vector256.LoadUnsafe(ref bias, 56);
        ref float p0 = ref panel;
        ref float p1 = ref Unsafe.Add(ref panel, panelLength);
        ref float p2 = ref Unsafe.Add(ref panel, 2 * panelLength);
        ref float p3 = ref Unsafe.Add(ref panel, 3 * panelLength);
        for (int k = 0; k < inputs; k++)
        {
            var x = Vector256.Create(Unsafe.Add(ref a, k));
            nuint at = (nuint)(k * PanelWidth);
            c0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref p0, at), x, c0);
            c1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref p0, at + 8), x, c1);
            c2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref p1, at), x, c2);
            c3 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref p1, at + 8), x, c3);
            c4 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref p2, at), x, c4);
            c5 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref p2, at + 8), x, c5);
            c6 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref p3, at), x, c6);
            c7 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref p3, at + 8), x, c7);
        }
        c0.StoreUnsafe(ref tile, 0); c1.StoreUnsafe(ref tile, 8); c2.StoreUnsafe(ref tile, 16); c3.StoreUnsafe(ref tile,
            24);
        c4.StoreUnsafe(ref tile, 32); c5.StoreUnsafe(ref tile, 40); c6.StoreUnsafe(ref tile,
            48); c7.StoreUnsafe(ref tile, 56);
    }

    /// <summary>One row × one panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.AggressiveInlining)]
    private static void Kernel1x16(ref float a, int inputs, ref float panel, ref float bias, ref float tile)
    {
        Vector256<float> c0 = Vector256.LoadUnsafe(ref bias), c1 = Vector256.LoadUnsafe(ref bias, 8);
        for (int k = 0; k < inputs; k++)
        {
            var x = Vector256.Create(Unsafe.Add(ref a, k));
            c0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref panel, (nuint)(k * PanelWidth)), x, c0);
            c1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref panel, (nuint)(k * PanelWidth + 8)), x, c1);
        }
        c0.StoreUnsafe(ref tile, 0);
        c1.StoreUnsafe(ref tile, 8);
    }

    /// <summary>The plain definition, in the kernels' order of operations: <c>b</c>, then one fused multiply-add per
    /// input.</summary>
    public void Reference(ReadOnlySpan<float> a, Span<float> z, int rows)
    {
        for (int r = 0; r < rows; r++)
            for (int u = 0; u < Units; u++)
            {
                float sum = _bias[u];
                long panel = (long)(u / PanelWidth) * Inputs * PanelWidth;
                for (int k = 0; k < Inputs; k++) sum = MathF.FusedMultiplyAdd(a[r * Inputs + k], _panels[panel
                    + k * PanelWidth + u % PanelWidth], sum);
                z[r * Units + u] = sum;
            }
    }
}
