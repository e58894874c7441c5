namespace Backprop.Core.Tests.Training;

/// <summary>The working-memory estimate a job is admitted by bounds what a session really allocates, without being far
/// above it.</summary>
public class TrainingMemoryTests
{
    [Theory]
    [InlineData(OptimizerKind.Adam, 32, true)]
    [InlineData(OptimizerKind.Sgd, 120, false)]
    [InlineData(OptimizerKind.Momentum, 8, true)]
    public void Estimate_OfAnIrisRun_BoundsWhatTheSessionAllocates(OptimizerKind optimizer, int batchSize, bool shuffle)
    {
        var (train, _) = SampleData.Load("iris");
        var spec = SampleData.Classifier(4, 512, 3);
        var options = new TrainingOptions { Epochs = 1, BatchSize = batchSize, Shuffle = shuffle,
            Optimizer = new OptimizerSettings(optimizer) };
        var estimate = TrainingMemory.Estimate(spec, options, train.Rows, train.Width);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var session = TrainingSession.Start(spec, train, options);
        session.Snapshot().ToBytes(); // a checkpoint's copy of the state
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The dataset's raw rows were decoded before the session: the estimate counts them, the measurement does not.
        long raw = (long)train.Rows * (train.Width + 1) * sizeof(float);
        Assert.True(allocated <= estimate.TotalBytes - raw + 64 * 1024,
            $"allocated {allocated:N0} > estimate {estimate.TotalBytes - raw:N0} ({estimate}, rows {train.Rows})");
        Assert.True(allocated >= (estimate.TotalBytes - raw) / 2,
            $"allocated {allocated:N0}, estimate {estimate.TotalBytes - raw:N0}: too pessimistic");
        Assert.Equal(Math.Min(batchSize, train.Rows), estimate.Batch);
    }

    [Fact]
    public void Estimate_OfAHugeBatch_DoesNotOverflow()
    {
        var spec = new NetworkSpec(10, [new LayerSpec(65_536, ActivationKind.Relu),
            new LayerSpec(2, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy);
        var estimate = TrainingMemory.Estimate(spec, new TrainingOptions { BatchSize = 30_000 }, 100_000, 10);
        Assert.Equal(30_000L * (2 * 65_538 + 2 * 65_536 + 10 + 2) * sizeof(float), estimate.ActivationBytes); // ~31 GB
    }
}
