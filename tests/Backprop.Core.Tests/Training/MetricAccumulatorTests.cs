namespace Backprop.Core.Tests.Training;

/// <summary>The training accuracy's argmax: the vector form for 8 to 16 classes against the plain loop (first
/// maximum wins; ties, signed zeros and NaN included).</summary>
public class MetricAccumulatorTests
{
    private static int LoopArgMax(float[] row)
    {
        if (row.Length == 1) return row[0] > 0.5f ? 1 : 0;
        int best = 0;
        for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        return best;
    }

    [Fact]
    public void PredictedClass_AnyWidth_EqualsTheFirstMaximumOfThePlainLoop()
    {
        var rng = new Random(31);
        float[] specials = [0f, -0f, 1f, -1f, float.NaN, float.PositiveInfinity, float.NegativeInfinity];
        for (int length = 1; length <= 20; length++)
            for (int trial = 0; trial < 400; trial++)
            {
                var row = new float[length];
                for (int c = 0; c < length; c++)
                    row[c] = trial % 4 == 0 ? specials[rng.Next(specials.Length)] // ties, zeros, NaN
                        : trial % 4 == 1 ? rng.Next(3) - 1                         // many ties
                        : (float)(rng.NextDouble() * 4 - 2);
                Assert.True(LoopArgMax(row) == MetricAccumulator.PredictedClass(row),
                    $"row [{string.Join(", ", row)}]: loop {LoopArgMax(row)}, kernel "
                    + $"{MetricAccumulator.PredictedClass(row)}");
            }
    }

    [Fact]
    public void Add_TenClassBatch_CountsRowsWhoseArgMaxIsTheLabel()
    {
        var metrics = new MetricAccumulator(outputs: 10, classification: true);
        var output = new float[3 * 10];
        output[0 * 10 + 4] = 2; output[0 * 10 + 7] = 2; // a tie: class 4 wins
        output[1 * 10 + 9] = 1;
        output[2 * 10 + 0] = -1;                         // all others 0: class 1 is the first maximum
        metrics.Add(0.5, output, new float[30], [4, 9, 0], 3);
        Assert.Equal(2.0 / 3, metrics.Accuracy);
    }
}
