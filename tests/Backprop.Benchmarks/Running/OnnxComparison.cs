using System.Globalization;
using Backprop.Api.Models.Onnx;
using Backprop.Benchmarks.Workloads;
using Microsoft.ML.OnnxRuntime;

namespace Backprop.Benchmarks.Running;

/// <summary>
/// Rows per second of the in-process predictor (what POST /predict runs: normalisation, forward pass, classes and
/// probabilities) against ONNX Runtime on the same model exported by GET /api/models/{id}/onnx, single-threaded
/// (IntraOpNumThreads = InterOpNumThreads = 1, sequential execution, all graph optimisations), for the W4 and W3
/// networks at batches of 1, 32 and 1,000 rows. Rounds interleave the two peers measurement by measurement, so a drift
/// of this shared machine's speed touches both alike; the table gives each round's ratio and the medians.
/// </summary>
public static class OnnxComparison
{
    private static readonly int[] Batches = [1, 32, 1000];

    public static int Run(int rounds, double seconds)
    {
        string cpu = CpuName();
        var results = new List<(string Workload, int Batch, int Round, double Backprop, double Onnx, double BackpropCpu,
            double OnnxCpu)>();
        var cases = new[] { "W4", "W3" }.Select(name => Prepare(WorkloadCatalog.Get(name))).ToList();
        for (int round = 1; round <= rounds; round++)
            foreach (var c in cases)
                foreach (int batch in Batches)
                {
                    var (ours, oursCpu) = c.Backprop(batch, seconds);
                    var (theirs, theirsCpu) = c.Onnx(batch, seconds);
                    results.Add((c.Name, batch, round, ours, theirs, oursCpu, theirsCpu));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{{\"benchmark\":\"onnx-predict\",\"workload\":\"{c.Name}\",\"batch\":{batch},"
                        + $"\"round\":{round},\"threads\":1,\"backprop_rows_per_sec\":{ours:F0},"
                        + $"\"onnxruntime_rows_per_sec\":{theirs:F0},\"ratio\":{ours / theirs:F3},"
                        + $"\"backprop_rows_per_cpu_sec\":{oursCpu:F0},"
                        + $"\"onnxruntime_rows_per_cpu_sec\":{theirsCpu:F0},"
                        + $"\"cpu_ratio\":{oursCpu / theirsCpu:F3},\"cpu\":\"{cpu}\"}}"));
                }
        Console.WriteLine();
        Console.WriteLine($"CPU: {cpu}; ONNX Runtime {OrtEnv.Instance().GetVersionString()}; {rounds} rounds of "
            + $"{seconds} s per measurement");
        Console.WriteLine();
        // Wall-clock rates, and rates per CPU-second of the process (time waiting for a core on a shared machine left
        // out).
        Console.WriteLine("| network | batch | Backprop rows/s (median) | ONNX Runtime rows/s (median) "
            + "| ratio (rounds) | ratio per CPU-second (rounds) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => (r.Workload, r.Batch)))
        {
            var ratios = group.Select(r => r.Backprop / r.Onnx).ToList();
            var cpuRatios = group.Select(r => r.BackpropCpu / r.OnnxCpu).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key.Workload} | {group.Key.Batch:N0} | {Median(group.Select(r => r.Backprop)):N0} | "
                + $"{Median(group.Select(r => r.Onnx)):N0} | {Median(ratios):F2}× ({Rounds(ratios)}) | "
                + $"{Median(cpuRatios):F2}× ({Rounds(cpuRatios)}) |"));
        }
        return 0;
    }

    private static string Rounds(IEnumerable<double> ratios) =>
        string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)));

    private sealed record Case(string Name, Func<int, double, (double, double)> Backprop,
        Func<int, double, (double, double)> Onnx);

    /// <summary>The workload's network with its initial weights (speed does not depend on their values), z-score
    /// normalisation fitted on its rows, the ONNX session of its export, and a check that both predict the
    /// same.</summary>
    private static Case Prepare(WorkloadDefinition workload)
    {
        var spec = WorkloadNetworks.Spec(workload);
        int width = spec.InputWidth, classes = spec.OutputWidth, maxRows = Batches.Max();
        var rows = Rows(workload, width, maxRows);
        var parameters = Network<float>.Create(spec).Parameters;
        var normalizer = Normalizer.Fit(NormalizationKind.ZScore, rows, width, [.. Enumerable.Range(0, maxRows)]);
        var model = new TrainedModel(spec, parameters, TaskKind.Classification, normalizer, null, null,
            [.. Enumerable.Range(0, classes).Select(c => c.ToString(CultureInfo.InvariantCulture))], null);

        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        var session = new InferenceSession(OnnxExport.Write(model, Guid.Empty, workload.Name), options);
        Check(model, session, rows, maxRows);

        (double, double) Ours(int batch, double seconds)
        {
            var predictor = model.CreatePredictor(batch);
            var input = rows.AsSpan(0, batch * width).ToArray();
            long checksum = 0;
            for (int i = 0; i < 20; i++) checksum += predictor.Predict(input, batch).PredictedClasses![0]; // warm-up
            return CpuClock.Measure(batch, seconds, () => checksum += predictor.Predict(input, batch)
                .PredictedClasses![0]);
        }

        (double, double) Theirs(int batch, double seconds)
        {
            var input = rows.AsSpan(0, batch * width).ToArray();
            var labels = new long[batch];
            var probabilities = new float[batch * classes];
            using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [batch, width]);
            using var labelValue = OrtValue.CreateTensorValueFromMemory(labels, [batch]);
            using var probabilityValue = OrtValue.CreateTensorValueFromMemory(probabilities, [batch, classes]);
            using var runOptions = new RunOptions();
            string[] inputNames = [OnnxExport.FeaturesInput];
            string[] outputNames = [OnnxExport.LabelOutput, OnnxExport.ProbabilitiesOutput];
            OrtValue[] inputs = [inputValue], outputs = [labelValue, probabilityValue];
            long checksum = 0;
            void Call()
            {
                session.Run(runOptions, inputNames, inputs, outputNames, outputs);
                checksum += labels[0];
            }
            for (int i = 0; i < 20; i++) Call();
            return CpuClock.Measure(batch, seconds, Call);
        }

        return new Case(workload.Name, Ours, Theirs);
    }

    /// <summary>W4: the digits test rows repeated; W3: its input distribution (uniform in [0, 1)) from a fixed
    /// seed.</summary>
    private static float[] Rows(WorkloadDefinition workload, int width, int count)
    {
        var rows = new float[count * width];
        if (workload.Name == "W4")
        {
            var test = workload.Load().Test;
            for (int r = 0; r < count; r++)
                test.Features.AsSpan(r % test.Rows * width, width).CopyTo(rows.AsSpan(r * width));
            return rows;
        }
        var random = new Random(3);
        for (int i = 0; i < rows.Length; i++) rows[i] = random.NextSingle();
        return rows;
    }

    /// <summary>Both peers give the same probabilities (1e-4 absolute) before anything is timed.</summary>
    private static void Check(TrainedModel model, InferenceSession session, float[] rows, int count)
    {
        var ours = model.CreatePredictor(count).Predict(rows, count).Probabilities!;
        using var input = OrtValue.CreateTensorValueFromMemory(rows, [count, model.Spec.InputWidth]);
        using var outputs = session.Run(new RunOptions(), [OnnxExport.FeaturesInput], [input],
            [OnnxExport.ProbabilitiesOutput]);
        var theirs = outputs[0].GetTensorDataAsSpan<float>();
        for (int i = 0; i < ours.Length; i++)
            if (Math.Abs(ours[i] - theirs[i]) > 1e-4)
                throw new InvalidOperationException($"Backprop and ONNX Runtime disagree at {i}: {ours[i]} vs "
                    + $"{theirs[i]}.");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static string CpuName()
    {
        string name = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                ?.Split(':', 2)[1].Trim() ?? "unknown"
            : "unknown";
        string isa = System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? "AVX-512"
            : System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "AVX2" : "no AVX2";
        return $"{name} ({isa}, {Environment.ProcessorCount} logical CPUs)";
    }
}
