using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Backprop.Benchmarks.Uploads;

/// <summary>
/// Uploads the <see cref="UploadFiles"/> to a running service, CSV and JSON, and times <c>pandas.read_csv</c> (the C
/// engine, in a
/// Python started per file: only the read_csv call is timed) on the same file right after, round after round. The
/// service's
/// resident memory growth is its peak RSS during the upload (VmHWM, reset through /proc/PID/clear_refs before it)
/// minus its
/// RSS before. One JSON line per round and file, then the medians.
/// </summary>
public static class UploadSpeed
{
    private const string Pandas =
        "import sys, time, pandas\nt = time.perf_counter()\npandas.read_csv(sys.argv[1])\nprint(time.perf_counter() "
            + "- t)";

    public static async Task<int> RunAsync(string baseUrl, string apiKey, int pid, int rounds, string folder, string
        python)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        var files = new[] { UploadFiles.Floats, UploadFiles.Mnist }.Select(s => (Spec: s, Paths: UploadFiles.Write(s,
            folder))).ToList();
        var (cpu, isa) = CpuInfo();

        // Warm-up: the service's first upload also compiles the parser.
        var warm = Path.Combine(folder, "warm.csv");
        File.WriteAllLines(warm, File.ReadLines(files[0].Paths.Csv).Take(2000));
        await UploadAsync(http, pid, warm, "text/csv");

        var lines = new List<JsonObject>();
        for (int round = 1; round <= rounds; round++)
            foreach (var (spec, (csvPath, jsonPath)) in files)
            {
                var csv = await UploadAsync(http, pid, csvPath, "text/csv");
                double pandas = PandasSeconds(python, csvPath);
                var json = await UploadAsync(http, pid, jsonPath, "application/json");
                double megabytes = new FileInfo(csvPath).Length / 1e6;
                var line = new JsonObject
                {
                    ["bench"] = "upload", ["cpu"] = cpu, ["isa"] = isa, ["round"] = round, ["file"] = spec.Name,
                        ["rows"] = spec.Rows,
                    ["columns"] = spec.Features + 1, ["csv_mb"] = Math.Round(megabytes, 1),
                    ["json_mb"] = Math.Round(new FileInfo(jsonPath).Length / 1e6, 1),
                    ["csv_seconds"] = Math.Round(csv.Seconds, 3), ["pandas_seconds"] = Math.Round(pandas, 3),
                    ["csv_over_pandas"] = Math.Round(csv.Seconds / pandas, 3), ["json_seconds"] =
                        Math.Round(json.Seconds, 3),
                    ["json_over_csv"] = Math.Round(json.Seconds / csv.Seconds, 3),
                    ["csv_rss_growth_mb"] = Math.Round(csv.RssGrowthMb, 1), ["json_rss_growth_mb"] =
                        Math.Round(json.RssGrowthMb, 1),
                    ["csv_growth_over_file"] = Math.Round(csv.RssGrowthMb / megabytes, 2),
                    ["json_growth_over_file"] = Math.Round(json.RssGrowthMb / (new FileInfo(jsonPath).Length / 1e6), 2),
                    ["stored_mb"] =
                        Math.Round(csv.StoredBytes / 1e6, 1),
                };
                Console.WriteLine(line.ToJsonString());
                lines.Add(line);
            }
        foreach (var group in lines.GroupBy(l => (string)l["file"]!))
        {
            double Median(string key) => group.Select(l => (double)l[key]!).Order().ElementAt((group.Count() - 1) / 2);
            Console.WriteLine(new JsonObject
            {
                ["bench"] = "upload-median", ["cpu"] = cpu, ["isa"] = isa, ["file"] = group.Key, ["rounds"] =
                    group.Count(),
                ["csv_seconds"] = Median("csv_seconds"), ["pandas_seconds"] = Median("pandas_seconds"),
                    ["csv_over_pandas"] = Median("csv_over_pandas"),
                ["json_seconds"] = Median("json_seconds"), ["json_over_csv"] = Median("json_over_csv"),
                ["csv_rss_growth_mb"] = Median("csv_rss_growth_mb"), ["csv_growth_over_file"] =
                    Median("csv_growth_over_file"),
                ["json_rss_growth_mb"] = Median("json_rss_growth_mb"), ["json_growth_over_file"] =
                    Median("json_growth_over_file"),
            }.ToJsonString());
        }
        return 0;
    }

    private sealed record Upload(double Seconds, double RssGrowthMb, long StoredBytes);

    private static async Task<Upload> UploadAsync(HttpClient http, int pid, string path, string contentType)
    {
        File.WriteAllText($"/proc/{pid}/clear_refs", "5"); // resets VmHWM to the current RSS
        long before = Status(pid, "VmRSS:");
        var query = contentType == "text/csv" ? $"?name={Path.GetFileNameWithoutExtension(path)}&targetColumn=label" :
            "";
        await using var file = File.OpenRead(path);
        using var content = new StreamContent(file, 1 << 20);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        var clock = Stopwatch.StartNew();
        using var response = await http.PostAsync("/api/datasets" + query, content);
        var body = await response.Content.ReadAsStringAsync();
        double seconds = clock.Elapsed.TotalSeconds;
        if (!response.IsSuccessStatusCode) throw new
            InvalidOperationException($"Upload of {path} answered {(int)response.StatusCode}: {body}");
        long peak = Status(pid, "VmHWM:");
        using var created = JsonDocument.Parse(body);
        var id = created.RootElement.GetProperty("id").GetString();
        long stored = created.RootElement.TryGetProperty("sizeBytes", out var size) ? size.GetInt64() : 0;
        (await http.DeleteAsync($"/api/datasets/{id}")).EnsureSuccessStatusCode();
        return new Upload(seconds, (peak - before) / 1024.0, stored);
    }

    private static double PandasSeconds(string python, string path)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Pandas);
        start.ArgumentList.Add(path);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new
            InvalidOperationException($"pandas failed on {path} (exit {process.ExitCode}).");
        return double.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>A line of /proc/PID/status in KiB.</summary>
    private static long Status(int pid, string key) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(key,
            StringComparison.Ordinal))[key.Length..].Trim().Split(' ')[0],
            CultureInfo.InvariantCulture);

    private static (string Cpu, string Isa) CpuInfo()
    {
        var info = File.Exists("/proc/cpuinfo") ? File.ReadAllLines("/proc/cpuinfo") : [];
        var model = info.FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':',
            2)[1].Trim() ?? "unknown";
        var flags = info.FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) ?? "";
        return (model, flags.Contains(" avx512f") ? "avx512" : flags.Contains(" avx2") ? "avx2" : "sse");
    }
}
