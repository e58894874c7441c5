namespace Backprop.Core.Tests.Engine;

/// <summary>Length checks come first, and the kernels touch only the region their shape names.</summary>
public class GemmArgumentTests
{
    private const int M = 3, N = 5, K = 7;

    // Which operand is one element short.
    public static TheoryData<string> ShortBuffers => new() { "a", "b", "c" };

    private static float[] Buffer(string name, string shortOne, int length) => new float[name == shortOne ? length - 1
        : length];

    [Theory]
    [MemberData(nameof(ShortBuffers))]
    [InlineData("bias")]
    public void MultiplyTransposedAddBias_BufferTooShort_Throws(string shortOne)
    {
        float[] a = Buffer("a", shortOne, M * K), b = Buffer("b", shortOne, N * K), bias = Buffer("bias", shortOne, N),
            c = Buffer("c", shortOne, M * N);
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposedAddBias<float>(a, b, bias, c, M, N, K));
    }

    [Theory]
    [MemberData(nameof(ShortBuffers))]
    public void AccumulateTransposedProduct_BufferTooShort_Throws(string shortOne)
    {
        float[] a = Buffer("a", shortOne, M * N), b = Buffer("b", shortOne, M * K), c = Buffer("c", shortOne, N * K);
        Assert.Throws<ArgumentException>(() => Gemm.AccumulateTransposedProduct<float>(a, b, c, M, N, K));
    }

    [Theory]
    [MemberData(nameof(ShortBuffers))]
    public void Multiply_BufferTooShort_Throws(string shortOne)
    {
        float[] a = Buffer("a", shortOne, M * N), b = Buffer("b", shortOne, N * K), c = Buffer("c", shortOne, M * K);
        Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(a, b, c, M, N, K));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("c")]
    public void AccumulateColumnSums_BufferTooShort_Throws(string shortOne)
    {
        float[] a = Buffer("a", shortOne, M * N), sums = Buffer("c", shortOne, N);
        Assert.Throws<ArgumentException>(() => Gemm.AccumulateColumnSums<float>(a, sums, M, N));
    }

    [Fact]
    public void Kernels_LeaveBufferTailsBeyondTheShapeUntouched()
    {
        const float Sentinel = 12345f;
        float[] a = Enumerable.Range(0, 100).Select(i => (i % 9 - 4) * 0.25f).ToArray();
        float[] b = Enumerable.Range(0, 100).Select(i => (i % 5 - 2) * 0.5f).ToArray();

        float[] c = Enumerable.Repeat(Sentinel, 100).ToArray();
        Gemm.MultiplyTransposedAddBias<float>(a, b, b, c, M, N, K);
        Assert.All(c[(M * N)..], v => Assert.Equal(Sentinel, v));

        c = Enumerable.Repeat(Sentinel, 100).ToArray();
        Gemm.Multiply<float>(a, b, c, M, N, K);
        Assert.All(c[(M * K)..], v => Assert.Equal(Sentinel, v));

        c = Enumerable.Repeat(Sentinel, 100).ToArray();
        Gemm.AccumulateTransposedProduct<float>(a, b, c, M, N, K);
        Assert.All(c[(N * K)..], v => Assert.Equal(Sentinel, v));

        c = Enumerable.Repeat(Sentinel, 100).ToArray();
        Gemm.AccumulateColumnSums<float>(a, c, M, N);
        Assert.All(c[N..], v => Assert.Equal(Sentinel, v));
    }
}
