using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Core.Engine;

/// <summary>
/// The AVX-512 kernels of <see cref="PackedDense"/>: 8 rows × two 16-unit panels per call, one zmm accumulator per
/// row and panel. Same packing and the same sequence per output (bias, then one fused multiply-add per input in order)
/// as the AVX2 kernels, so they give the same floats; twice the registers make the tile 8 × 32, so each broadcast of
/// an input feeds two fused multiply-adds of 16 lanes instead of two of 8.
/// </summary>
public sealed partial class PackedDense
{

    /// <summary>
    /// <paramref name="rows"/> rows of A (a multiple of eight) against every pair of panels, <see cref="BlockInputs"/>
    /// inputs per pass with the partial sums in <paramref name="tile"/> <c>(rows, 32)</c>; the first
    /// <paramref name="stored"/> rows go to Z. An odd last panel runs alone.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BlockedWide(ref float a, int rows, int stored, ref float z, ref float tile)
    {
        ref float panels = ref MemoryArrayReference(_panels);
        ref float bias = ref MemoryArrayReference(_bias);
        int panelLength = Inputs * PanelWidth;
        const int TileWidth = 2 * PanelWidth;
        for (int p = 0; p < Panels; p += 2)
        {
            bool pair = p + 1 < Panels;
            ref float panel = ref Unsafe.Add(ref panels, (nint)p * panelLength);
            ref float panelBias = ref Unsafe.Add(ref bias, p * PanelWidth);
            for (int k = 0; k < Inputs; k += BlockInputs)
            {
                int length = Math.Min(BlockInputs, Inputs - k);
                ref float slice = ref Unsafe.Add(ref panel, k * PanelWidth);
                for (int r = 0; r < rows; r += WideKernelRows)
                {
                    ref float partial = ref Unsafe.Add(ref tile, r * TileWidth);
                    ref float rows8 = ref Unsafe.Add(ref a, (nint)r * Inputs + k);
                    // The first pass starts every row from the bias (stride 0), later ones from the tile.
                    ref float start = ref (k == 0 ? ref panelBias : ref partial);
                    int startStride = k == 0 ? 0 : TileWidth;
                    if (pair) Kernel8x32(ref rows8, Inputs, length, ref slice, panelLength, ref start, startStride,
                        ref partial);
                    else Kernel8x16(ref rows8, Inputs, length, ref slice, ref start, startStride, ref partial);
                }
            }
            Store(ref tile, TileWidth, stored, ref z, p * PanelWidth);
        }
    }

