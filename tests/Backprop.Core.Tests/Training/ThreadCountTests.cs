namespace Backprop.Core.Tests.Training;

/// <summary>Training with two threads (products split into column chunks, the optimizer and the batch gather into
/// element ranges, all handed out from shared counters) gives bit for bit the training of one thread.</summary>
public class ThreadCountTests
{
    [Fact]
    public void TwoThreads_TrainExactlyAsOne()
    {
        // 600 → 480 → 10, batches of 128 (the last ragged): every product, the Adam pass and the gather are large
        // enough to be split.
        const int rows = 1000, width = 600, classes = 10;
        var x = new float[rows * width];
        var labels = new int[rows];
        for (int i = 0; i < x.Length; i++) x[i] = (float)SplitMix64.NextDouble(21, (ulong)i);
        for (int r = 0; r < rows; r++) labels[r] = (int)(SplitMix64.NextDouble(22, (ulong)r) * classes);
        var data = TrainingData.Classification(x, rows, width, labels, classes);
        var spec = new NetworkSpec(width, [new LayerSpec(480, ActivationKind.Relu),
            new LayerSpec(classes, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy, Seed: 4);
        var options = new TrainingOptions
        {
            Epochs = 2, BatchSize = 128, Seed = 5, Normalization = NormalizationKind.None,
            Optimizer = new OptimizerSettings(OptimizerKind.Adam, LearningRate: 1e-3),
        };

        var one = TrainingSession.Start(spec, data, options with { Threads = 1 });
        var oneLosses = one.Run().Select(r => r.TrainLoss).ToList();
        var two = TrainingSession.Start(spec, data, options with { Threads = 2 });
        var twoLosses = two.Run().Select(r => r.TrainLoss).ToList();

        Assert.Equal(oneLosses, twoLosses);
        Assert.Equal(one.Network.Parameters, two.Network.Parameters);
        Assert.Equal(one.Optimizer.First, two.Optimizer.First);
        Assert.Equal(one.Optimizer.Second, two.Optimizer.Second);
    }
}
