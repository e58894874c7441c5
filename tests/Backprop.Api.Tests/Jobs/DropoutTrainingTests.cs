using System.Net;
using System.Net.Http.Json;

namespace Backprop.Api.Tests.Jobs;

/// <summary>Dropout through the service: the masks follow the job's seed, so a continued run is the longer run, and
/// predictions are unmasked.</summary>
public sealed class DropoutTrainingTests
{
    private static Task<Guid> CreateDropoutNetworkAsync(HttpClient client) => client.CreateNetworkAsync(new
    {
        name = "iris-dropout", inputWidth = 4, inputDropout = 0.1, loss = "categorical_cross_entropy", seed = 7,
        layers = new object[] { new { units = 32, activation = "relu", dropout = 0.5 },
            new { units = 3, activation = "softmax" } },
    });

    private static object Request(Guid network, Guid dataset, int epochs, ulong seed = 3) => new
    {
        networkId = network, datasetId = dataset, epochs, batchSize = 16, seed, validationFraction = 0.2,
            optimizer = new { kind = "adam", learningRate = 0.01 },
    };

    [Fact]
    public async Task Continue_DropoutModel_TrainsAsOneLongerRun()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var network = await CreateDropoutNetworkAsync(client);
        var dataset = await client.UploadIrisAsync();
        var first = await client.TrainAsync(Request(network, dataset, 3));
        var longer = await client.TrainAsync(Request(network, dataset, 6));

        var queued = await (await client.PostAsJsonAsync($"/api/models/{first["modelId"]}/continue",
            new { epochs = 3 })).ExpectAsync(HttpStatusCode.Accepted);
        var continued = await client.WaitForJobAsync((Guid)queued["id"]!);

        Assert.Equal("succeeded", (string)continued["status"]!);
        Assert.Equal(await DigitsJob.WeightsAsync(client, longer), await DigitsJob.WeightsAsync(client, continued));
        var history = await DigitsJob.HistoryAsync(client, (Guid)continued["id"]!);
        var reference = await DigitsJob.HistoryAsync(client, (Guid)longer["id"]!);
        DigitsJob.AssertSameCurves(new System.Text.Json.Nodes.JsonArray(reference.Skip(3).Select(e => e!.DeepClone())
            .ToArray()), history);
    }

    [Fact]
    public async Task DropoutJob_SameOrOtherSeed_SameOrOtherWeightsAndDeterministicPredictions()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var network = await CreateDropoutNetworkAsync(client);
        var dataset = await client.UploadIrisAsync();

        var a = await client.TrainAsync(Request(network, dataset, 4));
        var b = await client.TrainAsync(Request(network, dataset, 4));
        var c = await client.TrainAsync(Request(network, dataset, 4, seed: 4));

        Assert.Equal(await DigitsJob.WeightsAsync(client, a), await DigitsJob.WeightsAsync(client, b));
        Assert.NotEqual(await DigitsJob.WeightsAsync(client, a), await DigitsJob.WeightsAsync(client, c));
        var rows = new { rows = new[] { new[] { 0.1, -0.4, 0.9, 1.1 }, new[] { -1.2, 0.8, -1.3, -1.2 } } };
        var first = await (await client.PostAsJsonAsync($"/api/models/{a["modelId"]}/predict", rows))
            .ExpectAsync(HttpStatusCode.OK);
        var again = await (await client.PostAsJsonAsync($"/api/models/{a["modelId"]}/predict", rows))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(first.ToJsonString(), again.ToJsonString());
        var stored = await (await client.GetAsync($"/api/networks/{network}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0.5, (double)stored["layers"]![0]!["dropout"]!);
        Assert.Equal(0.1, (double)stored["inputDropout"]!);
    }

    [Fact]
    public async Task CreateNetwork_DropoutOnTheOutputLayer_Returns400WithThePath()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var response = await client.PostAsJsonAsync("/api/networks", new
        {
            inputWidth = 4, loss = "categorical_cross_entropy",
            layers = new object[] { new { units = 8, activation = "relu" }, new { units = 3, activation = "softmax",
                dropout = 0.2 } },
        });
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["layers[1].dropout"]);
    }
}
