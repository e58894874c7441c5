using Backprop.Benchmarks.Workloads;

namespace Backprop.Benchmarks.Running;

/// <summary>The core network spec of each workload.</summary>
public static class WorkloadNetworks
{
    /// <summary>
    /// Glorot uniform with the workload's seed makes the core draw exactly the spec's initial weights
    /// (stream seed·1000+1) and shuffle epoch e with stream seed·1000+100+e.
    /// </summary>
    public static NetworkSpec Spec(WorkloadDefinition workload)
    {
        int[] sizes = workload.Sizes;
        var hidden = workload.IsXor ? ActivationKind.Sigmoid : ActivationKind.Relu;
        var output = workload.IsXor ? ActivationKind.Sigmoid : ActivationKind.Softmax;
        var layers = new List<LayerSpec>();
        for (int l = 1; l < sizes.Length; l++)
            layers.Add(new LayerSpec(sizes[l], l == sizes.Length - 1 ? output : hidden));
        var loss = workload.IsXor ? LossKind.MeanSquaredError : LossKind.CategoricalCrossEntropy;
        return new NetworkSpec(sizes[0], layers, loss, InitKind.GlorotUniform, Seed: workload.Seed);
    }
}
