using System.Net;
using System.Net.Http.Json;

namespace Backprop.Api.Tests.Jobs;

/// <summary>POST /api/models/{id}/continue carries a finished run on, optimizer state included, as a new job.</summary>
public sealed class ContinueTrainingTests
{
    private static object Request(Guid network, Guid dataset, int epochs) => new
    {
        networkId = network, datasetId = dataset, epochs, batchSize = 16, seed = 3, validationFraction = 0.2,
        optimizer = new { kind = "adam", learningRate = 0.01 },
    };

    [Fact]
    public async Task Continue_ModelForKEpochs_TrainsAsOneLongerRun()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var dataset = await client.UploadIrisAsync();
        var first = await client.TrainAsync(Request(network, dataset, 3));
        var longer = await client.TrainAsync(Request(network, dataset, 5));

        var response = await client.PostAsJsonAsync($"/api/models/{first["modelId"]}/continue", new { epochs = 2 });
        var queued = await response.ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal($"/api/jobs/{queued["id"]}", response.Headers.Location?.OriginalString);
        Assert.Equal((Guid)first["modelId"]!, (Guid)queued["continuedFromModelId"]!);
        var continued = await client.WaitForJobAsync((Guid)queued["id"]!);
        Assert.Equal("succeeded", (string)continued["status"]!);
        Assert.Equal(5, (int)continued["epoch"]!);
        Assert.Equal(5, (int)continued["epochs"]!);

        // Epochs 4 and 5 are numbered on, and are the longer run's epochs 4 and 5: the optimizer's moments and step,
        // the schedule and the shuffle position were restored, not reset.
        var history = await DigitsJob.HistoryAsync(client, (Guid)continued["id"]!);
        DigitsJob.AssertContiguous(history, 4, 5);
        var reference = await DigitsJob.HistoryAsync(client, (Guid)longer["id"]!);
        DigitsJob.AssertSameCurves(new System.Text.Json.Nodes.JsonArray(reference.Skip(3).Select(e => e!.DeepClone())
            .ToArray()), history);
        Assert.Equal(await DigitsJob.WeightsAsync(client, longer), await DigitsJob.WeightsAsync(client, continued));

        var model = await (await client.GetAsync($"/api/models/{continued["modelId"]}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal((Guid)first["modelId"]!, (Guid)model["lineage"]!["warmStartModelId"]!);
        Assert.Equal(5, (int)model["lineage"]!["epochs"]!);
    }

    [Fact]
    public async Task Continue_ImportedModel_Returns409AndUnknownReturns404()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var trained = await client.TrainAsync(Request(await client.CreateIrisNetworkAsync(),
            await client.UploadIrisAsync(), 1));
        var exported = await (await client.GetAsync($"/api/models/{trained["modelId"]}/weights"))
            .ExpectAsync(HttpStatusCode.OK);
        var imported = await (await client.PostAsJsonAsync("/api/models/import", new { name = "copy",
            model = exported })).ExpectAsync(HttpStatusCode.Created);

        await (await client.PostAsJsonAsync($"/api/models/{imported["id"]}/continue", new { epochs = 2 }))
            .ExpectProblemAsync(HttpStatusCode.Conflict);
        await (await client.PostAsJsonAsync($"/api/models/{Guid.NewGuid()}/continue", new { epochs = 2 }))
            .ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await client.PostAsJsonAsync($"/api/models/{trained["modelId"]}/continue", new { epochs = 0 }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
    }
}
