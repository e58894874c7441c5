namespace Backprop.Core.Tests.Training;

/// <summary>An epoch's per-layer statistics: held inline for small networks (so that an epoch allocates nothing)
/// and in an array for deeper ones, with the same values either way.</summary>
public class LayerStatisticsListTests
{
    private static LayerStatistics[] Layers(int count) => Enumerable.Range(0, count).Select(l => new LayerStatistics(l,
        WeightGradientNorm: 0.5 + l, BiasGradientNorm: l == 1 ? double.NaN : 1e-3 * l,
        UpdateRatio: l == 2 ? double.PositiveInfinity : 2e-3, BiasUpdateNorm: -0.0,
        InactiveFraction: l % 2 == 0 ? 0.25 * l : null, SaturatedFraction: l % 3 == 1 ? double.NaN : null)).ToArray();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(LayerStatisticsList.InlineCapacity)]
    [InlineData(LayerStatisticsList.InlineCapacity + 1)]
    [InlineData(9)]
    public void List_HoldsEveryLayerAsGiven_InlineOrInAnArray(int count)
    {
        var layers = Layers(count);

        var list = new LayerStatisticsList(layers);

        Assert.Equal(count, list.Count);
        for (int l = 0; l < count; l++) Assert.Equal(layers[l], list[l]);
        Assert.Equal(layers, list.ToArray()); // through IEnumerable<LayerStatistics>
        var enumerated = new List<LayerStatistics>();
        foreach (var layer in list) enumerated.Add(layer); // the struct enumerator
        Assert.Equal(layers, enumerated);
        Assert.Throws<ArgumentOutOfRangeException>(() => list[-1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => list[count]);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    public void Equality_ComparesTheLayersNotTheStorage(int count)
    {
        var a = new LayerStatisticsList(Layers(count));
        var b = new LayerStatisticsList(Layers(count));
        var changed = Layers(count);
        changed[^1] = changed[^1] with { InactiveFraction = changed[^1].InactiveFraction is null ? 0 : null };

        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, new LayerStatisticsList(changed));
        Assert.NotEqual(a, new LayerStatisticsList(Layers(count - 1)));
    }

    [Fact]
    public void RunEpoch_SmallNetworkShuffledWithValidation_AllocatesNothingOnTheHeap()
    {
        var (train, _) = SampleData.Load("iris");
        var session = TrainingSession.Start(SampleData.Classifier(4, 8, 3), train,
            new TrainingOptions { Epochs = 420, ValidationFraction = 0.2, Shuffle = true, Threads = 1 });
        for (int e = 0; e < 20; e++) session.RunEpoch(); // first calls: one-time set-up

        // Four windows of 100 epochs: an allocation per epoch shows in every window, while the runtime's own one-time
        // work on this thread (a tier-up of the epoch's methods lands at a moment of its choosing) can touch one.
        var allocated = new long[4];
        double lossSum = 0;
        for (int w = 0; w < allocated.Length; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int e = 0; e < 100; e++) lossSum += session.RunEpoch()!.Value.TrainLoss;
            allocated[w] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.True(double.IsFinite(lossSum));
        Assert.True(allocated.Min() == 0, $"bytes allocated per window of 100 epochs: {string.Join(", ", allocated)}");
    }
}
