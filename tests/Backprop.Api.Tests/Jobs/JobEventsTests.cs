using System.Net;
using Backprop.Api.Jobs.Live;
using Microsoft.Extensions.DependencyInjection;

namespace Backprop.Api.Tests.Jobs;

/// <summary>GET /api/jobs/{id}/events through the HTTP client, as <c>curl -N</c> or a browser's fetch reads
/// it.</summary>
public sealed class JobEventsTests
{
    /// <summary>Every epoch as an event (no thinning) and a checkpoint every 10 epochs, so streams mix stored and live
    /// epochs.</summary>
    private static ApiFactory EveryEpochFactory() => new ApiFactory().With("Live:MaxEventsPerSecond", "0")
        .With("Jobs:CheckpointEveryEpochs", "10")
        .StartOnKestrel();

    private static async Task<(HttpClient Client, Guid Job)> StartAsync(ApiFactory factory, int epochs,
        int batchSize = 16)
    {
        var client = factory.CreateKestrelClient();
        var job = await client.StartJobAsync(new { networkId = await client.CreateIrisNetworkAsync(),
            datasetId = await client.UploadIrisAsync(), epochs, batchSize });
        return (client, (Guid)job["id"]!);
    }

    [Fact]
    public async Task Events_WholeJob_EveryEpochOnceInOrderBetweenStatuses()
    {
        using var factory = EveryEpochFactory();
        var (client, id) = await StartAsync(factory, epochs: 300);

        using var stream = await EventStream.OpenAsync(client, id);
        var events = await stream.ReadToEndAsync().WaitAsync(ApiClient.JobTimeout);

        // A stream opened while the job runs starts with its status; one opened after a fast machine has already
        // finished the job is its stored epochs and then the one final status.
        if (events[0].Type == "status") Assert.Contains(events[0].Status, new[] { "queued", "running" });
        else Assert.Single(events, e => e.Type == "status");
        Assert.Equal(("status", "succeeded"), (events[^1].Type, events[^1].Status));
        Assert.NotNull(events[^1].Data["modelId"]);
        var epochs = events.Where(e => e.Type == "epoch").ToList();
        Assert.Equal(Enumerable.Range(1, 300), epochs.Select(e => e.Epoch));
        Assert.All(epochs, e => Assert.Equal(e.Epoch.ToString(), e.Id));
        Assert.All(epochs, e => Assert.Equal(2, e.Data["layers"]!.AsArray().Count));
        // Statuses only on transitions: queued (maybe), running, succeeded.
        var statuses = events.Where(e => e.Type == "status").Select(e => e.Status).ToList();
        Assert.Equal(statuses.Distinct(), statuses);
    }

    [Fact]
    public async Task Events_JobWithFrozenBiases_StreamsTheFindingBeforeTheEnd()
    {
        using var factory = EveryEpochFactory();
        var client = factory.CreateKestrelClient();
        var network = await client.CreateNetworkAsync(new
        {
            inputWidth = 4, loss = "categorical_cross_entropy", seed = 7,
            layers = new object[] { new { units = 16, activation = "relu", biasLearningRateMultiplier = 0 },
                new { units = 3, activation = "softmax" } },
        });
        var job = await client.StartJobAsync(new { networkId = network, datasetId = await client.UploadIrisAsync(),
            epochs = 6, batchSize = 16 });

        using var stream = await EventStream.OpenAsync(client, (Guid)job["id"]!);
        var events = await stream.ReadToEndAsync().WaitAsync(ApiClient.JobTimeout);

        var diagnostics = events.FindLastIndex(e => e.Type == "diagnostics");
        Assert.True(diagnostics >= 0, string.Join(", ", events.Select(e => e.Type)));
        Assert.True(diagnostics < events.Count - 1);
        var finding = Assert.Single(events[diagnostics].Data.AsArray(), f => (string)f!["code"]! == "frozen_biases")!;
        Assert.Equal(0, (int)finding["layer"]!);
        Assert.Equal(("status", "succeeded"), (events[^1].Type, events[^1].Status));
    }

    [Fact]
    public async Task Events_ResumedWithLastEventIdMidJob_NoGapNoDuplicate()
    {
        using var factory = EveryEpochFactory();
        var (client, id) = await StartAsync(factory, epochs: 20_000, batchSize: 1);

        // The first connection sees epochs past a few checkpoints, but the client kept only up to epoch 5 when it
        // dropped.
        var seen = new List<int>();
        using (var first = await EventStream.OpenAsync(client, id))
        {
            while (seen.Count == 0 || seen[^1] < 35)
                if (await first.NextAsync().WaitAsync(ApiClient.JobTimeout) is { Type: "epoch" } e) seen.Add(e.Epoch);
        }
        seen = seen.TakeWhile(e => e <= 5).ToList();

        // Resumed: epochs 6.. come from the stored history (checkpoints every 10) and then from the live job, to its
        // end.
        using var resumed = await EventStream.OpenAsync(client, id, lastEventId: "5");
        while (seen[^1] < 60)
            if (await resumed.NextAsync().WaitAsync(ApiClient.JobTimeout) is { Type: "epoch" } e) seen.Add(e.Epoch);
        // 409 when a fast machine has already finished it
        var cancel = await client.PostAsync($"/api/jobs/{id}/cancel", null);
        Assert.Contains(cancel.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.Conflict });
        var rest = await resumed.ReadToEndAsync().WaitAsync(ApiClient.JobTimeout);
        seen.AddRange(rest.Where(e => e.Type == "epoch").Select(e => e.Epoch));

