using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Backprop.Api.Tests.Selection;

public sealed class CrossValidationTests
{
    private static object Request(Guid network, Guid dataset, object crossValidation, int epochs = 5) => new
    {
        networkId = network, datasetId = dataset, epochs, batchSize = 16, optimizer = new { kind = "adam",
            learningRate = 0.01 }, crossValidation,
    };

    private static async Task<JsonNode> RunAsync(HttpClient client, object request)
    {
        var job = await client.StartJobAsync(request);
        return await client.WaitForJobAsync((Guid)job["id"]!);
    }

    [Fact]
    public async Task CrossValidation_FoldMetrics_EqualSeparateJobsOnTheSameFolds()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var dataset = await client.UploadIrisAsync();

        var parent = await RunAsync(client, Request(network, dataset, new { folds = 3, stratified = true,
            shuffleSeed = 11 }));

        Assert.Equal("succeeded", (string)parent["status"]!);
        var perFold = parent["crossValidation"]!["perFold"]!.AsArray();
        Assert.Equal([0, 1, 2], perFold.Select(f => (int)f!["fold"]!));
        foreach (var fold in perFold)
        {
            int index = (int)fold!["fold"]!;
            var separate = await RunAsync(client, Request(network, dataset, new { folds = 3, stratified = true,
                shuffleSeed = 11, fold = index }));
            Assert.Equal("succeeded", (string)separate["status"]!);
            var history = await (await client.GetAsync($"/api/jobs/{separate["id"]}/history"))
                .ExpectAsync(HttpStatusCode.OK);
            var last = history["epochs"]!.AsArray()[^1]!;
            foreach (var metric in new[] { "trainLoss", "validationLoss", "validationAccuracy" })
                Assert.Equal((double)last[metric]!, (double)fold["metrics"]![metric]!);
        }
    }

    [Fact]
    public async Task CrossValidation_Summary_IsMeanAndStandardDeviationsOfTheFolds()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var parent = await RunAsync(client, Request(await client.CreateIrisNetworkAsync(),
            await client.UploadIrisAsync(), new { folds = 4 }));

        var cv = parent["crossValidation"]!;
        foreach (var metric in new[] { "validationLoss", "validationAccuracy", "trainLoss" })
        {
            var values = cv["perFold"]!.AsArray().Select(f => (double)f!["metrics"]![metric]!).ToArray();
            double mean = values.Average();
            double squares = values.Sum(v => (v - mean) * (v - mean));
            var summary = cv["summary"]![metric]!;
            Assert.Equal(mean, (double)summary["mean"]!, 1e-12);
            Assert.Equal(Math.Sqrt(squares / (values.Length - 1)), (double)summary["standardDeviation"]!, 1e-12);
            Assert.Equal(Math.Sqrt(squares / values.Length), (double)summary["populationStandardDeviation"]!, 1e-12);
        }
        // The parent's history is the per-epoch mean of its folds' histories.
        var history = await (await client.GetAsync($"/api/jobs/{parent["id"]}/history")).ExpectAsync(HttpStatusCode.OK);
        var lastMean = history["epochs"]!.AsArray()[^1]!;
        Assert.Equal(5, (int)lastMean["epoch"]!);
        Assert.Equal((double)cv["summary"]!["validationLoss"]!["mean"]!, (double)lastMean["validationLoss"]!, 1e-12);
    }

    [Fact]
    public async Task CrossValidation_SameSeed_GivesTheSameFoldsAndResults()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var dataset = await client.UploadIrisAsync();
        var request = Request(network, dataset, new { folds = 3, shuffleSeed = 5 });

        var first = await RunAsync(client, request);
        var second = await RunAsync(client, request);

        Assert.Equal(first["crossValidation"]!["perFold"]!.AsArray().Select(f => f!["metrics"]!.ToJsonString()),
                     second["crossValidation"]!["perFold"]!.AsArray().Select(f => f!["metrics"]!.ToJsonString()));
    }

    [Fact]
    public async Task CrossValidation_TrainFinalModel_TrainsOnAllRowsAndIsTheJobsModel()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var parent = await RunAsync(client, Request(await client.CreateIrisNetworkAsync(),
            await client.UploadIrisAsync(), new { folds = 3, trainFinalModel = true }));

        Assert.Equal("succeeded", (string)parent["status"]!);
        var finalId = (Guid)parent["crossValidation"]!["finalJobId"]!;
        var final = await client.GetJobAsync(finalId);
        Assert.Equal((Guid)parent["id"]!, (Guid)final["parentJobId"]!);
        Assert.Null(final["fold"]);
        Assert.Equal((Guid)final["modelId"]!, (Guid)parent["modelId"]!);
        var model = await (await client.GetAsync($"/api/models/{parent["modelId"]}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("training_data", (string)model["metrics"]!["evaluatedOn"]!);
    }

    [Fact]
    public async Task Cancel_CrossValidation_CancelsItsFolds()
    {
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false");
        var client = factory.CreateClient();
        var parent = await client.StartJobAsync(Request(await client.CreateIrisNetworkAsync(),
            await client.UploadIrisAsync(), new { folds = 3 }));
        Assert.Equal("running", (string)parent["status"]!);
        Assert.All(parent["crossValidation"]!["perFold"]!.AsArray(), f => Assert.Equal("queued",
            (string)f!["status"]!));

        var cancelled = await (await client.PostAsync($"/api/jobs/{parent["id"]}/cancel", null))
            .ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("cancelled", (string)cancelled["status"]!);
        Assert.All(cancelled["crossValidation"]!["perFold"]!.AsArray(), f => Assert.Equal("cancelled",
            (string)f!["status"]!));
        await (await client.PostAsync($"/api/jobs/{parent["id"]}/cancel", null))
            .ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task CrossValidation_MoreFoldsThanTheQuotaAllows_Returns409()
    {
        using var factory = new ApiFactory().With("Tenancy:MaxConcurrentJobs", "3").With("Jobs:WorkerEnabled", "false");
        var client = factory.CreateClient();
        var response = await client.PostAsJsonAsync("/api/jobs", Request(await client.CreateIrisNetworkAsync(),
            await client.UploadIrisAsync(), new { folds = 4 }));
        await response.ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData(1, "crossValidation.folds")]
    [InlineData(500, "crossValidation.folds")]
    public async Task CrossValidation_InvalidFolds_Returns400WithThePath(int folds, string path)
    {
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false");
        var client = factory.CreateClient();
        var response = await client.PostAsJsonAsync("/api/jobs", Request(await client.CreateIrisNetworkAsync(),
            await client.UploadIrisAsync(), new { folds }));
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]![path]);
    }

    [Fact]
    public async Task CrossValidation_WithoutEpochs_EachFoldStopsEarlyOnItsFoldAndTheFinalTrainsTheirMeanBestEpoch()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var dataset = await client.UploadIrisAsync();
        // No epochs: the default budget with early stopping. A high rate makes every fold's validation loss turn well
        // before it.
        var parent = await RunAsync(client, new
        {
            networkId = network, datasetId = dataset, optimizer = new { kind = "adam", learningRate = 0.05 },
            crossValidation = new { folds = 3, shuffleSeed = 11, trainFinalModel = true },
        });

        Assert.Equal("succeeded", (string)parent["status"]!);
        Assert.Equal(1000, (int)parent["epochs"]!);
        var bestEpochs = new List<int>();
        foreach (var fold in parent["crossValidation"]!["perFold"]!.AsArray())
        {
            var job = await client.GetJobAsync((Guid)fold!["jobId"]!);
            Assert.Equal(1000, (int)job["epochs"]!);
            Assert.Equal(0, (double)job["request"]!["validationFraction"]!);
            Assert.Equal("validation_loss", (string)job["request"]!["earlyStopping"]!["monitor"]!);
            // Stopped at the 11th epoch without a better validation loss of the held-out fold (patience 10 tolerates
            // ten).
            Assert.Equal("early_stopped", (string)job["stopReason"]!);
            Assert.Equal((int)job["bestEpoch"]! + 11, (int)job["epoch"]!);
            bestEpochs.Add((int)job["bestEpoch"]!);
            Assert.True((double)fold["metrics"]!["validationLoss"]! >= (double)job["bestValidationLoss"]!);
        }
        // The final training holds nothing out: it trains every row for the epochs the folds chose, on average.
        var final = await client.GetJobAsync((Guid)parent["crossValidation"]!["finalJobId"]!);
        Assert.Equal("succeeded", (string)final["status"]!);
        int mean = (int)Math.Round(bestEpochs.Average(), MidpointRounding.AwayFromZero);
        Assert.Equal((mean, mean, mean), ((int)final["request"]!["epochs"]!, (int)final["epochs"]!,
            (int)final["epoch"]!));
        Assert.Null(final["request"]!["earlyStopping"]);
        Assert.Equal("completed", (string)final["stopReason"]!);
        Assert.Null(final["validationLoss"]);
        Assert.Equal((string)final["modelId"]!, (string)parent["modelId"]!);
    }
}
