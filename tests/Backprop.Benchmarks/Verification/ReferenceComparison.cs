using Backprop.Benchmarks.Running;
using Backprop.Benchmarks.Workloads;

namespace Backprop.Benchmarks.Verification;

/// <summary><c>compare-reference W4 [EPOCHS]</c>: the core's per-epoch training loss beside <see
/// cref="ReferenceTrainer"/>'s, from the same start.</summary>
public static class ReferenceComparison
{
    public static int Run(string workloadName, int? epochs)
    {
        var workload = WorkloadCatalog.Get(workloadName);
        if (workload.IsXor) throw new ArgumentException(
            "compare-reference covers the ReLU/softmax/Adam workloads (W2–W4).");
        var data = workload.Load();
        var train = data.Train;
        var options = TrainingRun.Options(workload) with { Epochs = epochs ?? workload.Epochs };
        var session = TrainingSession.Start(WorkloadNetworks.Spec(workload),
            TrainingData.Classification(train.Features, train.Rows, train.Width, train.Labels, data.ClassCount),
                options);
        var reference = new ReferenceTrainer(workload.Sizes, session.Network.Parameters); // same initial weights
        var order = new int[train.Rows];
        var keys = new ulong[train.Rows];
        Console.WriteLine("epoch  core_loss            reference_loss       relative_difference");
        for (int e = 0; e < options.Epochs; e++)
        {
            double core = session.RunEpoch()?.TrainLoss ?? double.NaN;
            SplitMix64.Permutation(SplitMix64.Stream(workload.Seed, 100 + (ulong)e), order, keys);
            double expected = reference.Epoch(train, order, workload.BatchSize, lr: 1e-3);
            Console.WriteLine($"{e + 1,5}  {core,-19:R}  {expected,-19:R}  {(core - expected) / expected:E2}");
        }
        return 0;
    }
}
