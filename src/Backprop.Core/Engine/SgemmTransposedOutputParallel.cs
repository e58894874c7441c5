namespace Backprop.Core.Engine;

// The transposed forward product on several threads.
public static unsafe partial class Sgemm
{
    // Cᵀ = B·Aᵀ split by the rows of A (the batch: columns of Cᵀ), in NR-aligned chunks of about 64 rows from a
    // shared counter. Each chunk packs only its own rows of the batch, reads all the weights in place, and transposes
    // its block of Cᵀ into its own rows of C. One thread's half of W3's 784→512 forward after a 16 MB write took
    // 476-484 µs this way against 494-502 µs for half the units by the usual product (which packs its part of the
    // weights); split by 64 units instead, every chunk packed the whole batch (0.95× the usual product on W3). A
    // caller left alone runs both halves, about one thread's transposed product. Each sum has the same terms,
    // order, k blocks and bias as on one thread: the same bits.
    private sealed class TransposedOutputChunks(SgemmKernel kernel, float* a, int lda, float* b, int ldb, float* c,
        int ldc, int m, int n, int k, float* bias)
    {
        private readonly int _width = Math.Max(1, ChunkColumns / SgemmKernels.Shape(kernel).Columns)
            * SgemmKernels.Shape(kernel).Columns;

        public int Count => (m + _width - 1) / _width;

        public void Run(int chunk)
        {
            int first = chunk * _width, rows = Math.Min(_width, m - first), size = n * rows;
            // the thread's own scratch for its block of Cᵀ (n, rows)
            var scratch = t_transposedC is { } held && held.Length >= size ? held : t_transposedC = new float[size];
            fixed (float* pt = scratch)
            {
                var operands = new Operands(kernel, b, ldb, false, a + (long)first * lda, lda, true, pt, rows, false,
                    null, bias);
                MultiplyCore(operands, n, rows, k);
                Transpose(pt, n, rows, c + (long)first * ldc, ldc);
            }
        }
    }
}
