using System.Diagnostics;
using Backprop.Benchmarks.Workloads;

namespace Backprop.Benchmarks.Running;

/// <summary>
/// What the per-epoch diagnostics cost a workload: one epoch of real training, then the unit-activity pass alone over
/// the same number of batches of pre-activations with the workload's layer shapes, alternated over several rounds on
/// one thread. Prints the fastest pass over the fastest epoch: on a busy machine the minimum of several rounds is the
/// time least inflated by other processes, for both.
/// </summary>
public static class DiagnosticsCost
{
    public static int Run(string name, int rounds)
    {
        var workload = WorkloadCatalog.Get(name);
        var data = workload.Load();
        var train = data.Train;
        var trainingData = TrainingData.Classification(train.Features, train.Rows, train.Width, train.Labels,
            data.ClassCount);
        var spec = WorkloadNetworks.Spec(workload);
        var options = TrainingRun.Options(workload) with { Epochs = 1_000_000 };
        var session = TrainingSession.Start(spec, trainingData, options);
        session.RunEpoch(); // JIT and first-touch

        int batch = workload.BatchSize, batches = (train.Rows + batch - 1) / batch;
        var activity = new UnitActivity(spec);
        var z = spec.Layers.Select(l => Enumerable.Range(0, batch * l.Units).Select(i => (float)Math.Sin(i * 0.37))
            .ToArray()).ToArray();
        double bestEpoch = double.MaxValue, bestPass = double.MaxValue;
        for (int round = 0; round < rounds; round++)
        {
            var epoch = Stopwatch.StartNew();
            session.RunEpoch();
            double epochSeconds = epoch.Elapsed.TotalSeconds;
            var pass = Stopwatch.StartNew();
            activity.Reset();
            for (int b = 0; b < batches; b++) activity.Observe(z, batch);
            bestEpoch = Math.Min(bestEpoch, epochSeconds);
            bestPass = Math.Min(bestPass, pass.Elapsed.TotalSeconds);
            Console.WriteLine($"{name} round {round + 1}: epoch {epochSeconds * 1e3:F1} ms, " +
                $"unit-activity pass {pass.Elapsed.TotalMilliseconds:F3} ms");
        }
        Console.WriteLine(
            $"{name}: unit-activity pass {bestPass * 1e3:F3} ms = {bestPass / bestEpoch * 100:F2} % of an epoch "
            + $"({bestEpoch * 1e3:F1} ms; best of {rounds}; {Environment.ProcessorCount} cores, "
            + $"{Backprop.Core.Engine.Sgemm.Kernel})");
        return 0;
    }
}
