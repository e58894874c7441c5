using System.Globalization;
using System.Text.Json;

namespace Backprop.Benchmarks.Reporting;

/// <summary>
/// <c>ratio-table</c>: reads JSON result lines (ours and the peers') on stdin and prints backprop's samples/s ÷ each
/// peer's. Lines may carry a <c>round</c> (run.sh repeats ours-then-peers rounds): each round's ratio compares runs
/// made minutes apart, and the table gives the median over rounds with every round's ratio beside it.
/// </summary>
public static class RatioTable
{
    private readonly record struct Row(string Peer, string Workload, int Threads, int Round, double SamplesPerSec);

    public static int Run(TextReader input)
    {
        var rows = new List<Row>();
        for (string? line; (line = input.ReadLine()) is not null;)
        {
            if (!line.TrimStart().StartsWith('{')) continue;
            var root = JsonDocument.Parse(line).RootElement;
            if (!root.TryGetProperty("samples_per_sec", out var sps) || sps.ValueKind != JsonValueKind.Number) continue;
            int round = root.TryGetProperty("round", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetInt32()
                : 0;
            rows.Add(new(root.GetProperty("peer").GetString()!, root.GetProperty("workload").GetString()!,
                root.GetProperty("threads").GetInt32(), round, sps.GetDouble()));
        }
        Console.WriteLine(
            "| workload | T | backprop samples/s | peer | peer samples/s | backprop ÷ peer | each round |");
        Console.WriteLine("|---|---|---:|---|---:|---:|---|");
        foreach (var group in rows.Where(r => r.Peer == ResultLine.Peer).GroupBy(r => (r.Workload, r.Threads))
            .OrderBy(g => g.Key))
        {
            var ours = group.ToList();
            var peerNames = rows.Where(r => r.Peer != ResultLine.Peer && r.Workload == group.Key.Workload
                && r.Threads == group.Key.Threads)
                .Select(r => r.Peer).Distinct().ToList();
            if (peerNames.Count == 0)
                Console.WriteLine($"| {group.Key.Workload} | {group.Key.Threads} | " +
                    $"{N(Median(ours.Select(o => o.SamplesPerSec)))} | – | – | – | – |");
            foreach (var peer in peerNames)
            {
                var theirs = rows.Where(r => r.Peer == peer && r.Workload == group.Key.Workload
                    && r.Threads == group.Key.Threads).ToList();
                var ratios = ours.Join(theirs, o => o.Round, t => t.Round, (o, t) => o.SamplesPerSec / t.SamplesPerSec)
                    .ToList();
                string each = string.Join(", ", ratios.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)));
                Console.WriteLine($"| {group.Key.Workload} | {group.Key.Threads} | " +
                    $"{N(Median(ours.Select(o => o.SamplesPerSec)))} | {peer} | "
                    + $"{N(Median(theirs.Select(t => t.SamplesPerSec)))} | "
                    + $"{(ratios.Count == 0 ? "–" : Median(ratios).ToString("0.00", CultureInfo.InvariantCulture))} "
                    + $"| {each} |");
            }
        }
        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return double.NaN;
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1]
            + sorted[sorted.Count / 2]) / 2;
    }

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
