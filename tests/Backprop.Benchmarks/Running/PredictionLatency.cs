using System.Diagnostics;
using System.Globalization;
using Backprop.Benchmarks.Workloads;

namespace Backprop.Benchmarks.Running;

/// <summary>
/// In-process latency of one-row predictions with the W4 model (64-64-10, trained as the workload says):
/// the service's path minus HTTP — normalisation, forward pass, class and probabilities.
/// </summary>
public static class PredictionLatency
{
    public static int Run()
    {
        var workload = WorkloadCatalog.Get("W4");
        var data = workload.Load();
        var train = TrainingData.Classification(data.Train.Features, data.Train.Rows, data.Train.Width,
            data.Train.Labels, data.ClassCount);
        var session = TrainingSession.Start(WorkloadNetworks.Spec(workload), train, TrainingRun.Options(workload));
        foreach (var _ in session.Run()) { }
        var predictor = TrainedModel.FromSession(session, train).CreatePredictor(1);

        var rows = data.Test.Features;
        int width = data.Test.Width, count = data.Test.Rows;
        long checksum = 0;
        // warm-up
        for (int i = 0; i < 200_000; i++) checksum += predictor.Predict(rows.AsSpan(i % count * width, width), 1)
            .PredictedClasses![0];
        const int Calls = 1_000_000;
        long started = Stopwatch.GetTimestamp();
        for (int i = 0; i < Calls; i++) checksum += predictor.Predict(rows.AsSpan(i % count * width, width), 1)
            .PredictedClasses![0];
        double nanoseconds = Stopwatch.GetElapsedTime(started).TotalNanoseconds / Calls;
        var measured = string.Create(CultureInfo.InvariantCulture,
            $"\"ns_per_call\":{nanoseconds:F1},\"calls\":{Calls},\"checksum\":{checksum}");
        Console.WriteLine($$"""{"peer":"backprop","benchmark":"predict-one-row-W4",{{measured}}}""");
        return 0;
    }
}
