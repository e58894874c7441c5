using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Backprop.Api.Tests.Jobs;

/// <summary>The training diagnostics as a user sees them: findings on the job and in its history.</summary>
public sealed class JobDiagnosticsTests
{
    private static List<JsonNode> Findings(JsonNode owner) => owner["diagnostics"]!.AsArray().Select(f => f!).ToList();

    [Fact]
    public async Task Job_WarmStartedFromBiasesAtMinusTen_ReportsDeadReluOnJobAndHistory()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var dataset = await client.UploadIrisAsync();
        var first = await client.TrainAsync(new { networkId = network, datasetId = dataset, epochs = 1 });
        // The trained model's weights with every hidden bias at −10: no hidden unit can switch on for standardised
        // inputs.
        var exported = JsonNode.Parse(await client.GetStringAsync($"/api/models/{first["modelId"]}/weights"))!;
        var biases = exported["layers"]![0]!["biases"]!.AsArray();
        for (int i = 0; i < biases.Count; i++) biases[i] = -10.0;
        var imported = await (await client.PostAsJsonAsync("/api/models/import", new { name = "dead",
            model = exported })).ExpectAsync(HttpStatusCode.Created);

        var job = await client.TrainAsync(new
        {
            networkId = network, datasetId = dataset, epochs = 5, warmStartModelId = (Guid)imported["id"]!,
            optimizer = new { kind = "adam", learningRate = 0.001 },
        });

        var dead = Assert.Single(Findings(job), f => (string)f["code"]! == "dead_relu");
        Assert.Equal("warning", (string)dead["severity"]!);
        Assert.Equal(0, (int)dead["layer"]!);
        Assert.Equal(1, (int)dead["epoch"]!);
        Assert.Equal(5, (int)dead["lastEpoch"]!);
        Assert.Equal(1.0, (double)dead["evidence"]!["inactiveFraction"]!);
        Assert.Equal(0.5, (double)dead["evidence"]!["threshold"]!);
        Assert.Contains("layer 0: 100 % of its relu units", (string)dead["message"]!);
        Assert.Contains("leaky_relu", (string)dead["fix"]!);

        var history = await (await client.GetAsync($"/api/jobs/{job["id"]}/history")).ExpectAsync(HttpStatusCode.OK);
        Assert.All(history["epochs"]!.AsArray(), e => Assert.Equal(1.0,
            (double)e!["layers"]![0]!["inactiveFraction"]!));
        Assert.All(history["epochs"]!.AsArray(), e => Assert.Null(e!["layers"]![1]!["inactiveFraction"]));
        Assert.Contains(Findings(history), f => (string)f["code"]! == "dead_relu");
    }

    [Fact]
    public async Task Job_ZeroBiasLearningRateMultiplier_ReportsFrozenBiases()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var network = await client.CreateNetworkAsync(new
        {
            inputWidth = 4, loss = "categorical_cross_entropy", seed = 7,
            layers = new object[] { new { units = 16, activation = "relu", biasLearningRateMultiplier = 0 },
                new { units = 3, activation = "softmax" } },
        });
        var job = await client.TrainAsync(new { networkId = network, datasetId = await client.UploadIrisAsync(),
            epochs = 6, batchSize = 16 });
        var frozen = Assert.Single(Findings(job), f => (string)f["code"]! == "frozen_biases");
        Assert.Equal(0, (int)frozen["layer"]!);
        Assert.Contains("biasLearningRateMultiplier is 0", (string)frozen["message"]!);
        var history = await (await client.GetAsync($"/api/jobs/{job["id"]}/history")).ExpectAsync(HttpStatusCode.OK);
        Assert.All(history["epochs"]!.AsArray(), e => Assert.Equal(0.0, (double)e!["layers"]![0]!["biasUpdateNorm"]!));
        Assert.All(history["epochs"]!.AsArray(), e => Assert.True((double)e!["layers"]![1]!["biasUpdateNorm"]! > 0));
    }

    [Fact]
    public async Task Job_TinyLearningRateWithCustomWindow_ReportsPlateau()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var job = await client.TrainAsync(new
        {
            networkId = await client.CreateIrisNetworkAsync(), datasetId = await client.UploadIrisAsync(), epochs = 8,
                batchSize = 16,
            optimizer = new { kind = "adam", learningRate = 1e-7 }, diagnostics = new { window = 5 },
        });
        var plateau = Assert.Single(Findings(job), f => (string)f["code"]! == "plateau");
        Assert.Null(plateau["layer"]);
        Assert.True((double)plateau["evidence"]!["improvement"]! < 0.01);
        Assert.Equal(8, (int)plateau["lastEpoch"]!);
    }

    [Fact]
    public async Task Job_HealthyIris_HasNoWarningFindings()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var job = await client.TrainAsync(new
        {
            networkId = await client.CreateIrisNetworkAsync(), datasetId = await client.UploadIrisAsync(), epochs = 60,
                batchSize = 16,
            optimizer = new { kind = "adam", learningRate = 0.01 }, validationFraction = 0.2,
        });
        Assert.All(Findings(job), f => Assert.Equal("info", (string)f["severity"]!));
    }

    [Fact]
    public async Task Job_DiagnosticThresholdsOutOfRange_Returns400NamingEachField()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var response = await client.PostAsJsonAsync("/api/jobs", new
        {
            networkId = await client.CreateIrisNetworkAsync(), datasetId = await client.UploadIrisAsync(),
            diagnostics = new { minEpochs = 0, deadUnitFraction = 1.5 },
        });
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("must be between 1 and 1000, got 0", (string)problem["errors"]!["diagnostics.minEpochs"]![0]!);
        Assert.Contains("must be in (0, 1], got 1.5", (string)problem["errors"]!["diagnostics.deadUnitFraction"]![0]!);
    }
}

/// <summary>The diagnostics state survives its storage format, "not seen yet" NaNs included.</summary>
public sealed class JobDiagnosticsStorageTests
{
    [Fact]
    public void DiagnosticsState_WithNaNsAndFindings_RoundTrips()
    {
        var finding = new Backprop.Core.Diagnostics.Finding("plateau",
            Backprop.Core.Diagnostics.FindingSeverity.Warning, 3, 9, null, "m", "f",
            new Dictionary<string, double> { ["improvement"] = 0.001 });
        var state = new Backprop.Core.Diagnostics.DiagnosticsState(9, 1.1, 0.9, 4, double.NaN, 0, double.NaN,
            [1.0, 0.99], [0.5, 0.25], [0, 3, 0, 0], [finding]);
        var read = Backprop.Api.Jobs.JobDiagnostics.Read(Backprop.Api.Jobs.JobDiagnostics.Write(state))!;
        Assert.True(double.IsNaN(read.BestValidationLoss));
        Assert.Equal(state.StreakStarts, read.StreakStarts);
        Assert.Equal(state.RecentLosses, read.RecentLosses);
        Assert.Equal("plateau", Assert.Single(read.Findings).Code);
        Assert.Equal(0.001, read.Findings[0].Evidence["improvement"]);
        Assert.Null(Backprop.Api.Jobs.JobDiagnostics.Read("{not json"));
    }
}
