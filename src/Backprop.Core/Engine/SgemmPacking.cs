using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Core.Engine;

// Packing: copies of op(A) and op(B) blocks laid out as the micro-kernels read them.
public static unsafe partial class Sgemm
{
    // op(B) rows pc..pc+kc, columns jc..jc+nc → panels of NR columns, each (kc, NR) contiguous; the last zero-padded.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(float* b, int ldb, bool transposeB, int pc, int jc, int kc, int nc, int NR, float* packed)
    {
        for (int jr = 0; jr < nc; jr += NR)
        {
            int nr = Math.Min(NR, nc - jr);
            float* dst = packed + (long)(jr / NR) * kc * NR;
            if (transposeB)
            {
                // element (p, j) at b[j·ldb + p]: gather one value from each of the nr stored rows, write the panel
                // row contiguously
                float* rowStart = b + (long)(jc + jr) * ldb + pc;
                int done = 0;
                if (Avx.IsSupported && nr == NR) done = PackTransposedBlocks(rowStart, ldb, kc, NR, dst);
                dst += (long)done * NR;
                for (int p = done; p < kc; p++, dst += NR)
                {
                    float* src = rowStart + p;
                    int j = 0;
                    for (; j < nr; j++) dst[j] = src[(long)j * ldb];
                    for (; j < NR; j++) dst[j] = 0;
                }
                continue;
            }
            for (int p = 0; p < kc; p++, dst += NR)
            {
                float* src = b + (long)(pc + p) * ldb + jc + jr;
                if (nr == NR) CopyRow(src, dst, NR);
                else
                {
                    for (int j = 0; j < nr; j++) dst[j] = src[j];
                    for (int j = nr; j < NR; j++) dst[j] = 0;
                }
            }
        }
    }

    // One panel row of NR floats (16 or 32): inline vector copies, where a call to a general copy per 64-128 bytes
    // cost more than the copy.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow(float* src, float* dst, int count)
    {
        int j = 0;
        for (; j + 8 <= count; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
        for (; j < count; j++) dst[j] = src[j];
    }

    // Full panels of a transposed B, 8 × 8 blocks at a time: 8 stored rows × 8 consecutive values are loaded as 8
    // vectors, transposed in registers, and stored as 8 panel rows. Returns how many panel rows (a multiple of 8) it
    // filled.
    private static int PackTransposedBlocks(float* rows, int ldb, int kc, int nr, float* dst)
    {
        int blocks = kc / 8 * 8;
        for (int j = 0; j < nr; j += 8)
        {
            float* r0 = rows + (long)j * ldb;
            for (int p = 0; p < blocks; p += 8) Transpose8x8(r0 + p, ldb, dst + (long)p * nr + j, nr);
        }
        return blocks;
    }

    // op(A) rows row0..row0+rows (rows < mr), columns pc..pc+kc → one (kc, mr) panel, zero-padded.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(float* a, int lda, bool transposeA, int row0, int pc, int rows, int kc, int mr,
        float* dst)
    {
        for (int p = 0; p < kc; p++, dst += mr)
        {
            int i = 0;
            for (; i < rows; i++)
                dst[i] = transposeA ? a[(long)(pc + p) * lda + row0 + i] : a[(long)(row0 + i) * lda + pc + p];
            for (; i < mr; i++) dst[i] = 0;
        }
    }
}
