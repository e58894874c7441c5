using System.Net;
using System.Net.Http.Json;

namespace Backprop.Api.Tests.Jobs;

public sealed class TrainingJobTests
{
    /// <summary>Long enough to be caught running (one row per step, many epochs).</summary>
    private static object LongJob(Guid network, Guid dataset) => new { networkId = network, datasetId = dataset,
        epochs = 50_000, batchSize = 1 };

    [Fact]
    public async Task Cancel_RunningJob_StopsItAndKeepsHistory()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var job = await client.StartJobAsync(LongJob(await client.CreateIrisNetworkAsync(),
            await client.UploadIrisAsync()));
        var id = (Guid)job["id"]!;
        await client.WaitForJobAsync(id, j => (int)j["epoch"]! >= 2);

        var response = await client.PostAsync($"/api/jobs/{id}/cancel", null);
        await response.ExpectAsync(HttpStatusCode.Accepted);
        var cancelled = await client.WaitForJobAsync(id);
        Assert.Equal("cancelled", (string)cancelled["status"]!);
        Assert.Null(cancelled["modelId"]);
        Assert.NotNull(cancelled["finishedAt"]);
        // Every completed epoch exactly once, over as many pages as a fast machine gets through before the cancel.
        var epochs = (await client.GetHistoryAsync(id)).Select(e => (int)e["epoch"]!).ToList();
        Assert.Equal(Enumerable.Range(1, (int)cancelled["epoch"]!), epochs);

        await (await client.PostAsync($"/api/jobs/{id}/cancel", null)).ExpectProblemAsync(HttpStatusCode.Conflict);
        var list = await (await client.GetAsync("/api/jobs?status=cancelled")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(id, (Guid)list["items"]![0]!["id"]!);
        Assert.Equal(0, (int)(await (await client.GetAsync("/api/jobs?status=running"))
            .ExpectAsync(HttpStatusCode.OK))["totalCount"]!);
    }

    [Fact]
    public async Task Cancel_QueuedJob_CancelsAtOnce()
    {
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false");
        var client = factory.CreateClient();
        var job = await client.StartJobAsync(new { networkId = await client.CreateIrisNetworkAsync(),
            datasetId = await client.UploadIrisAsync(), epochs = 1 });
        Assert.Equal("queued", (string)job["status"]!);
        var cancelled = await (await client.PostAsync($"/api/jobs/{job["id"]}/cancel", null))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("cancelled", (string)cancelled["status"]!);
    }

    [Fact]
    public async Task Worker_TwoJobs_RunAtTheSameTime()
    {
        using var factory = new ApiFactory().With("Jobs:MaxConcurrentJobs", "2");
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var dataset = await client.UploadIrisAsync();
        var first = (Guid)(await client.StartJobAsync(LongJob(network, dataset)))["id"]!;
        var second = (Guid)(await client.StartJobAsync(LongJob(network, dataset)))["id"]!;

        await client.WaitForJobAsync(first, j => (string)j["status"]! == "running");
        await client.WaitForJobAsync(second, j => (string)j["status"]! == "running");
        var running = await (await client.GetAsync("/api/jobs?status=running")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, (int)running["totalCount"]!);
        foreach (var id in new[] { first, second })
        {
            await (await client.PostAsync($"/api/jobs/{id}/cancel", null)).ExpectAsync(HttpStatusCode.Accepted);
            Assert.Equal("cancelled", (string)(await client.WaitForJobAsync(id))["status"]!);
        }
    }

    [Fact]
    public async Task Worker_QueuedJobAfterRestart_RunsIt()
    {
        string databasePath;
        Guid id;
        using (var before = new ApiFactory().With("Jobs:WorkerEnabled", "false"))
        {
            before.KeepDatabase = true;
            databasePath = before.DatabasePath;
            var client = before.CreateClient();
            var job = await client.StartJobAsync(new { networkId = await client.CreateIrisNetworkAsync(),
                datasetId = await client.UploadIrisAsync(), epochs = 5 });
            id = (Guid)job["id"]!;
            // no worker: nothing can have claimed it
            Assert.Equal("queued", (string)(await client.GetJobAsync(id))["status"]!);
        }

        using var after = new ApiFactory(databasePath);
        var restarted = after.CreateClient();
        var finished = await restarted.WaitForJobAsync(id);
        Assert.Equal("succeeded", (string)finished["status"]!);
        Assert.Equal(1, (int)finished["attempt"]!);
        await (await restarted.GetAsync($"/api/models/{finished["modelId"]}")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Get_FinishedJob_ReportsProgressTimingAndLinks()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var job = await client.TrainAsync(new { networkId = await client.CreateIrisNetworkAsync(),
            datasetId = await client.UploadIrisAsync(), epochs = 3, validationFraction = 0.2 });
        Assert.Equal(3, (int)job["epochs"]!);
        Assert.NotNull(job["bestValidationLoss"]);
        // Elapsed is the time from start to finish as the job row records it.
        double elapsed = ((DateTime)job["finishedAt"]! - (DateTime)job["startedAt"]!).TotalSeconds;
        Assert.Equal(elapsed, (double)job["elapsedSeconds"]!, 3);
        Assert.Equal(0, (double)job["estimatedRemainingSeconds"]!);
        Assert.Equal($"/api/models/{job["modelId"]}", (string)job["links"]!["model"]!);
        Assert.Equal(7, (int)job["seed"]!);
    }

    [Fact]
    public async Task GradientCheck_Network_ReportsSmallErrorsPerLayer()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var network = await client.CreateNetworkAsync(new
        {
            inputWidth = 4, layers = new object[] { new { units = 5, activation = "tanh" },
                new { units = 3, activation = "softmax" } },
            loss = "categorical_cross_entropy", seed = 2,
        });
        var result = await (await client.PostAsJsonAsync($"/api/networks/{network}/gradient-check",
            new { datasetId = await client.UploadIrisAsync(), rows = 4 }))
            .ExpectAsync(HttpStatusCode.OK);
        var layers = result["layers"]!.AsArray();
        Assert.Equal(2, layers.Count);
        Assert.All(layers, l =>
        {
            // double-precision central differences
            Assert.True((double)l!["maxRelativeErrorWeights"]! < 1e-5, l.ToJsonString());
            Assert.True((double)l["maxRelativeErrorBiases"]! < 1e-5, l.ToJsonString());
        });
    }
}
