using System.Net;

namespace Backprop.Api.Tests.Jobs;

/// <summary>GET /api/jobs/{id} shows a running job's progress from the live view, before any checkpoint is
/// written.</summary>
public sealed class LiveProgressTests
{
    [Fact]
    public async Task GetJob_BeforeFirstCheckpoint_ShowsLiveEpochLossesAndEta()
    {
        // No checkpoint for the job's first hour or million epochs: what GET shows can only come from the live view.
        using var factory = new ApiFactory().With("Jobs:CheckpointEveryEpochs", "1000000")
            .With("Jobs:CheckpointInterval", "01:00:00");
        var client = factory.CreateClient();
        var job = await client.StartJobAsync(new
        {
            networkId = await client.CreateIrisNetworkAsync(), datasetId = await client.UploadIrisAsync(),
                epochs = 100_000, batchSize = 1,
            validationFraction = 0.2,
            // A step too small to fit iris: on a fast machine thousands of epochs pass before the first poll, and
            // Adam's default drives the float32 training loss to exactly 0 by then.
            optimizer = new { kind = "sgd", learningRate = 1e-6 },
        });
        var id = (Guid)job["id"]!;

        var running = await client.WaitForJobAsync(id, j => (int)j["epoch"]! >= 3);
        Assert.Equal("running", (string)running["status"]!);
        Assert.True((double)running["trainLoss"]! > 0);
        Assert.True((double)running["validationLoss"]! > 0);
        Assert.NotNull(running["bestEpoch"]);
        Assert.True((double)running["estimatedRemainingSeconds"]! > 0);
        var history = await (await client.GetAsync($"/api/jobs/{id}/history")).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(history["epochs"]!.AsArray());

        var listed = await (await client.GetAsync("/api/jobs?status=running")).ExpectAsync(HttpStatusCode.OK);
        Assert.True((int)listed["items"]![0]!["epoch"]! >= 3);
        Assert.True((double)listed["items"]![0]!["estimatedRemainingSeconds"]! > 0);

        await (await client.PostAsync($"/api/jobs/{id}/cancel", null)).ExpectAsync(HttpStatusCode.Accepted);
        var cancelled = await client.WaitForJobAsync(id);
        // Every epoch stored exactly once, read page by page through the next links.
        var epochs = new List<int>();
        for (string? next = $"/api/jobs/{id}/history"; next is not null;)
        {
            var page = await (await client.GetAsync(next)).ExpectAsync(HttpStatusCode.OK);
            epochs.AddRange(page["epochs"]!.AsArray().Select(e => (int)e!["epoch"]!));
            next = (string?)page["next"];
        }
        Assert.Equal(Enumerable.Range(1, (int)cancelled["epoch"]!), epochs);
    }
}