        var job = await client.GetJobAsync(id);
        Assert.Equal(("status", (string)job["status"]!), (rest[^1].Type, rest[^1].Status));
        Assert.Equal(Enumerable.Range(1, (int)job["epoch"]!), seen);
    }

    [Fact]
    public async Task Events_FastJobThinned_KeepsLastEpochAndFinalStatus()
    {
        // One event per 1000 s at most: only the first epoch seen and the last one can be sent.
        using var factory = new ApiFactory().With("Live:MaxEventsPerSecond", "0.001").StartOnKestrel();
        var (client, id) = await StartAsync(factory, epochs: 300);

        using var stream = await EventStream.OpenAsync(client, id);
        var events = await stream.ReadToEndAsync().WaitAsync(ApiClient.JobTimeout);

        var epochs = events.Where(e => e.Type == "epoch").Select(e => e.Epoch).ToList();
        Assert.InRange(epochs.Count, 1, 2);
        Assert.Equal(300, epochs[^1]);
        Assert.Equal(epochs.Order().Distinct(), epochs);
        Assert.Equal(("status", "succeeded"), (events[^1].Type, events[^1].Status));
    }

    [Fact]
    public async Task Events_ClientDisconnectsFromRunningJob_StreamReleasedWhileJobRuns()
    {
        // A million epochs cannot finish within the test, so the stream ends because its client left, not the job.
        using var factory = new ApiFactory().With("Limits:MaxEpochs", "1000000").StartOnKestrel();
        var live = factory.Services.GetRequiredService<LiveJobs>();
        var (client, id) = await StartAsync(factory, epochs: 1_000_000, batchSize: 1);

        using (var stream = await EventStream.OpenAsync(client, id))
        {
            while (await stream.NextAsync().WaitAsync(ApiClient.JobTimeout) is not { Type: "epoch" }) { }
            Assert.Equal(1, live.Subscribers);
        }

        using var gone = new CancellationTokenSource(ApiClient.JobTimeout);
        await live.WaitForSubscribersAsync(0, gone.Token);
        Assert.Equal("running", (string)(await client.GetJobAsync(id))["status"]!);
        await (await client.PostAsync($"/api/jobs/{id}/cancel", null)).ExpectAsync(HttpStatusCode.Accepted);
        await client.WaitForJobAsync(id);
    }

    [Fact]
    public async Task Events_QueuedJobCancelled_QueuedThenCancelledThenEnd()
    {
        // No worker: the job stays queued until cancelled, and the stream follows its row.
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false").StartOnKestrel();
        var (client, id) = await StartAsync(factory, epochs: 5);

        using var stream = await EventStream.OpenAsync(client, id);
        var first = await stream.NextAsync().WaitAsync(ApiClient.JobTimeout);
        Assert.Equal(("status", "queued"), (first!.Type, first.Status));
        await (await client.PostAsync($"/api/jobs/{id}/cancel", null)).ExpectAsync(HttpStatusCode.OK);

        var rest = await stream.ReadToEndAsync().WaitAsync(ApiClient.JobTimeout);
        var last = Assert.Single(rest);
        Assert.Equal(("status", "cancelled", 0), (last.Type, last.Status, last.Epoch));
        Assert.Equal("cancelled", (string)last.Data["stopReason"]!);
    }

    [Fact]
    public async Task Events_QuietQueuedJob_HeartbeatCommentsKeepTheStreamAlive()
    {
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false")
            .With("Live:HeartbeatInterval", "00:00:00.100").StartOnKestrel();
        var (client, id) = await StartAsync(factory, epochs: 5);

        using var stream = await EventStream.OpenAsync(client, id);
        var first = await stream.NextAsync().WaitAsync(ApiClient.JobTimeout);
        Assert.Equal(("status", "queued"), (first!.Type, first.Status));
        // Nothing happens to a queued job without a worker: what comes next is a heartbeat, and then another.
        Assert.Equal("heartbeat", await stream.NextCommentAsync().WaitAsync(ApiClient.JobTimeout));
        Assert.Equal("heartbeat", await stream.NextCommentAsync().WaitAsync(ApiClient.JobTimeout));
    }

    [Fact]
    public async Task Events_MalformedLastEventId_Returns400NamingTheHeader()
    {
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false");
        var client = factory.CreateClient();
        var job = await client.StartJobAsync(new { networkId = await client.CreateIrisNetworkAsync(),
            datasetId = await client.UploadIrisAsync(), epochs = 5 });

        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{job["id"]}/events");
        request.Headers.Add("Last-Event-ID", "epoch-5");
        var problem = await (await client.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        var error = (string)problem["errors"]!["Last-Event-ID"]![0]!;
        Assert.Contains("'epoch-5'", error);
    }

    [Fact]
    public async Task Events_JobTrainingOnAnotherReplica_EveryEpochOnceInOrderThenTheEnd()
    {
        // A trains; B has no worker, so its stream follows the job through the shared database (row and history).
        using var a = new ApiFactory().With("Jobs:CheckpointEveryEpochs", "10");
        using var b = new ApiFactory(a.DatabasePath) { KeepDatabase = true }.With("Jobs:WorkerEnabled", "false")
            .With("Live:MaxEventsPerSecond", "0").StartOnKestrel();
        var onA = a.CreateClient();
        var job = await onA.StartJobAsync(new { networkId = await onA.CreateIrisNetworkAsync(),
            datasetId = await onA.UploadIrisAsync(), epochs = 300, batchSize = 16 });

        using var stream = await EventStream.OpenAsync(b.CreateKestrelClient(), (Guid)job["id"]!);
        var events = await stream.ReadToEndAsync().WaitAsync(ApiClient.JobTimeout);

        Assert.Equal(Enumerable.Range(1, 300), events.Where(e => e.Type == "epoch").Select(e => e.Epoch));
        Assert.Equal(("status", "succeeded"), (events[^1].Type, events[^1].Status));
        Assert.NotNull(events[^1].Data["modelId"]);
    }
}
