namespace Backprop.Core.Tests.Training;

/// <summary>The Adam pass that also sums the gradient's squares (one read of a large gradient instead of two) against
/// its references: <see cref="Optimizer.Apply"/> for the update and <see cref="ElementWise.BlockedSumOfSquares"/>
/// for the per-layer norms, bit for bit, on one thread and several.</summary>
public class FusedNormTests
{
    // 300 → 70 → 3: 21,000 first-layer weights are two norm blocks (the second ragged, not a multiple of the vector
    // width), the rest fit in one; 21,283 parameters in all.
    private static readonly NetworkSpec Spec = new(300, [new LayerSpec(70, ActivationKind.Relu),
        new LayerSpec(3, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy);

    private static float[] Random(int count, int seed, float scale)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => scale * ((float)random.NextDouble() - 0.5f)).ToArray();
    }

    [Theory]
    [InlineData(OptimizerKind.Adam, 0.0, 1)]
    [InlineData(OptimizerKind.Adam, 0.01, 1)]
    [InlineData(OptimizerKind.AdamW, 0.01, 1)]
    [InlineData(OptimizerKind.Adam, 0.01, 3)]
    [InlineData(OptimizerKind.AdamW, 0.01, 2)]
    [InlineData(OptimizerKind.Sgd, 0.01, 1)]
    [InlineData(OptimizerKind.RmsProp, 0.0, 2)]
    public void ApplyWithSquaredNorms_EqualsApplyAndBlockedNormsBitForBit(OptimizerKind kind, double decay,
        int threads)
    {
        var layout = new ParameterLayout(Spec);
        var settings = new OptimizerSettings(kind, 0.01, WeightDecay: decay);
        var start = Random(layout.Count, 1, 1f);
        var reference = new Optimizer(settings, Spec, layout);
        var fused = new Optimizer(settings, Spec, layout);
        float[] p = (float[])start.Clone(), q = (float[])start.Clone();
        var norms = new double[2 * layout.LayerCount];
        for (int step = 0; step < 3; step++)
        {
            var gradient = Random(layout.Count, 10 + step, 2f);
            reference.Apply(p, gradient, settings.LearningRate);
            fused.ApplyWithSquaredNorms(q, gradient, settings.LearningRate, threads, norms);

            for (int l = 0; l < layout.LayerCount; l++)
            {
                var view = layout[l];
                Assert.Equal(ElementWise.BlockedSumOfSquares(gradient.AsSpan(view.WeightOffset, view.WeightCount)),
                    norms[2 * l]);
                Assert.Equal(ElementWise.BlockedSumOfSquares(gradient.AsSpan(view.BiasOffset, view.Units)),
                    norms[2 * l + 1]);
            }
        }
        Assert.Equal(p, q);
        Assert.Equal(reference.First, fused.First);
        Assert.Equal(reference.Second, fused.Second);
        Assert.Equal(reference.Step, fused.Step);
    }

    [Fact]
    public void BlockedSumOfSquares_IsTheInOrderSumOfItsBlocks()
    {
        var x = Random(3 * ElementWise.SquaresBlock + 77, 5, 2f);
        foreach (int length in new[] { 0, 5, 100, ElementWise.SquaresBlock, ElementWise.SquaresBlock + 1, x.Length })
        {
            var span = x.AsSpan(0, length);
            double expected = 0;
            for (int start = 0; start < length; start += ElementWise.SquaresBlock)
                expected += ElementWise.SumOfSquares(span.Slice(start, Math.Min(ElementWise.SquaresBlock,
                    length - start)));
            double plain = 0;
            foreach (float v in span) plain += (double)v * v;

            Assert.Equal(expected, ElementWise.BlockedSumOfSquares(span));
            Assert.Equal(plain, ElementWise.BlockedSumOfSquares(span), 1e-5 * Math.Max(1, plain));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Training_NormsFromTheAdamPass_EqualTheSeparatePassBitForBit(int threads)
    {
        // 400 → 180 → 10 (74,170 parameters: the fused pass) against the same run with a clipping threshold that is
        // never reached, which sums the norms before the update.
        const int rows = 300, width = 400, classes = 10;
        var x = Random(rows * width, 7, 2f);
        var labels = Enumerable.Range(0, rows).Select(r => r % classes).ToArray();
        var data = TrainingData.Classification(x, rows, width, labels, classes);
        var spec = new NetworkSpec(width, [new LayerSpec(180, ActivationKind.Relu),
            new LayerSpec(classes, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy, Seed: 3);
        var options = new TrainingOptions
        {
            Epochs = 2, BatchSize = 64, Seed = 4, Threads = threads, Normalization = NormalizationKind.None,
            Optimizer = new OptimizerSettings(OptimizerKind.Adam, LearningRate: 1e-3),
        };

        var fused = TrainingSession.Start(spec, data, options);
        var fusedReports = fused.Run().ToList();
        var separate = TrainingSession.Start(spec, data, options with { ClipGradientNorm = 1e30 });
        var separateReports = separate.Run().ToList();

        Assert.Equal(2, fusedReports.Count);
        for (int e = 0; e < fusedReports.Count; e++)
        {
            Assert.Equal(separateReports[e].TrainLoss, fusedReports[e].TrainLoss);
            Assert.Equal(separateReports[e].Layers, fusedReports[e].Layers);
            Assert.All(fusedReports[e].Layers, layer => Assert.True(layer.WeightGradientNorm > 0));
        }
        Assert.Equal(separate.Network.Parameters, fused.Network.Parameters);
    }

    [Fact]
    public void Training_GradientOverflowInTheAdamPass_DivergesAndKeepsTheStartWeightsAsTheSeparatePassDoes()
    {
        // Inputs of 1e17 keep the first batch's loss finite, but its first-layer gradient overflows float: the fused
        // pass finds that only after updating, and the diverged epoch's rollback must leave what the separate pass
        // (clipping configured, so it sums before the update) leaves.
        const int rows = 64, width = 300;
        var x = Enumerable.Range(0, rows * width).Select(i => 1e17f * (1 + i % 7)).ToArray();
        var y = Enumerable.Range(0, rows).Select(i => (float)i).ToArray();
        var data = TrainingData.Regression(x, rows, width, y, 1);
        var spec = new NetworkSpec(width, [new LayerSpec(220, ActivationKind.Identity),
            new LayerSpec(1, ActivationKind.Identity)], LossKind.MeanSquaredError, Seed: 3);
        var options = new TrainingOptions
        {
            Epochs = 2, BatchSize = 64, Normalization = NormalizationKind.None,
            Optimizer = new OptimizerSettings(OptimizerKind.Adam, LearningRate: 1e-3),
        };

        var fused = TrainingSession.Start(spec, data, options);
        var fusedReports = fused.Run().ToList();
        var separate = TrainingSession.Start(spec, data, options with { ClipGradientNorm = 1e30 });
        separate.Run().ToList();

        Assert.Empty(fusedReports);
        Assert.Equal(StopReason.Diverged, fused.StopReason);
        Assert.Contains("the gradient became non-finite in batch 1", fused.StopMessage);
        Assert.Equal(separate.StopMessage, fused.StopMessage);
        Assert.Equal(Network<float>.Create(spec).Parameters, fused.Network.Parameters);
        Assert.Equal(separate.Network.Parameters, fused.Network.Parameters);
        Assert.Equal(0, fused.Optimizer.Step);
        Assert.All(fused.Optimizer.Second, v => Assert.Equal(0f, v));
    }
}
