using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
namespace Backprop.Core.Training;

/// <summary>Accumulates loss, accuracy and squared errors over batches of network outputs.</summary>
internal sealed class MetricAccumulator(int outputs, bool classification)
{
    private readonly double[] _squaredError = new double[outputs]; // per output, normalised units
    private double _lossSum;
    private long _correct;
    private long _rows;

    public void Reset()
    {
        for (int c = 0; c < _squaredError.Length; c++) _squaredError[c] = 0; // a few outputs: no library call
        _lossSum = 0; _correct = 0; _rows = 0;
    }

    /// <summary>Adds a batch: its mean loss, outputs <c>(rows, outputs)</c>, encoded targets and labels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(double meanLoss, ReadOnlySpan<float> output, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels,
        int rows)
    {
        _lossSum += meanLoss * rows;
        _rows += rows;
        if (classification)
        {
            if (output.Length < rows * outputs || labels.Length < rows) throw new ArgumentException(
                "Expected an output row and a label per row.");
            ref float first = ref MemoryMarshal.GetReference(output);
            ref int label = ref MemoryMarshal.GetReference(labels);
            long correct = 0;
            for (int r = 0; r < rows; r++)
                if (PredictedClass(ref Unsafe.Add(ref first, r * outputs), outputs) == Unsafe.Add(ref label, r))
                    correct++;
            _correct += correct;
        }
        else
        {
            for (int i = 0; i < rows * outputs; i++)
            {
                double d = output[i] - targets[i];
                _squaredError[i % outputs] += d * d;
            }
        }
    }

    /// <summary>Argmax of a row, or output &gt; 0.5 for a single (sigmoid) unit.</summary>
    public static int PredictedClass(ReadOnlySpan<float> row) =>
        PredictedClass(ref MemoryMarshal.GetReference(row), row.Length);

    // The same on a row of a batch, without a span per row (a 10-class row is a dozen instructions).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PredictedClass(ref float row, int length)
    {
        if (length == 1) return row > 0.5f ? 1 : 0;
        if (Avx.IsSupported && length is >= 8 and <= 16) return PredictedClassAvx(ref row, length);
        return PredictedClassLoop(ref row, length);
    }

    private static int PredictedClassLoop(ref float row, int length)
    {
        // Branch-free: which class of a random row wins is unpredictable.
        int best = 0;
        float top = row;
        for (int c = 1; c < length; c++)
        {
            float value = Unsafe.Add(ref row, c);
            bool greater = value > top;
            best = greater ? c : best;
            top = greater ? value : top;
        }
        return best;
    }

    // 8 to 16 classes (the usual 10) as two overlapping 8-lane vectors: the row maximum, then the first position
    // holding it, which is the loop's answer (ties go to the lowest class; -0 and +0 tie). A row with a NaN takes the
    // loop, whose answer depends on where the NaN sits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PredictedClassAvx(ref float row, int length)
    {
        var head = Vector256.LoadUnsafe(ref row);
        var tail = Vector256.LoadUnsafe(ref row, (nuint)(length - 8));
        if (!Vector256.EqualsAll(head, head) || !Vector256.EqualsAll(tail, tail)) return PredictedClassLoop(ref row,
            length);
        var both = Avx.Max(head, tail);
        var four = Sse.Max(both.GetLower(), both.GetUpper());
        var two = Sse.Max(four, Vector128.Shuffle(four, Vector128.Create(2, 3, 0, 1)));
        var one = Sse.Max(two, Vector128.Shuffle(two, Vector128.Create(1, 0, 3, 2))); // the maximum in every lane
        var top = Vector256.Create(one, one);
        uint first = Vector256.Equals(head, top).ExtractMostSignificantBits();
        return first != 0 ? BitOperations.TrailingZeroCount(first)
            : length - 8 + BitOperations.TrailingZeroCount(Vector256.Equals(tail, top).ExtractMostSignificantBits());
    }

    public double MeanLoss => _lossSum / _rows;
    public double? Accuracy => classification && _rows > 0 ? (double)_correct / _rows : null;

    /// <summary>RMSE over all outputs in raw units (normalised errors scaled back by each column's scale).</summary>
    public double? Rmse(Normalizer? targets)
    {
        if (classification || _rows == 0) return null;
        double sum = 0;
        for (int c = 0; c < outputs; c++)
        {
            double scale = targets?.Scales[c] ?? 1;
            sum += _squaredError[c] * scale * scale;
        }
        return Math.Sqrt(sum / (_rows * outputs));
    }

    /// <summary>Mean over outputs of 1 − SSE/SST (affine-invariant, so normalised units give the raw-unit
    /// value).</summary>
    public double? R2(double[] variance)
    {
        if (classification || _rows == 0) return null;
        double sum = 0;
        for (int c = 0; c < outputs; c++)
            sum += variance[c] > 0 ? 1 - _squaredError[c] / (variance[c] * _rows) : 0;
        return sum / outputs;
    }
}
