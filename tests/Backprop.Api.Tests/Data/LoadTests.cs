using System.Diagnostics;
using System.Net.Http.Json;
using Xunit.Abstractions;

namespace Backprop.Api.Tests.Data;

/// <summary>Reads and predictions stay correct and quick while jobs write history and checkpoints to the same SQLite
/// file.</summary>
[Collection(ServiceProcessCollection.Name)]
public sealed class LoadTests(ITestOutputHelper output)
{
    private const int Clients = 8;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Service_TwoJobsTrainingUnderReads_LosesNoRequestOrHistoryRow()
    {
        await using var service = new ServiceProcess(DigitsJob.FastRecoverySettings()) { Output = output };
        var client = await service.StartAsync();
        var (network, dataset) = await DigitsJob.CreateAsync(client);
        var model = (Guid)(await client.TrainAsync(DigitsJob.Request(network, dataset, 5)))["modelId"]!;
        var jobs = new[] { await DigitsJob.StartAsync(client, network, dataset, 100_000),
            await DigitsJob.StartAsync(client, network, dataset, 100_000) };
        foreach (var job in jobs) await client.WaitForJobAsync(job, j => (string)j["status"]! == "running");

        var rows = ApiClient.ReadCsvRows("digits/test.csv", out _).Take(8).Select(r => r[..64]).ToArray();
        var failures = new List<string>();
        var latencies = new List<double>();
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            using var http = service.CreateClient(client.DefaultRequestHeaders.GetValues("X-Api-Key").Single());
            var mine = new List<double>();
            for (int i = c; stop.Elapsed < Duration; i++)
            {
                var job = jobs[i % 2];
                var clock = Stopwatch.StartNew();
                using var response = (i % 4) switch
                {
                    0 or 1 => await http.PostAsJsonAsync($"/api/models/{model}/predict", new { rows }),
                    2 => await http.GetAsync($"/api/jobs/{job}"),
                    _ => await http.GetAsync(i % 8 == 3 ? $"/api/jobs/{job}/history?limit=20"
                        : "/api/jobs?pageSize=10"),
                };
                var body = await response.Content.ReadAsStringAsync();
                if (i % 4 < 2) mine.Add(clock.Elapsed.TotalMilliseconds);
                if (!response.IsSuccessStatusCode)
                    lock (failures) failures.Add($"{response.RequestMessage?.Method} " +
                        $"{response.RequestMessage?.RequestUri?.PathAndQuery}: {(int)response.StatusCode} {body}");
            }
            lock (latencies) latencies.AddRange(mine);
        })));

        var epochs = new List<int>();
        foreach (var job in jobs)
        {
            // Cancelled, or (on a machine fast enough to train 100k epochs during the load) already succeeded:
            // either way every epoch it completed is in its history exactly once.
            await client.PostAsync($"/api/jobs/{job}/cancel", null);
            var ended = await client.WaitForJobAsync(job);
            Assert.True((string)ended["status"]! is "cancelled" or "succeeded", ended.ToJsonString());
            epochs.Add((int)ended["epoch"]!);
            DigitsJob.AssertContiguous(await DigitsJob.HistoryAsync(client, job), 1, (int)ended["epoch"]!);
        }

        Report(latencies, epochs);
        Assert.True(failures.Count == 0, $"{failures.Count} failed requests, e.g.\n" + string.Join("\n",
            failures.Take(5)));
        Assert.DoesNotContain("database is locked", service.Log);
    }

    private void Report(List<double> latencies, List<int> epochs)
    {
        latencies.Sort();
        double P(double q) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        var line = $"{DateTime.UtcNow:u} predictions under load ({Clients} clients, {Duration.TotalSeconds:F0} s, " +
            $"2 jobs training, {Environment.ProcessorCount} cores): " +
            $"n={latencies.Count} p50={P(0.50):F1} ms p95={P(0.95):F1} ms p99={P(0.99):F1} ms " +
            $"max={latencies[^1]:F1} ms; jobs reached epochs {string.Join(", ", epochs)}";
        output.WriteLine(line);
        File.AppendAllText(Path.Combine(AppContext.BaseDirectory, "load-test-latency.txt"), line + Environment.NewLine);
    }
}
