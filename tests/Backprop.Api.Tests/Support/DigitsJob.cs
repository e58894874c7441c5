using System.Net;
using System.Text.Json.Nodes;

namespace Backprop.Api.Tests.Support;

/// <summary>A digits job (64 → 32 relu → 10 softmax, adam, 20 % validation) on a service, and the checks of its
/// result.</summary>
public static class DigitsJob
{
    /// <summary>Settings for a child-process service that checkpoints often and notices a dead worker within about five
    /// seconds.</summary>
    public static Dictionary<string, string> FastRecoverySettings() => new()
    {
        ["Jobs:MaxConcurrentJobs"] = "2",
        ["Jobs:CheckpointEveryEpochs"] = "10",
        ["Jobs:CheckpointInterval"] = "00:00:00.500",
        ["Jobs:LeaseDuration"] = "00:00:05",
        ["Jobs:SweepInterval"] = "00:00:00.250",
        ["RateLimits:PredictionsPerWindow"] = "10000000",
        ["RateLimits:JobSubmissionsPerWindow"] = "100000",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Backprop.Api.Jobs"] = "Information",
    };

    public static async Task<(Guid Network, Guid Dataset)> CreateAsync(HttpClient client)
    {
        var network = await client.CreateNetworkAsync(new
        {
            name = "digits-mlp",
            inputWidth = 64,
            layers = new object[] { new { units = 32, activation = "relu" },
                new { units = 10, activation = "softmax" } },
            loss = "categorical_cross_entropy",
            seed = 11,
        });
        var csv = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "samples", "digits", "train.csv"));
        return (network, await client.UploadCsvAsync("digits-train", csv, "label"));
    }

    public static object Request(Guid network, Guid dataset, int epochs) => new
    {
        networkId = network, datasetId = dataset, epochs, batchSize = 16, seed = 5, validationFraction = 0.2,
        optimizer = new { kind = "adam", learningRate = 1e-3 },
    };

    public static async Task<Guid> StartAsync(HttpClient client, Guid network, Guid dataset, int epochs) =>
        (Guid)(await client.StartJobAsync(Request(network, dataset, epochs)))["id"]!;

    /// <summary>The job succeeded and its history holds epochs 1..epochs, each exactly once.</summary>
    public static async Task<JsonNode> AssertSucceededWithContiguousHistoryAsync(HttpClient client, Guid job,
        int epochs, TimeSpan timeout)
    {
        var finished = await client.WaitForJobAsync(job, timeout: timeout);
        Assert.True((string)finished["status"]! == "succeeded", finished.ToJsonString());
        AssertContiguous(await HistoryAsync(client, job), 1, epochs);
        return finished;
    }

    /// <summary>
    /// After a kill or a stop that left <paramref name="job"/> at its checkpoint at <paramref name="checkpointEpoch"/>:
    /// restarts the service, trains the same job uninterrupted beside it, and checks that the job resumed from that
    /// checkpoint and ended like the uninterrupted run, bit for bit.
    /// </summary>
    public static async Task AssertResumesLikeAnUninterruptedRunAsync(ServiceProcess service,
        (Guid Network, Guid Dataset) setup, Guid job, int epochs, int checkpointEpoch, TimeSpan timeout)
    {
        var client = await service.StartAsync();
        var reference = await StartAsync(client, setup.Network, setup.Dataset, epochs);
        var resumed = await AssertSucceededWithContiguousHistoryAsync(client, job, epochs, timeout);
        await AssertSameAsReferenceAsync(client, job, resumed, reference, epochs, timeout);
        // A lease lost on a loaded machine only adds attempts, each resuming from the checkpoint before it.
        Assert.Contains($"Job {job} resumes from its checkpoint at epoch {checkpointEpoch} (attempt ", service.Log);
        AssertLastRunResumed(service.Log, job, resumed);
    }

    /// <summary>The uninterrupted <paramref name="reference"/> succeeds, and <paramref name="job"/> (finished) has its
    /// weights bit for bit and its curves.</summary>
    public static async Task AssertSameAsReferenceAsync(HttpClient client, Guid job, JsonNode finished,
        Guid reference, int epochs, TimeSpan timeout)
    {
        var uninterrupted = await AssertSucceededWithContiguousHistoryAsync(client, reference, epochs, timeout);
        Assert.Equal(await WeightsAsync(client, uninterrupted), await WeightsAsync(client, finished));
        AssertSameCurves(await HistoryAsync(client, reference), await HistoryAsync(client, job));
    }

    /// <summary>The run that finished the job resumed from a checkpoint, and the log names it by the job's own attempt
    /// number.</summary>
    public static void AssertLastRunResumed(string log, Guid job, JsonNode finishedJob)
    {
        int attempt = (int)finishedJob["attempt"]!;
        Assert.True(attempt >= 2, finishedJob.ToJsonString());
        Assert.Matches($@"Job {job} resumes from its checkpoint at epoch \d+ \(attempt {attempt}\)", log);
    }

    public static async Task<JsonArray> HistoryAsync(HttpClient client, Guid job) =>
        new([.. (await client.GetHistoryAsync(job)).Select(e => e.DeepClone())]);

    public static void AssertContiguous(JsonArray history, int first, int last) =>
        Assert.Equal(Enumerable.Range(first, last - first + 1), history.Select(e => (int)e!["epoch"]!));

    /// <summary>The per-layer weights and biases of the job's model, as exported (JSON text, so equality is bit for bit
    /// on the floats' round-trip form).</summary>
    public static async Task<string> WeightsAsync(HttpClient client, JsonNode finishedJob)
    {
        var model = await (await client.GetAsync($"/api/models/{finishedJob["modelId"]}/weights"))
            .ExpectAsync(HttpStatusCode.OK);
        return model["layers"]!.ToJsonString();
    }

    /// <summary>Every epoch's losses and accuracies of two runs are the same numbers (durations and ids
    /// aside).</summary>
    public static void AssertSameCurves(JsonArray expected, JsonArray actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (e, a) in expected.Zip(actual))
            foreach (var metric in new[] { "trainLoss", "validationLoss", "trainAccuracy", "validationAccuracy",
                "learningRate" })
                Assert.True(e![metric]?.ToJsonString() == a![metric]?.ToJsonString(),
                    $"epoch {e["epoch"]}: {metric} {e[metric]} vs {a[metric]}");
    }
}
