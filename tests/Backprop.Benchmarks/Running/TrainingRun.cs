using System.Diagnostics;
using Backprop.Benchmarks.Reporting;
using Backprop.Benchmarks.Workloads;

namespace Backprop.Benchmarks.Running;

/// <summary>One measurement: load the data, build the model, train once through the core's trainer, evaluate.</summary>
public static class TrainingRun
{
    public static ResultLine Run(WorkloadDefinition workload, int threads)
    {
        var data = workload.Load();
        var train = data.Train;
        var trainingData = TrainingData.Classification(train.Features, train.Rows, train.Width, train.Labels,
            data.ClassCount);
        var session = TrainingSession.Start(WorkloadNetworks.Spec(workload), trainingData,
            Options(workload) with { Threads = threads });

        // Timed region: from just before the first epoch to just after the last update (and its loss read-back).
        double finalLoss = double.NaN;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        while (!session.IsFinished) finalLoss = session.RunEpoch()?.TrainLoss ?? double.NaN;
        stopwatch.Stop();
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        if (session.StopReason != StopReason.Completed)
            throw new InvalidOperationException($"{workload.Name} did not complete: {session.StopMessage}");

        double seconds = stopwatch.Elapsed.TotalSeconds;
        double samples = (double)workload.Epochs * train.Rows;
        return new ResultLine(workload.Name, threads, samples / seconds, seconds / workload.Epochs, finalLoss,
            TestAccuracy(session.Network, data.Test, workload.IsXor), ResultLine.PeakRssMbOfThisProcess(), seconds,
            workload.Name == "W3" ? 6.0 * workload.ParameterCount * samples / seconds / 1e9 : null,
                CpuSeconds: cpuSeconds);
    }

    /// <summary>W1: plain gradient descent, full batch, no shuffle; the others: Adam lr 1e-3 over the spec's
    /// shuffles.</summary>
    public static TrainingOptions Options(WorkloadDefinition workload) => new()
    {
        Epochs = workload.Epochs,
        BatchSize = workload.BatchSize,
        Optimizer = workload.IsXor ? new OptimizerSettings(OptimizerKind.Sgd, LearningRate: 0.5)
            : new OptimizerSettings(OptimizerKind.Adam, LearningRate: 1e-3),
        Normalization = NormalizationKind.None, // the spec trains on the raw float32 inputs
        ValidationFraction = 0,
        Shuffle = !workload.IsXor,
    };

    /// <summary>Share of test rows predicted correctly: argmax (ties → lowest), or output &gt; 0.5 for the single
    /// sigmoid unit of W1.</summary>
    public static double TestAccuracy(Network<float> network, DataSplit test, bool singleSigmoid)
    {
        int outputs = network.OutputWidth;
        var predictions = new float[test.Rows * outputs]; // (rows, outputs)
        network.Predict(network.CreateWorkspace(Math.Min(test.Rows, 1024)), test.Features, test.Rows, predictions);
        int correct = 0;
        for (int r = 0; r < test.Rows; r++)
        {
            var row = predictions.AsSpan(r * outputs, outputs);
            int predicted = singleSigmoid ? (row[0] > 0.5f ? 1 : 0) : ArgMax(row);
            if (predicted == test.Labels[r]) correct++;
        }
        return (double)correct / test.Rows;
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++)
            if (row[c] > row[best]) best = c;
        return best;
    }
}
