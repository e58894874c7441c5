using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Backprop.Benchmarks.Reporting;

/// <summary>One measurement in the peers' line format (the peers' keys, in the peers' order).</summary>
public sealed record ResultLine(
    string Workload, int Threads, double SamplesPerSec, double EpochSeconds, double FinalLoss, double Accuracy,
    double PeakRssMb, double TrainSeconds, double? Gflops, int? Reps = null, double? SpreadPct = null,
        double? CpuSeconds = null)
{
    public const string Peer = "backprop";

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("peer", Peer);
            json.WriteString("workload", Workload);
            json.WriteNumber("threads", Threads);
            json.WriteNumber("samples_per_sec", SamplesPerSec);
            json.WriteNumber("epoch_seconds", EpochSeconds);
            json.WriteNumber("final_loss", FinalLoss);
            json.WriteNumber("accuracy", Accuracy);
            json.WriteNumber("peak_rss_mb", Math.Round(PeakRssMb, 1));
            json.WriteNumber("train_seconds", TrainSeconds);
            if (Gflops is { } gflops) json.WriteNumber("gflops", gflops);
            // Informational: CPU time of the process in the timed region (≈ train_seconds × threads when the machine is
            // quiet).
            if (CpuSeconds is { } cpu) json.WriteNumber("cpu_seconds", Math.Round(cpu, 6));
            if (Reps is { } reps) json.WriteNumber("reps", reps);
            if (SpreadPct is { } spread) json.WriteNumber("spread_pct", Math.Round(spread, 1));
            json.WriteString("dotnet", Environment.Version.ToString());
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static ResultLine Parse(string line)
    {
        var root = JsonDocument.Parse(line).RootElement;
        double? Optional(string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number
            ? v.GetDouble() : null;
        return new ResultLine(root.GetProperty("workload").GetString()!, root.GetProperty("threads").GetInt32(),
            root.GetProperty("samples_per_sec").GetDouble(), root.GetProperty("epoch_seconds").GetDouble(),
            root.GetProperty("final_loss").GetDouble(), root.GetProperty("accuracy").GetDouble(),
            root.GetProperty("peak_rss_mb").GetDouble(), root.GetProperty("train_seconds").GetDouble(),
                Optional("gflops"), CpuSeconds: Optional("cpu_seconds"));
    }

    /// <summary>Peak resident set size of this process (VmHWM), the same quantity <c>/usr/bin/time -v</c>
    /// reports.</summary>
    public static double PeakRssMbOfThisProcess()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
                    CultureInfo.InvariantCulture) / 1024.0;
        return Environment.WorkingSet / 1048576.0; // not Linux: the current working set is the best available
    }
}
