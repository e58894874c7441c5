using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Backprop.Api.Tests.Selection;

public sealed class SearchTests
{
    private static readonly object IrisNetwork = new
    {
        name = "iris", inputWidth = 4, loss = "categorical_cross_entropy", seed = 7,
        layers = new object[] { new { units = 16, activation = "relu" }, new { units = 3, activation = "softmax" } },
    };

    private static object Job(Guid dataset, int epochs) => new { datasetId = dataset, epochs, batchSize = 16,
        validationFraction = 0.2 };

    private static async Task<JsonNode> StartAsync(HttpClient client, object request)
    {
        var response = await client.PostAsJsonAsync("/api/searches", request);
        var search = await response.ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal($"/api/searches/{search["id"]}", response.Headers.Location?.OriginalString);
        return search;
    }

    private static async Task<JsonNode> GetAsync(HttpClient client, JsonNode search) =>
        await (await client.GetAsync($"/api/searches/{search["id"]}")).ExpectAsync(HttpStatusCode.OK);

    /// <summary>Polls until <paramref name="done"/> holds (default: the search finished), failing after the client's
    /// job timeout.</summary>
    private static async Task<JsonNode> WaitAsync(HttpClient client, JsonNode search,
        Func<JsonNode, bool>? done = null, double timeoutSeconds = 240)
    {
        done ??= s => (string)s["status"]! != "running";
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var current = await GetAsync(client, search);
            if (done(current)) return current;
            if (DateTime.UtcNow > deadline) throw new TimeoutException(
                $"Search {search["id"]} did not get there in time: {current.ToJsonString()}");
            await Task.Delay(50);
        }
    }

    private static double TestAccuracy(JsonNode prediction, List<double[]> rows) =>
        rows.Zip(prediction["predictions"]!.AsArray()).Count(p => (string)p.Second!["label"]! == ((int)p.First[4])
            .ToString()) / (double)rows.Count;

    [Fact]
    public async Task RandomSearch_IrisLearningRateAndWidth_IsAtLeastAsAccurateAsScikitLearnMlpDefault()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var dataset = await client.UploadIrisAsync();
        var search = await StartAsync(client, new
        {
            name = "iris lr/width", network = IrisNetwork, job = Job(dataset, 60),
            space = new Dictionary<string, object>
            {
                ["job.optimizer.learningRate"] = new { logUniform = new[] { 0.001, 0.1 } },
                ["network.layers[0].units"] = new { choice = new[] { 8, 32, 128 } },
            },
            strategy = "random", maxTrials = 20, maxConcurrentTrials = 2, metric = "validationLoss", seed = 1,
        });

        var done = await WaitAsync(client, search);

        Assert.Equal("succeeded", (string)done["status"]!);
        Assert.Equal(20, (int)done["budget"]!["trialsFinished"]!);
        var best = done["leaderboard"]!.AsArray().Single(t => (bool)t!["best"]!)!;
        Assert.Equal(1, (int)best["rank"]!);
        var rows = ApiClient.ReadCsvRows("iris/test.csv", out var header);
        var records = rows.Select(r => header.Take(4).Select((name, i) => (name, value: r[i]))
            .ToDictionary(p => p.name, p => p.value)).ToList();
        var prediction = await (await client.PostAsJsonAsync($"/api/models/{done["bestModelId"]}/predict",
            new { records })).ExpectAsync(HttpStatusCode.OK);
        // scikit-learn 1.4 (Debian python3-sklearn): MLPClassifier() (random_state 0 to 4) fitted on
        // samples/iris/train.csv scores 1.0 on samples/iris/test.csv, by python3 -c "import numpy as np; from
        // sklearn.neural_network import MLPClassifier as M; l=lambda f: np.loadtxt(f, delimiter=',', skiprows=1); a, b
        // = l('samples/iris/train.csv'), l('samples/iris/test.csv'); print(M(random_state=0).fit(a[:, :4], a[:,
        // 4]).score(b[:, :4], b[:, 4]))"
        const double ScikitLearnDefault = 1.0;
        Assert.True(TestAccuracy(prediction, rows) >= ScikitLearnDefault,
            $"test accuracy {TestAccuracy(prediction, rows)} < {ScikitLearnDefault}");
    }

    [Fact]
    public async Task Search_GridStrategy_EnumeratesExactlyTheGrid()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var dataset = await client.UploadIrisAsync();
        var search = await StartAsync(client, new
        {
            network = IrisNetwork, job = Job(dataset, 2),
            space = new Dictionary<string, object>
            {
                ["job.optimizer.learningRate"] = new { choice = new[] { 0.01, 0.1 } },
                ["network.layers[0].activation"] = new { choice = new[] { "relu", "tanh", "elu" } },
            },
            strategy = "grid", maxConcurrentTrials = 3,
        });
        Assert.Equal(6, (int)search["budget"]!["maxTrials"]!);

        var done = await WaitAsync(client, search);

        var trials = done["leaderboard"]!.AsArray().OrderBy(t => (int)t!["trial"]!).ToList();
        var expected = new[] { 0.01, 0.1 }.SelectMany(lr => new[] { "relu", "tanh", "elu" }.Select(a => $"{lr}/{a}"))
            .ToList();
        Assert.Equal(expected,
            trials.Select(t => $"{(double)t!["parameters"]!["job.optimizer.learningRate"]!}/"
                + $"{(string)t["parameters"]!["network.layers[0].activation"]!}"));
        foreach (var trial in trials)
        {
            // Each trial is an ordinary job whose request and network carry its values.
            var job = await client.GetJobAsync((Guid)trial!["jobId"]!);
            Assert.Equal((Guid)done["id"]!, (Guid)job["searchId"]!);
            Assert.Equal((double)trial["parameters"]!["job.optimizer.learningRate"]!,
                (double)job["request"]!["optimizer"]!["learningRate"]!);
            var network = await (await client.GetAsync($"/api/networks/{job["networkId"]}"))
                .ExpectAsync(HttpStatusCode.OK);
            Assert.Equal((string)trial["parameters"]!["network.layers[0].activation"]!,
                (string)network["layers"]![0]!["activation"]!);
        }
        var jobs = await (await client.GetAsync("/api/jobs?pageSize=100")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(6, (int)jobs["totalCount"]!);
    }

    [Fact]
    public async Task Asha_StopsAtLeastHalfTheTrialsEarly_WhileTheWinnerRunsToTheEnd()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var dataset = await client.UploadIrisAsync();
        var search = await StartAsync(client, new
        {
            network = IrisNetwork, job = Job(dataset, 45),
            space = new Dictionary<string, object>
            {
                ["job.optimizer.learningRate"] = new { logUniform = new[] { 0.0003, 0.1 } },
                ["network.layers[0].units"] = new { intUniform = new[] { 2, 32 } },
            },
            maxTrials = 9, maxConcurrentTrials = 1, metric = "validationLoss", seed = 3,
            earlyTermination = new { kind = "asha", minEpochs = 5, reductionFactor = 3 },
        });

        var done = await WaitAsync(client, search);

        var trials = done["leaderboard"]!.AsArray();
        Assert.Equal(9, trials.Count);
        int stopped = trials.Count(t => (int)t!["epoch"]! < 45);
        Assert.True(stopped >= 5, $"only {stopped} of 9 trials stopped early: {done.ToJsonString()}");
        Assert.All(trials.Where(t => (int)t!["epoch"]! < 45), t => Assert.Equal("pruned", (string)t!["stopReason"]!));
        Assert.Equal(stopped, (int)done["budget"]!["trialsStoppedEarly"]!);
        var winner = trials.Single(t => (bool)t!["best"]!)!;
        Assert.Equal(45, (int)winner["epoch"]!);
    }

    [Fact]
    public async Task Search_MedianStopping_StopsTrialsWorseThanMedian()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var dataset = await client.UploadIrisAsync();
        var search = await StartAsync(client, new
        {
            network = IrisNetwork, job = Job(dataset, 20),
            space = new Dictionary<string, object> { ["job.optimizer.learningRate"] = new { choice = new[] { 0.05,
                0.0001, 0.05 } } },
            strategy = "grid", maxConcurrentTrials = 1, metric = "validationLoss",
            earlyTermination = new { kind = "median", minEpochs = 5 },
        });

        var done = await WaitAsync(client, search);

        var byTrial = done["leaderboard"]!.AsArray().ToDictionary(t => (int)t!["trial"]!, t => t!);
        Assert.Equal(20, (int)byTrial[0]["epoch"]!); // the first has no one to compare with
        Assert.Equal("pruned", (string)byTrial[1]["stopReason"]!); // a rate 500× lower trails the first at epoch 5
        Assert.Equal(5, (int)byTrial[1]["epoch"]!);
        Assert.Equal(20, (int)byTrial[2]["epoch"]!); // the first's twin: never worse than the median of the first two
        Assert.Equal(1, (int)done["budget"]!["trialsStoppedEarly"]!);
    }

    [Fact]
    public async Task RandomSearch_SameSeed_GivesTheSameTrialsAndResults()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var dataset = await client.UploadIrisAsync();
        var request = new
        {
            network = IrisNetwork, job = Job(dataset, 3),
            space = new Dictionary<string, object>
            {
                ["job.optimizer.learningRate"] = new { logUniform = new[] { 0.001, 0.1 } },
                ["job.batchSize"] = new { intUniform = new[] { 4, 64 } },
                ["network.layers[0].dropout"] = new { uniform = new[] { 0.0, 0.5 } },
                ["job.optimizer.weightDecay"] = new { logUniform = new[] { 1e-6, 1e-2 } },
            },
            maxTrials = 3, maxConcurrentTrials = 3, seed = 42,
        };

        var first = await WaitAsync(client, await StartAsync(client, request));
        var second = await WaitAsync(client, await StartAsync(client, request));

        static List<string> Trials(JsonNode s) => s["leaderboard"]!.AsArray().OrderBy(t => (int)t!["trial"]!)
            .Select(t => t!["parameters"]!.ToJsonString() + " " + (double?)t["value"]).ToList();
        Assert.Equal(Trials(first), Trials(second));
        Assert.Equal(3, Trials(first).Distinct().Count());
    }

    [Fact]
    public async Task Cancel_Search_CancelsUnfinishedTrials()
    {
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false");
        var client = factory.CreateClient();
        var dataset = await client.UploadIrisAsync();
        var search = await StartAsync(client, new
        {
            network = IrisNetwork, job = Job(dataset, 5),
            space = new Dictionary<string, object> { ["job.optimizer.learningRate"] = new { logUniform = new[] { 0.001,
                0.1 } } },
            maxTrials = 5, maxConcurrentTrials = 2,
        });
        await WaitAsync(client, search, s => (int)s["budget"]!["trialsStarted"]! == 2);

        var cancelled = await (await client.PostAsync($"/api/searches/{search["id"]}/cancel", null))
            .ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("cancelled", (string)cancelled["status"]!);
        Assert.All(cancelled["leaderboard"]!.AsArray(), t => Assert.Equal("cancelled", (string)t!["status"]!));
        await (await client.PostAsync($"/api/searches/{search["id"]}/cancel", null))
            .ExpectProblemAsync(HttpStatusCode.Conflict);
        var list = await (await client.GetAsync("/api/searches")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("cancelled", (string)list["items"]![0]!["status"]!);
    }

    [Fact]
    public async Task Search_ServiceRestarts_ResumesAndFinishes()
    {
        string database;
        JsonNode search;
        using (var before = new ApiFactory().With("Jobs:WorkerEnabled", "false"))
        {
            before.KeepDatabase = true;
            database = before.DatabasePath;
            var client = before.CreateClient();
            var dataset = await client.UploadIrisAsync();
            search = await StartAsync(client, new
            {
                network = IrisNetwork, job = Job(dataset, 3),
                space = new Dictionary<string, object> { ["network.layers[0].units"] = new { choice = new[] { 4, 8,
                    12 } } },
                strategy = "grid", maxConcurrentTrials = 2,
            });
            await WaitAsync(client, search, s => (int)s["budget"]!["trialsStarted"]! == 2);
        }

        using var after = new ApiFactory(database);
        var restarted = after.CreateClient();
        var done = await WaitAsync(restarted, search);

        Assert.Equal("succeeded", (string)done["status"]!);
        Assert.Equal([0, 1, 2], done["leaderboard"]!.AsArray().Select(t => (int)t!["trial"]!).Order());
        Assert.All(done["leaderboard"]!.AsArray(), t => Assert.Equal("succeeded", (string)t!["status"]!));
    }

    [Fact]
    public async Task Search_TenantJobQuota_RunsNoMoreTrialsAtOnce()
    {
        using var factory = new ApiFactory().With("Tenancy:MaxConcurrentJobs", "1");
        var client = factory.CreateClient();
        var dataset = await client.UploadIrisAsync();
        var search = await StartAsync(client, new
        {
            network = IrisNetwork, job = Job(dataset, 3),
            space = new Dictionary<string, object> { ["job.optimizer.learningRate"] = new { choice = new[] { 0.01,
                0.02, 0.03 } } },
            strategy = "grid", maxConcurrentTrials = 3,
        });

        var done = await WaitAsync(client, search);

        Assert.Equal("succeeded", (string)done["status"]!);
        var jobs = new List<JsonNode>();
        foreach (var trial in done["leaderboard"]!.AsArray().OrderBy(t => (int)t!["trial"]!)) jobs.Add(
            await client.GetJobAsync((Guid)trial!["jobId"]!));
        for (int i = 1; i < jobs.Count; i++) // each trial was queued only after the one before it had finished
            Assert.True((DateTime)jobs[i]["createdAt"]! >= (DateTime)jobs[i - 1]["finishedAt"]!,
                $"trial {i} overlapped trial {i - 1}");
    }

    [Theory]
    [InlineData("""{"space": {"job.optimizer.learningRate": {"logUniform": [0.1, 0.001]}}}""",
        "space[job.optimizer.learningRate].logUniform")]
    [InlineData("""{"space": {"layers[0].units": {"choice": [4]}}}""", "space[layers[0].units]")]
    [InlineData("""{"space": {"network.layers[5].units": {"choice": [4]}}}""", "space")]
    [InlineData("""{"space": {"job.optimizer.lerningRate": {"choice": [0.1]}}}""", "space[job.optimizer.lerningRate]")]
    [InlineData("""{"space": {"job.optimizer.learningRate": {"uniform": [0.1, 0.2]}}, "strategy": "grid"}""",
        "space[job.optimizer.learningRate]")]
    [InlineData("""{"space": {"job.epochs": {"choice": [1]}}, "metric": "f1"}""", "metric")]
    [InlineData("""{"space": {"network.layers[0].units": {"choice": [0]}}}""", "network.layers[0].units")]
    public async Task StartSearch_InvalidRequest_Returns400WithThePath(string overrides, string path)
    {
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false");
        var client = factory.CreateClient();
        var dataset = await client.UploadIrisAsync();
        var body = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(new { network = IrisNetwork,
            job = Job(dataset, 2), maxTrials = 2 }))!.AsObject();
        foreach (var (key, value) in JsonNode.Parse(overrides)!.AsObject()) body[key] = value?.DeepClone();

        var response = await client.PostAsync("/api/searches", new StringContent(body.ToJsonString(),
            System.Text.Encoding.UTF8, "application/json"));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem["errors"]![path] is not null, problem.ToJsonString());
    }

    [Fact]
    public async Task StartSearch_TemplateAsksForRefit_Returns400()
    {
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false");
        var client = factory.CreateClient();
        var body = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(new { network = IrisNetwork,
            job = Job(await client.UploadIrisAsync(), 2), maxTrials = 2,
            space = new Dictionary<string, object> { ["job.batchSize"] = new { choice = new[] { 8, 16 } } } }))!
            .AsObject();
        body["job"]!["refit"] = true;

        var response = await client.PostAsync("/api/searches", new StringContent(body.ToJsonString(),
            System.Text.Encoding.UTF8, "application/json"));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("validation split", (string)problem["errors"]!["job.refit"]![0]!);
    }

    [Fact]
    public async Task StartSearch_UnknownDataset_Returns404()
    {
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false");
        var client = factory.CreateClient();
        var response = await client.PostAsJsonAsync("/api/searches", new
        {
            network = IrisNetwork, job = Job(Guid.NewGuid(), 2),
            space = new Dictionary<string, object> { ["job.optimizer.learningRate"] = new { choice = new[] { 0.01 } } },
        });
        await response.ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task GridSearch_TemplateWithoutEpochs_TrialsStopEarlyWithinTheDefaultBudget()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var dataset = await client.UploadIrisAsync();
        var search = await StartAsync(client, new
        {
            name = "defaults", network = IrisNetwork, job = new { datasetId = dataset },
            space = new Dictionary<string, object>
            {
                ["job.optimizer.learningRate"] = new { choice = new[] { 0.03, 0.1 } },
            },
            strategy = "grid", maxConcurrentTrials = 2, metric = "validationLoss",
        });

        var done = await WaitAsync(client, search);

        Assert.Equal("succeeded", (string)done["status"]!);
        var trials = done["leaderboard"]!.AsArray();
        Assert.Equal(2, trials.Count);
        foreach (var trial in trials)
        {
            var job = await client.GetJobAsync((Guid)trial!["jobId"]!);
            // The job defaults: at most 1000 epochs, a 10 % validation split, stopped at the 11th epoch without a
            // better validation loss.
            Assert.Equal(1000, (int)job["epochs"]!);
            Assert.Equal(0.1, (double)job["request"]!["validationFraction"]!);
            Assert.Equal("early_stopped", (string)job["stopReason"]!);
            Assert.Equal((int)job["bestEpoch"]! + 11, (int)job["epoch"]!);
            Assert.Equal((double)trial["value"]!, (double)job["validationLoss"]!);
            Assert.False((bool)job["request"]!["refit"]!); // ranked on its split, which a refit would train on
        }
        Assert.Single(trials, t => (bool)t!["best"]!);
        Assert.True((double)trials[0]!["value"]! <= (double)trials[1]!["value"]!);
    }
}