    /// <summary>
    /// Eight rows × two panels (<paramref name="panelLength"/> apart) over <paramref name="length"/> inputs: tile
    /// <c>(8, 32)</c> = start + Σ_k a[r, k] · panels[k, ·], the start read with row stride <paramref
    /// name="startStride"/> (0: the bias for every row). A's rows are <paramref name="stride"/> apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.AggressiveInlining)]
    private static void Kernel8x32(ref float a, int stride, int length, ref float panel, int panelLength,
        ref float start, int startStride, ref float tile)
    {
        nuint s = (nuint)startStride;
        Vector512<float> c00 = Vector512.LoadUnsafe(ref start), c01 = Vector512.LoadUnsafe(ref start, 16);
        Vector512<float> c10 = Vector512.LoadUnsafe(ref start, s), c11 = Vector512.LoadUnsafe(ref start, s + 16);
        Vector512<float> c20 = Vector512.LoadUnsafe(ref start, 2 * s),
            c21 = Vector512.LoadUnsafe(ref start, 2 * s + 16);
        Vector512<float> c30 = Vector512.LoadUnsafe(ref start, 3 * s),
            c31 = Vector512.LoadUnsafe(ref start, 3 * s + 16);
        Vector512<float> c40 = Vector512.LoadUnsafe(ref start, 4 * s),
            c41 = Vector512.LoadUnsafe(ref start, 4 * s + 16);
        Vector512<float> c50 = Vector512.LoadUnsafe(ref start, 5 * s),
            c51 = Vector512.LoadUnsafe(ref start, 5 * s + 16);
        Vector512<float> c60 = Vector512.LoadUnsafe(ref start, 6 * s),
            c61 = Vector512.LoadUnsafe(ref start, 6 * s + 16);
        Vector512<float> c70 = Vector512.LoadUnsafe(ref start, 7 * s),
            c71 = Vector512.LoadUnsafe(ref start, 7 * s + 16);
        ref float a0 = ref a;
        ref float a1 = ref Unsafe.Add(ref a, stride);
        ref float a2 = ref Unsafe.Add(ref a, 2 * stride);
        ref float a3 = ref Unsafe.Add(ref a, 3 * stride);
        ref float a4 = ref Unsafe.Add(ref a, 4 * stride);
        ref float a5 = ref Unsafe.Add(ref a, 5 * stride);
        ref float a6 = ref Unsafe.Add(ref a, 6 * stride);
        ref float a7 = ref Unsafe.Add(ref a, 7 * stride);
        ref float p0 = ref panel;
        ref float p1 = ref Unsafe.Add(ref panel, panelLength);
        for (int k = 0; k < length; k++)
        {
            nuint at = (nuint)(k * PanelWidth);
            var w0 = Vector512.LoadUnsafe(ref p0, at);
            var w1 = Vector512.LoadUnsafe(ref p1, at);
            var x = Vector512.Create(Unsafe.Add(ref a0, k));
            c00 = Vector512.FusedMultiplyAdd(x, w0, c00); c01 = Vector512.FusedMultiplyAdd(x, w1, c01);
            x = Vector512.Create(Unsafe.Add(ref a1, k));
            c10 = Vector512.FusedMultiplyAdd(x, w0, c10); c11 = Vector512.FusedMultiplyAdd(x, w1, c11);
            x = Vector512.Create(Unsafe.Add(ref a2, k));
            c20 = Vector512.FusedMultiplyAdd(x, w0, c20); c21 = Vector512.FusedMultiplyAdd(x, w1, c21);
            x = Vector512.Create(Unsafe.Add(ref a3, k));
            c30 = Vector512.FusedMultiplyAdd(x, w0, c30); c31 = Vector512.FusedMultiplyAdd(x, w1, c31);
            x = Vector512.Create(Unsafe.Add(ref a4, k));
            c40 = Vector512.FusedMultiplyAdd(x, w0, c40); c41 = Vector512.FusedMultiplyAdd(x, w1, c41);
            x = Vector512.Create(Unsafe.Add(ref a5, k));
            c50 = Vector512.FusedMultiplyAdd(x, w0, c50); c51 = Vector512.FusedMultiplyAdd(x, w1, c51);
            x = Vector512.Create(Unsafe.Add(ref a6, k));
            c60 = Vector512.FusedMultiplyAdd(x, w0, c60); c61 = Vector512.FusedMultiplyAdd(x, w1, c61);
            x = Vector512.Create(Unsafe.Add(ref a7, k));
            c70 = Vector512.FusedMultiplyAdd(x, w0, c70); c71 = Vector512.FusedMultiplyAdd(x, w1, c71);
        }
        c00.StoreUnsafe(ref tile, 0); c01.StoreUnsafe(ref tile, 16);
        c10.StoreUnsafe(ref tile, 32); c11.StoreUnsafe(ref tile, 48);
        c20.StoreUnsafe(ref tile, 64); c21.StoreUnsafe(ref tile, 80);
        c30.StoreUnsafe(ref tile, 96); c31.StoreUnsafe(ref tile, 112);
        c40.StoreUnsafe(ref tile, 128); c41.StoreUnsafe(ref tile, 144);
        c50.StoreUnsafe(ref tile, 160); c51.StoreUnsafe(ref tile, 176);
        c60.StoreUnsafe(ref tile, 192); c61.StoreUnsafe(ref tile, 208);
        c70.StoreUnsafe(ref tile, 224); c71.StoreUnsafe(ref tile, 240);
    }

    /// <summary>Eight rows × one panel (the last of an odd count), into a tile of rows 32 apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.AggressiveInlining)]
    private static void Kernel8x16(ref float a, int stride, int length, ref float panel, ref float start,
        int startStride, ref float tile)
    {
        nuint s = (nuint)startStride;
        Vector512<float> c0 = Vector512.LoadUnsafe(ref start), c1 = Vector512.LoadUnsafe(ref start, s);
        Vector512<float> c2 = Vector512.LoadUnsafe(ref start, 2 * s), c3 = Vector512.LoadUnsafe(ref start, 3 * s);
        Vector512<float> c4 = Vector512.LoadUnsafe(ref start, 4 * s), c5 = Vector512.LoadUnsafe(ref start, 5 * s);
        Vector512<float> c6 = Vector512.LoadUnsafe(ref start, 6 * s), c7 = Vector512.LoadUnsafe(ref start, 7 * s);
        for (int k = 0; k < length; k++)
        {
            var w = Vector512.LoadUnsafe(ref panel, (nuint)(k * PanelWidth));
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a, k)), w, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a, stride + k)), w, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a, 2 * stride + k)), w, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a, 3 * stride + k)), w, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a, 4 * stride + k)), w, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a, 5 * stride + k)), w, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a, 6 * stride + k)), w, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a, 7 * stride + k)), w, c7);
        }
        c0.StoreUnsafe(ref tile, 0); c1.StoreUnsafe(ref tile, 32);
        c2.StoreUnsafe(ref tile, 64); c3.StoreUnsafe(ref tile, 96);
        c4.StoreUnsafe(ref tile, 128); c5.StoreUnsafe(ref tile, 160);
        c6.StoreUnsafe(ref tile, 192); c7.StoreUnsafe(ref tile, 224);
    }
}
