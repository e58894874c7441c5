using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Backprop.Api.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace Backprop.Api.Tests.Jobs;

/// <summary>
/// A job's working memory is estimated at submission (400 over Jobs:MaxJobMemoryBytes, before the dataset is decoded),
/// and running jobs together stay under Jobs:MemoryBudgetBytes: a job that does not fit yet waits in the queue.
/// </summary>
[Collection(MemoryCollection.Name)]
public sealed class JobMemoryTests
{
    [Fact]
    public async Task StartJob_BatchNeedingGigabytes_Returns400NamingTheNumbersWithinMemoryBound()
    {
        using var factory = new ApiFactory().With("Jobs:MaxJobMemoryBytes", (1L << 30).ToString())
            .With("Jobs:WorkerEnabled", "false");
        var client = factory.CreateClient();
        var network = await client.CreateNetworkAsync(new
        {
            inputWidth = 10, layers = new object[] { new { units = 65_536, activation = "relu" },
                new { units = 2, activation = "softmax" } },
            loss = "categorical_cross_entropy",
        });
        var csv = new StringBuilder("a,b,c,d,e,f,g,h,i,j,label\n");
        for (int r = 0; r < 2_000; r++) csv.Append(string.Join(",", Enumerable.Range(0, 10)
            .Select(c => (r * 7 + c) % 13))).Append(',').Append(r % 2).Append('\n');
        var dataset = await client.UploadCsvAsync("wide", csv.ToString(), "label");

        var (response, cost) = await MemoryProbe.MeasureAsync(() => client.PostAsJsonAsync("/api/jobs",
            new { networkId = network, datasetId = dataset, epochs = 1, batchSize = 2_000 }));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        var message = (string)problem["errors"]!["batchSize"]![0]!;
        Assert.Contains("a batch of 2,000 rows: 2,000 MiB", message); // 2,000 × (2·65,538 + 2·65,536 + 10 + 2) floats
        Assert.Contains("limit of 1,024 MiB per job (Jobs:MaxJobMemoryBytes)", message);
        Assert.True(cost.PeakWorkingSetGrowth < 200 * MemoryProbe.Megabyte, cost.ToString());

        // The suggested batch size is accepted.
        int suggested = int.Parse(Regex.Match(message, @"Use batchSize ([\d,]+) or less").Groups[1]
            .Value.Replace(",", ""));
        Assert.InRange(suggested, 900, 1_000);
        await client.StartJobAsync(new { networkId = network, datasetId = dataset, epochs = 1, batchSize = suggested });
    }

    [Fact]
    public async Task SecondJob_NotFittingTheMemoryBudget_WaitsQueuedAndRunsWhenTheFirstEnds()
    {
        // Each job needs ~1.8 MiB (4 → 2,048 relu → 3, Adam, batch 32): one fits in 3 MiB, two do not.
        using var factory = new ApiFactory().With("Jobs:MaxConcurrentJobs", "2").With("Jobs:MemoryBudgetBytes",
            (3L << 20).ToString());
        var client = factory.CreateClient();
        var network = await client.CreateNetworkAsync(new
        {
            inputWidth = 4, layers = new object[] { new { units = 2_048, activation = "relu" },
                new { units = 3, activation = "softmax" } },
            loss = "categorical_cross_entropy", seed = 1,
        });
        var dataset = await client.UploadIrisAsync();
        var first = (Guid)(await client.StartJobAsync(new { networkId = network, datasetId = dataset,
            epochs = 100_000 }))["id"]!;
        await client.WaitForJobAsync(first, j => (string)j["status"]! == "running");

        var second = (Guid)(await client.StartJobAsync(new { networkId = network, datasetId = dataset,
            epochs = 2 }))["id"]!;
        var budget = factory.Services.GetRequiredService<JobMemoryBudget>();
        var deadline = DateTime.UtcNow + ApiClient.JobTimeout;
        while (!budget.IsWaiting(second))
        {
            Assert.True(DateTime.UtcNow < deadline, "The second job was never held back for memory.");
            await Task.Delay(20);
        }
        Assert.Equal("queued", (string)(await client.GetJobAsync(second))["status"]!);
        Assert.Equal("running", (string)(await client.GetJobAsync(first))["status"]!);

        await (await client.PostAsync($"/api/jobs/{first}/cancel", null)).ExpectAsync(HttpStatusCode.Accepted);
        var done = await client.WaitForJobAsync(second);
        Assert.Equal("succeeded", (string)done["status"]!);
        Assert.Equal(1, (int)done["attempt"]!);
    }
}
