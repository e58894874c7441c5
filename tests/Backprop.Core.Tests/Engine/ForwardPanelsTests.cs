namespace Backprop.Core.Tests.Engine;

/// <summary>The forward pass's packed weights, kept current by the optimizer range by range, equal a fresh packing of
/// the updated weights, and a forward pass through them gives the bits of one that packs the weights itself.</summary>
public class ForwardPanelsTests
{
    // 70 → 100 → 48 → 3: the first two layers pack (a ragged last panel of 100 units), the 3-unit output does not.
    private static readonly NetworkSpec Spec = new(70, [new LayerSpec(100, ActivationKind.Relu),
        new LayerSpec(48, ActivationKind.Tanh), new LayerSpec(3, ActivationKind.Softmax)],
        LossKind.CategoricalCrossEntropy, Seed: 9);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void OptimizerStep_KeepsPanelsEqualToAFreshPacking(int threads)
    {
        const int rows = 64;
        var network = Network<float>.Create(Spec);
        var panels = new ForwardPanels(network.Layout, rows);
        panels.PackAll(network.Parameters);
        var gradient = new float[network.Layout.Count];
        for (int i = 0; i < gradient.Length; i++) gradient[i] = (float)SplitMix64.NextDouble(3, (ulong)i) - 0.5f;
        var optimizer = new Optimizer(new OptimizerSettings(OptimizerKind.Adam, LearningRate: 0.01), Spec,
            network.Layout);

        optimizer.Apply(network.Parameters, gradient, 0.01, threads, panels);

        var fresh = new ForwardPanels(network.Layout, rows);
        fresh.PackAll(network.Parameters);
        Assert.False(panels.Layer(0).IsEmpty);
        Assert.False(panels.Layer(1).IsEmpty);
        Assert.True(panels.Layer(2).IsEmpty);
        for (int l = 0; l < network.Layout.LayerCount; l++)
            Assert.True(fresh.Layer(l).SequenceEqual(panels.Layer(l)), $"layer {l} differs from a fresh packing");
    }

    [Fact]
    public void OptimizerStep_OverManyRanges_PacksEveryPanelOfALargeLayer()
    {
        // 600 → 480: 288k weights, several of the optimizer's packing ranges, panels straddling their edges
        var spec = new NetworkSpec(600, [new LayerSpec(480, ActivationKind.Relu),
            new LayerSpec(2, ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy, Seed: 2);
        var network = Network<float>.Create(spec);
        var panels = new ForwardPanels(network.Layout, 128);
        panels.PackAll(network.Parameters);
        var gradient = new float[network.Layout.Count];
        for (int i = 0; i < gradient.Length; i++) gradient[i] = (float)SplitMix64.NextDouble(4, (ulong)i) - 0.5f;
        var optimizer = new Optimizer(new OptimizerSettings(OptimizerKind.Adam), spec, network.Layout);
        foreach (int threads in new[] { 1, 2 })
        {
            optimizer.Apply(network.Parameters, gradient, 0.01, threads, panels);
            var fresh = new ForwardPanels(network.Layout, 128);
            fresh.PackAll(network.Parameters);
            Assert.True(fresh.Layer(0).SequenceEqual(panels.Layer(0)), $"{threads} thread(s)");
        }
    }

    [Fact]
    public void Forward_WithPanels_EqualsForwardWithoutBitForBit()
    {
        const int rows = 64;
        var network = Network<float>.Create(Spec);
        var x = new float[rows * Spec.InputWidth];
        for (int i = 0; i < x.Length; i++) x[i] = (float)SplitMix64.NextDouble(5, (ulong)i);
        var panels = new ForwardPanels(network.Layout, rows);
        panels.PackAll(network.Parameters);

        var plain = network.Forward(network.CreateWorkspace(rows), x, rows).ToArray();
        var packed = network.Forward(network.CreateWorkspace(rows), x, rows, packed: panels).ToArray();

        Assert.Equal(plain, packed);
    }

    [Fact]
    public void SmallNetwork_HasNoPanels()
    {
        var spec = new NetworkSpec(4, [new LayerSpec(8, ActivationKind.Relu), new LayerSpec(3,
            ActivationKind.Softmax)], LossKind.CategoricalCrossEntropy);
        Assert.True(new ForwardPanels(new ParameterLayout(spec), 32).IsEmpty);
    }
}
