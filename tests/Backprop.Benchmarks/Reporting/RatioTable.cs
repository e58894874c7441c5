using System.Globalization;
using System.Text.Json;

namespace Backprop.Benchmarks.Reporting;

/// <summary><c>ratio-table</c>: reads JSON result lines (ours and the peers') on stdin and prints backprop's samples/s ÷ each peer's.</summary>
public static class RatioTable
{
    public static int Run(TextReader input)
    {
        var rows = new List<(string Peer, string Workload, int Threads, double SamplesPerSec)>();
        for (string? line; (line = input.ReadLine()) is not null;)
        {
            if (!line.TrimStart().StartsWith('{')) continue;
            var root = JsonDocument.Parse(line).RootElement;
            if (!root.TryGetProperty("samples_per_sec", out var sps) || sps.ValueKind != JsonValueKind.Number) continue;
            rows.Add((root.GetProperty("peer").GetString()!, root.GetProperty("workload").GetString()!,
                root.GetProperty("threads").GetInt32(), sps.GetDouble()));
        }
        Console.WriteLine("| workload | T | backprop samples/s | peer | peer samples/s | backprop ÷ peer |");
        Console.WriteLine("|---|---|---:|---|---:|---:|");
        foreach (var ours in rows.Where(r => r.Peer == ResultLine.Peer).OrderBy(r => r.Workload).ThenBy(r => r.Threads))
        {
            var peers = rows.Where(r => r.Peer != ResultLine.Peer && r.Workload == ours.Workload && r.Threads == ours.Threads).ToList();
            if (peers.Count == 0) Console.WriteLine($"| {ours.Workload} | {ours.Threads} | {N(ours.SamplesPerSec)} | – | – | – |");
            foreach (var peer in peers)
                Console.WriteLine($"| {ours.Workload} | {ours.Threads} | {N(ours.SamplesPerSec)} | {peer.Peer} | {N(peer.SamplesPerSec)} | "
                    + (ours.SamplesPerSec / peer.SamplesPerSec).ToString("0.00", CultureInfo.InvariantCulture) + " |");
        }
        return 0;
    }

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
