using System.Net;
using System.Net.Http.Json;

namespace Backprop.Api.Tests.Predictions;

/// <summary>The README's walkthrough: define → upload → train → watch → predict, on the iris sample.</summary>
public sealed class IrisFlowTests
{
    private static object IrisJob(Guid network, Guid dataset) => new
    {
        networkId = network,
        datasetId = dataset,
        epochs = 60,
        batchSize = 16,
        optimizer = new { kind = "adam", learningRate = 0.01 },
        validationFraction = 0.2,
        seed = 11,
    };

    [Fact]
    public async Task Predict_TrainedIrisModel_IsAtLeast90PercentAccurateOnTestFile()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var dataset = await client.UploadIrisAsync();

        var job = await client.TrainAsync(IrisJob(network, dataset));
        Assert.Equal(60, (int)job["epoch"]!);
        Assert.Equal("completed", (string)job["stopReason"]!);
        var modelId = (Guid)job["modelId"]!;

        var history = await (await client.GetAsync($"/api/jobs/{job["id"]}/history")).ExpectAsync(HttpStatusCode.OK);
        var epochs = history["epochs"]!.AsArray();
        Assert.Equal(60, epochs.Count);
        Assert.Equal(2, epochs[0]!["layers"]!.AsArray().Count);
        Assert.True((double)epochs[^1]!["trainLoss"]! < (double)epochs[0]!["trainLoss"]!);
        Assert.True((double)epochs[0]!["layers"]![0]!["weightGradientNorm"]! > 0);

        var model = await (await client.GetAsync($"/api/models/{modelId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("validation_split", (string)model["metrics"]!["evaluatedOn"]!);
        Assert.Equal(24, (int)model["metrics"]!["rows"]!);
        Assert.Equal(3, model["metrics"]!["confusionMatrix"]!.AsArray().Count);
        Assert.Equal(dataset, (Guid)model["lineage"]!["datasetId"]!);
        Assert.Equal(11, (int)model["lineage"]!["seed"]!);
        Assert.Equal("z_score", (string)model["inputNormalization"]!["kind"]!);

        var rows = ApiClient.ReadCsvRows("iris/test.csv", out var header);
        var records = rows.Select(r => header.Take(4).Select((name, i) => (name, value: r[i]))
            .ToDictionary(p => p.name, p => p.value)).ToList();
        var prediction = await (await client.PostAsJsonAsync($"/api/models/{modelId}/predict", new { records }))
            .ExpectAsync(HttpStatusCode.OK);
        var predictions = prediction["predictions"]!.AsArray();
        Assert.Equal(rows.Count, predictions.Count);
        int correct = rows.Zip(predictions).Count(p => (string)p.Second!["label"]! == ((int)p.First[4]).ToString());
        double accuracy = (double)correct / rows.Count;
        Assert.True(accuracy >= 0.9, $"Test accuracy {accuracy:P1} is below 90% ({correct}/{rows.Count}).");
        var probabilities = predictions[0]!["probabilities"]!.AsObject();
        Assert.Equal(3, probabilities.Count);
        Assert.Equal(1.0, probabilities.Sum(p => (double)p.Value!), 1e-4); // softmax sums to 1 (float precision)
    }

    [Fact]
    public async Task Import_ExportedWeights_PredictsTheSame()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var job = await client.TrainAsync(IrisJob(await client.CreateIrisNetworkAsync(),
            await client.UploadIrisAsync()));
        var modelId = (Guid)job["modelId"]!;
        var weights = await (await client.GetAsync($"/api/models/{modelId}/weights")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(16, weights["layers"]![0]!["weights"]!.AsArray().Count);
        Assert.Equal(4, weights["layers"]![0]!["weights"]![0]!.AsArray().Count);

        var imported = await (await client.PostAsJsonAsync("/api/models/import", new { name = "copy",
            model = weights })).ExpectAsync(HttpStatusCode.Created);
        var copyId = (Guid)imported["id"]!;
        Assert.Equal("import", (string)imported["lineage"]!["source"]!);

        var rows = new { rows = new[] { new[] { 5.1, 3.5, 1.4, 0.2 }, new[] { 6.7, 3.0, 5.2, 2.3 } } };
        var original = await (await client.PostAsJsonAsync($"/api/models/{modelId}/predict", rows))
            .ExpectAsync(HttpStatusCode.OK);
        var copy = await (await client.PostAsJsonAsync($"/api/models/{copyId}/predict", rows))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(original["predictions"]!.ToJsonString(), copy["predictions"]!.ToJsonString());

        var list = await (await client.GetAsync("/api/models?page=1&pageSize=10")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, (int)list["totalCount"]!);
        await (await client.DeleteAsync($"/api/models/{copyId}")).ExpectAsync(HttpStatusCode.NoContent);
        await (await client.PostAsJsonAsync($"/api/models/{copyId}/predict", rows))
            .ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task StartJob_WarmStartModel_StartsFromItsWeights()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var dataset = await client.UploadIrisAsync();
        var first = await client.TrainAsync(IrisJob(network, dataset));
        var second = await client.TrainAsync(new { networkId = network, datasetId = dataset, epochs = 1,
            optimizer = new { learningRate = 1e-4 }, warmStartModelId = first["modelId"] });
        var model = await (await client.GetAsync($"/api/models/{second["modelId"]}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal((Guid)first["modelId"]!, (Guid)model["lineage"]!["warmStartModelId"]!);
        // One tiny step from a trained model stays trained: a fresh network after one epoch is near chance.
        Assert.True((double)model["metrics"]!["accuracy"]! > 0.85, model.ToJsonString());
    }
}
