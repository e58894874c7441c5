using System.Diagnostics;
using Backprop.Benchmarks.Reporting;

namespace Backprop.Benchmarks.Running;

/// <summary>
/// Runs a workload as separate processes of this program (each measurement pays its own JIT, GC heap and data
/// generation, as every peer's does) and summarises them the way the peers' harness does: the median of
/// samples/s, epoch and train seconds, the largest peak RSS, and the spread (max − min) / median.
/// </summary>
public static class Repetitions
{
    public static ResultLine Run(string workload, int threads, int reps)
    {
        var runs = new List<ResultLine>();
        for (int i = 0; i < reps; i++)
        {
            string line = RunChild(workload, threads);
            if (reps > 1) Console.Error.WriteLine(line); // the raw record of each process
            runs.Add(ResultLine.Parse(line));
        }
        var sorted = runs.OrderBy(r => r.SamplesPerSec).ToList();
        double Median(Func<ResultLine, double> field)
        {
            var values = runs.Select(field).Order().ToList();
            return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1]
                + values[values.Count / 2]) / 2;
        }
        double median = Median(r => r.SamplesPerSec);
        return sorted[sorted.Count / 2] with
        {
            SamplesPerSec = median,
            EpochSeconds = Median(r => r.EpochSeconds),
            TrainSeconds = Median(r => r.TrainSeconds),
            CpuSeconds = sorted[0].CpuSeconds is null ? null : Median(r => r.CpuSeconds ?? 0),
            Gflops = sorted[0].Gflops is null ? null : Median(r => r.Gflops ?? 0),
            PeakRssMb = runs.Max(r => r.PeakRssMb),
            Reps = reps,
            SpreadPct = 100 * (sorted[^1].SamplesPerSec - sorted[0].SamplesPerSec) / median,
        };
    }

    private static string RunChild(string workload, int threads)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        // Under `dotnet Backprop.Benchmarks.dll` the host is dotnet and the program is an argument.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Backprop.Benchmarks.dll"));
        foreach (var arg in new[] { workload, "--threads", threads.ToString() }) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_PROCESSOR_COUNT"] = threads.ToString(); // the runtime's view of the cores it may use
        using var child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        if (child.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"{workload} run failed (exit {child.ExitCode}): {output}");
        return line.Trim();
    }
}
