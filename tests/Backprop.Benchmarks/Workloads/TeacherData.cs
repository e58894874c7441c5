using System.Numerics.Tensors;

namespace Backprop.Benchmarks.Workloads;

/// <summary>
/// W2/W3: inputs from indexed SplitMix64 streams, labels from an integer teacher network.
/// The teacher runs in double: every product is an integer below 2^26 and every partial sum below 2^45,
/// so any summation order (including TensorPrimitives' SIMD one) is exact and equals the int64 reference.
/// </summary>
public sealed class TeacherData
{
    private const int ChunkRows = 2048;
    private const long Half = 1L << 23;

    private readonly ulong _seed;
    private readonly int _width, _classes, _pairs;
    private readonly bool _symmetric;
    private readonly double[] _ch, _cp, _at, _bt; // (pairs, F), (pairs, F), (C, F), (C, pairs)

    /// <param name="symmetric">True: x = (u − 2^23) / 2^23 ∈ [−1, 1); false: x = u / 2^24 ∈ [0, 1).</param>
    public TeacherData(ulong seed, int width, int classes, int teacherHidden, bool symmetric)
    {
        (_seed, _width, _classes, _pairs, _symmetric) = (seed, width, classes, teacherHidden / 2, symmetric);
        ulong stream = SplitMix64.Stream(seed, 2);
        ulong index = 0;
        double Next() => (long)(SplitMix64.Next(stream, index++) % 17) - 8; // integer in [-8, 8]
        _ch = new double[_pairs * width];
        _bt = new double[classes * _pairs];
        _at = new double[classes * width];
        for (int i = 0; i < _ch.Length; i++) _ch[i] = Next();
        for (int i = 0; i < _bt.Length; i++) _bt[i] = Next();
        for (int i = 0; i < _at.Length; i++) _at[i] = Next();
        _cp = new double[_ch.Length];
        for (int j = 0; j < _pairs; j++)
            for (int f = 0; f < width; f++)
                _cp[j * width + f] = _ch[j * width + (f + 1) % width]; // features rotated by one
    }

    /// <summary>Generates <paramref name="rows"/> samples from input stream <paramref name="streamK"/> (3 train, 4
    /// test).</summary>
    public DataSplit Generate(ulong streamK, int rows)
    {
        var features = new float[(long)rows * _width];
        var labels = new int[rows];
        ulong stream = SplitMix64.Stream(_seed, streamK);
        int chunks = (rows + ChunkRows - 1) / ChunkRows;
        // Rows are independent, so splitting them over threads gives identical results.
        Parallel.For(0, chunks, chunk =>
        {
            var centred = new double[_width];
            var hidden = new double[_pairs];
            int end = Math.Min(rows, (chunk + 1) * ChunkRows);
            for (int n = chunk * ChunkRows; n < end; n++)
                labels[n] = GenerateRow(stream, n, features.AsSpan(n * _width, _width), centred, hidden);
        });
        return new DataSplit(features, labels, rows, _width);
    }

    private int GenerateRow(ulong stream, int n, Span<float> x, double[] centred, double[] hidden)
    {
        ulong first = (ulong)n * (ulong)_width;
        for (int f = 0; f < _width; f++)
        {
            long u = (long)(SplitMix64.Next(stream, first + (ulong)f) >> 40); // [0, 2^24)
            x[f] = _symmetric ? (u - Half) / (float)Half : u / (float)(1 << 24); // exact in float32
            centred[f] = u - Half;
        }
        for (int j = 0; j < _pairs; j++)
        {
            double z = TensorPrimitives.Dot(_ch.AsSpan(j * _width, _width), centred);
            double zp = TensorPrimitives.Dot(_cp.AsSpan(j * _width, _width), centred);
            hidden[j] = Math.Max(z, 0) - Math.Max(zp, 0);
        }
        int best = 0;
        double bestLogit = double.NegativeInfinity;
        for (int c = 0; c < _classes; c++)
        {
            double logit = 8 * TensorPrimitives.Dot(_at.AsSpan(c * _width, _width), centred)
                           + TensorPrimitives.Dot(_bt.AsSpan(c * _pairs, _pairs), hidden);
            if (logit > bestLogit) (best, bestLogit) = (c, logit); // strict: ties keep the lowest class
        }
        return best;
    }
}
