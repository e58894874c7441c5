// Benchmark console for the workloads of Workloads/WorkloadCatalog.cs (not a test project).
//   dotnet run -c Release --project tests/Backprop.Benchmarks -- W1|W2|W3|W4|all [--threads T] [--reps N] [--epochs E]
//   ... -- verify-data        regenerate every array and compare with the reference SHA-256 sums
//   ... -- ratio-table        JSON result lines on stdin → markdown table of backprop ÷ peer samples/s
//   ... -- compare-reference W2|W3|W4 [EPOCHS]   core vs a plain scalar trainer, loss per epoch
//   ... -- predict            in-process latency of one-row predictions with the trained W4 model
//   ... -- diagnostics-cost W2|W3 [ROUNDS]   share of an epoch that the per-epoch unit-activity pass takes
//   ... -- kernel-profile [ROUNDS] [THREADS]   a W3 step's parts and products alone, against a one-core FMA probe
//   ... -- defaults-accuracy [PREFIX]   test accuracy of the job defaults and variants on iris-raw and digits,
//          seeds 0-4
//   ... -- predict-kernels [ROUNDS] [SECONDS]   the packed inference layers of W4/W3 with each kernel (AVX2, AVX-512)
//   ... -- onnx-predict [ROUNDS] [SECONDS]   in-process predictor vs ONNX Runtime on the exported W4/W3 networks
//   ... -- service-load URL KEY MODEL CSV [ROUNDS] [CONNECTIONS]   a running service's prediction throughput
//          (service-load.sh)
//   ... -- upload-speed URL API_KEY PID [ROUNDS] [FOLDER] [PYTHON]   CSV/JSON uploads to a running service
//                         against pandas.read_csv
using Backprop.Benchmarks.Reporting;
using Backprop.Benchmarks.Running;
using Backprop.Benchmarks.Uploads;
using Backprop.Benchmarks.Verification;
using Backprop.Benchmarks.Workloads;

const string ChildMarker = "BACKPROP_BENCH_CHILD";
const string Usage = "usage: W1|W2|W3|W4|all [--threads T] [--reps N] | verify-data | ratio-table < lines.jsonl | " +
    "compare-reference W4 [EPOCHS] | predict";

if (args.Length == 0) { Console.Error.WriteLine(Usage); return 2; }
switch (args[0])
{
    case "verify-data": return DataVerifier.Run();
    case "ratio-table": return RatioTable.Run(Console.In);
    case "predict": return PredictionLatency.Run();
    case "kernel-profile": return KernelProfile.Run(args.Length > 1 ? int.Parse(args[1]) : 5,
        args.Length > 2 ? int.Parse(args[2]) : 1);
    case "predict-kernels": return PredictKernels.Run(args.Length > 1 ? int.Parse(args[1]) : 3,
        args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0.3);
#if ONNX_COMPARISON
    case "onnx-predict": return OnnxComparison.Run(args.Length > 1 ? int.Parse(args[1]) : 3,
        args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0.5);
#endif
    case "diagnostics-cost": return DiagnosticsCost.Run(args.ElementAtOrDefault(1) ?? "W2", args.Length > 2
        ? int.Parse(args[2]) : 7);
    case "defaults-accuracy": return DefaultsAccuracy.Run(args.ElementAtOrDefault(1));
    case "service-load": return await ServiceLoad.RunAsync(args[1], args[2], Guid.Parse(args[3]), args[4],
        args.Length > 5 ? int.Parse(args[5]) : 5, args.Length > 6 ? int.Parse(args[6]) : 16);
    case "upload-speed":
        return await UploadSpeed.RunAsync(args[1], args[2], int.Parse(args[3]),
            args.Length > 4 ? int.Parse(args[4]) : 3, args.ElementAtOrDefault(5) ?? Path.GetTempPath(),
            args.ElementAtOrDefault(6) ?? "/usr/bin/python3");
    case "compare-reference": return ReferenceComparison.Run(args.ElementAtOrDefault(1) ?? "W4", args.Length > 2
        ? int.Parse(args[2]) : null);
}

int threads = IntOption("--threads", 1);
if (Array.IndexOf(args, "--epochs") >= 0) // not the spec's count: for comparisons with the service's longer jobs
    Environment.SetEnvironmentVariable(WorkloadCatalog.EpochsVariable, IntOption("--epochs", 1).ToString());
int reps = IntOption("--reps", 1);
var workloads = args[0].Equals("all", StringComparison.OrdinalIgnoreCase)
    ? WorkloadCatalog.All.Select(w => w.Name).ToList()
    : [WorkloadCatalog.Get(args[0]).Name];

// A single run whose thread count is already the runtime's (or that a parent started) measures in this process;
// everything else becomes separate processes, so that no workload's heap or JIT state leaks into another's numbers.
if (workloads.Count == 1 && reps == 1 && (Environment.GetEnvironmentVariable(ChildMarker) == "1"
    || threads == Environment.ProcessorCount))
{
    Console.WriteLine(TrainingRun.Run(WorkloadCatalog.Get(workloads[0]), threads).ToJson());
    return 0;
}
Environment.SetEnvironmentVariable(ChildMarker, "1"); // inherited by the children
foreach (var workload in workloads)
    Console.WriteLine(Repetitions.Run(workload, threads, reps).ToJson());
return 0;

int IntOption(string name, int fallback)
{
    int at = Array.IndexOf(args, name);
    if (at < 0) return fallback;
    if (at + 1 < args.Length && int.TryParse(args[at + 1], out int value) && value > 0) return value;
    throw new ArgumentException($"{name} needs a positive integer. {Usage}");
}
