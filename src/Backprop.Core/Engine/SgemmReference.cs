namespace Backprop.Core.Engine;

/// <summary>The obviously-correct oracle for <see cref="Sgemm"/>: a triple loop accumulated in double.</summary>
public static class SgemmReference
{
    /// <summary>Same contract as <see cref="Sgemm"/>'s Multiply.</summary>
    public static void Multiply(ReadOnlySpan<float> a, int lda, bool transposeA, ReadOnlySpan<float> b, int ldb,
        bool transposeB, Span<float> c, int ldc, int m, int n, int k, bool accumulate,
        ReadOnlySpan<float> bias = default)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = (accumulate ? c[i * ldc + j] : 0) + (bias.IsEmpty ? 0 : bias[j]);
                for (int p = 0; p < k; p++)
                {
                    float x = transposeA ? a[p * lda + i] : a[i * lda + p];
                    float y = transposeB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += (double)x * y;
                }
                c[i * ldc + j] = (float)sum;
            }
    }
}
