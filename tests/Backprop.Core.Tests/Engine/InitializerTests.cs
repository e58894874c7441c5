namespace Backprop.Core.Tests.Engine;

/// <summary>The random streams and initial weights reproduce the benchmark workloads' check values bit for
/// bit.</summary>
public class InitializerTests
{
    // W2 "tabular": 32-64-64-10, Glorot uniform, seed 2.
    private static NetworkSpec Tabular(ulong seed = 2, InitKind init = InitKind.GlorotUniform) => new(32,
        [new(64, ActivationKind.Relu), new(64, ActivationKind.Relu), new(10, ActivationKind.Softmax)],
        LossKind.CategoricalCrossEntropy, init, seed);

    [Fact]
    public void SplitMix64_ReproducesTheReferenceOutputsOfSeedZero()
    {
        Assert.Equal(16294208416658607535UL, SplitMix64.Next(0, 0));
        Assert.Equal(7960286522194355700UL, SplitMix64.Next(0, 1));
        Assert.Equal(487617019471545679UL, SplitMix64.Next(0, 2));
    }

    [Fact]
    public void GlorotUniformWeightsOfTheTabularWorkload_MatchTheReferenceExactly()
    {
        var network = Network<float>.Create(Tabular());
        Assert.Equal([-0.24625630676746368f, 0.2306872010231018f, 0.09112255275249481f, -0.13510902225971222f],
            network.Parameters[..4]);
    }

    [Fact]
    public void InitialWeights_UseOneCounterAcrossLayers()
    {
        // Layer 1's first weight is draw number 32·64 of the stream seed·1000 + 1, with that layer's own limit.
        var network = Network<float>.Create(Tabular());
        double u = SplitMix64.NextDouble(2 * 1000 + 1, 32 * 64);
        float expected = (float)((2 * u - 1) * Math.Sqrt(6.0 / (64 + 64)));
        Assert.Equal(expected, network.Weights(network.Layout[1])[0]);
    }

    [Fact]
    public void Biases_StartAtZero()
    {
        var network = Network<float>.Create(Tabular(init: InitKind.HeNormal));
        for (int l = 0; l < network.Layout.LayerCount; l++)
            Assert.All(network.Biases(network.Layout[l]).ToArray(), b => Assert.Equal(0f, b));
    }

    [Theory]
    [InlineData(ActivationKind.Relu, InitKind.HeUniform)]
    [InlineData(ActivationKind.LeakyRelu, InitKind.HeUniform)]
    [InlineData(ActivationKind.Elu, InitKind.HeUniform)]
    [InlineData(ActivationKind.Tanh, InitKind.GlorotUniform)]
    [InlineData(ActivationKind.Sigmoid, InitKind.GlorotUniform)]
    [InlineData(ActivationKind.Identity, InitKind.GlorotUniform)]
    [InlineData(ActivationKind.Softplus, InitKind.GlorotUniform)]
    [InlineData(ActivationKind.Softmax, InitKind.GlorotUniform)]
    public void AutoInit_ResolvesByActivation(ActivationKind activation, InitKind expected)
    {
        Assert.Equal(expected, Initializer.Resolve(InitKind.Auto, activation));
        // explicit choices pass through
        Assert.Equal(InitKind.GlorotNormal, Initializer.Resolve(InitKind.GlorotNormal, activation));
    }

    [Fact]
    public void AutoInitOfReluNet_DrawsTheSameWeightsAsExplicitHeUniform()
    {
        var auto = Network<float>.Create(Tabular(init: InitKind.Auto));
        var he = Network<float>.Create(Tabular(init: InitKind.HeUniform));
        Assert.Equal(he.Weights(he.Layout[0]).ToArray(), auto.Weights(auto.Layout[0]).ToArray());
        // softmax layer: Glorot
        Assert.NotEqual(he.Weights(he.Layout[2]).ToArray(), auto.Weights(auto.Layout[2]).ToArray());
    }

    [Theory]
    [InlineData(InitKind.GlorotUniform, false)]
    [InlineData(InitKind.HeUniform, false)]
    [InlineData(InitKind.GlorotNormal, true)]
    [InlineData(InitKind.HeNormal, true)]
    public void InitialWeights_FollowTheSchemesScale(InitKind init, bool normal)
    {
        // First layer, 32 → 64: uniform limits sqrt(6/(in+out)) or sqrt(6/in); normal std sqrt(2/(in+out)) or
        // sqrt(2/in).
        var weights = Network<double>.Create(Tabular(seed: 9, init: init)).Parameters[..(32 * 64)];
        bool glorot = init is InitKind.GlorotUniform or InitKind.GlorotNormal;
        double fan = glorot ? 32 + 64 : 32;
        if (!normal)
        {
            double limit = Math.Sqrt(6 / fan), max = weights.Max(Math.Abs);
            Assert.True(max <= limit && max > 0.99 * limit,
                $"2048 uniform draws span ±{limit:F4}: max |w| = {max:F4} (expected within 1% below the limit)");
        }
        else
        {
            double std = Math.Sqrt(2 / fan), sample = Math.Sqrt(weights.Select(w => w * w).Average());
            Assert.True(Math.Abs(sample / std - 1) < 0.05,
                $"2048 normal draws have std {std:F4}: sample {sample:F4} (tolerance 5%)");
        }
    }

    [Fact]
    public void SameSeed_GivesSameWeights_OtherSeedDifferentOnes()
    {
        Assert.Equal(Network<float>.Create(Tabular(seed: 5)).Parameters, Network<float>.Create(Tabular(seed: 5))
            .Parameters);
        Assert.NotEqual(Network<float>.Create(Tabular(seed: 5)).Parameters, Network<float>.Create(Tabular(seed: 6))
            .Parameters);
    }

    [Theory]
    [InlineData(4UL * 1000 + 100, 1437, new[] { 613, 904, 1228, 738, 519, 1045, 293, 1382 })]    // W4 epoch 0
    // W2 epoch 0
    [InlineData(2UL * 1000 + 100, 100_000, new[] { 73080, 61502, 31820, 49187, 32436, 31596, 44824, 4126 })]
    public void Permutation_ReproducesTheReferenceEpochShuffle(ulong seed, int n, int[] start)
    {
        var order = new int[n];
        SplitMix64.Permutation(seed, order, new ulong[n]);
        Assert.Equal(start, order[..8]);
        Assert.Equal(Enumerable.Range(0, n), order.Order()); // a permutation: every index exactly once
        Assert.Equal(seed, SplitMix64.Stream(seed / 1000, SplitMix64.Streams.ShuffleBase));

        var radix = new int[n];
        SplitMix64.Permutation(seed, radix, new ulong[n], new int[n], new ulong[n]);
        Assert.Equal(order, radix);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(2049)]
    [InlineData(60_000)]
    public void RadixSortedPermutation_EqualsTheComparisonSort(int n)
    {
        foreach (ulong seed in new ulong[] { 0, 7, 3100, ulong.MaxValue })
        {
            var sorted = new int[n];
            var radix = new int[n];
            var keys = new ulong[n];
            SplitMix64.Permutation(seed, sorted, new ulong[n]);
            SplitMix64.Permutation(seed, radix, keys, new int[n], new ulong[n]);
            Assert.Equal(sorted, radix);
            for (int i = 1; i < n; i++) Assert.True(keys[i - 1] < keys[i], $"keys not ascending at {i}");
        }
    }
}
