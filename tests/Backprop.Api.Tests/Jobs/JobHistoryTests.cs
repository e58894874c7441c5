using System.Net;
using System.Net.Http.Json;

namespace Backprop.Api.Tests.Jobs;

/// <summary>History comes in pages with a total and a next link; a finished job can be deleted with its
/// history.</summary>
public sealed class JobHistoryTests : IDisposable
{
    private readonly ApiFactory _factory = new();
    private HttpClient Client => _client ??= _factory.CreateClient();
    private HttpClient? _client;

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task History_OfALongJob_ComesInPagesWithTotalAndNextLink()
    {
        var job = await Client.TrainAsync(new { networkId = await Client.CreateIrisNetworkAsync(),
            datasetId = await Client.UploadIrisAsync(), epochs = 2_500, batchSize = 120 });
        var id = (Guid)job["id"]!;

        var first = await (await Client.GetAsync($"/api/jobs/{id}/history")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2_500, (int)first["totalCount"]!);
        Assert.Equal(1_000, first["epochs"]!.AsArray().Count);
        Assert.Equal($"/api/jobs/{id}/history?fromEpoch=1001&limit=1000", (string)first["next"]!);
        var last = await (await Client.GetAsync($"/api/jobs/{id}/history?fromEpoch=2001"))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(500, last["epochs"]!.AsArray().Count);
        Assert.Null(last["next"]);
        Assert.Equal(Enumerable.Range(1, 2_500), (await Client.GetHistoryAsync(id)).Select(e => (int)e["epoch"]!));
    }

    [Fact]
    public async Task History_LimitOverOnePage_Returns400()
    {
        var job = await Client.StartJobAsync(new { networkId = await Client.CreateIrisNetworkAsync(),
            datasetId = await Client.UploadIrisAsync(), epochs = 1 });
        var problem = await (await Client.GetAsync($"/api/jobs/{job["id"]}/history?limit=100000"))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("between 1 and 1000", (string)problem["errors"]!["limit"]![0]!);
    }

    [Fact]
    public async Task DeleteJob_Finished_RemovesItAndItsHistoryButKeepsItsModel()
    {
        var job = await Client.TrainAsync(new { networkId = await Client.CreateIrisNetworkAsync(),
            datasetId = await Client.UploadIrisAsync(), epochs = 3 });
        var id = (Guid)job["id"]!;

        await (await Client.DeleteAsync($"/api/jobs/{id}")).ExpectAsync(HttpStatusCode.NoContent);

        await (await Client.GetAsync($"/api/jobs/{id}")).ExpectAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync($"/api/jobs/{id}/history")).ExpectAsync(HttpStatusCode.NotFound);
        await (await Client.DeleteAsync($"/api/jobs/{id}")).ExpectAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync($"/api/models/{job["modelId"]}")).ExpectAsync(HttpStatusCode.OK);
        await (await Client.PostAsJsonAsync($"/api/models/{job["modelId"]}/predict",
            new { rows = new[] { new[] { 5.1, 3.5, 1.4, 0.2 } } })).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task DeleteJob_Queued_Returns409AndKeepsIt()
    {
        using var factory = new ApiFactory().With("Jobs:WorkerEnabled", "false");
        var client = factory.CreateClient();
        var job = await client.StartJobAsync(new { networkId = await client.CreateIrisNetworkAsync(),
            datasetId = await client.UploadIrisAsync(), epochs = 3 });

        var problem = await (await client.DeleteAsync($"/api/jobs/{job["id"]}"))
            .ExpectProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("The job is queued", (string)problem["detail"]!);
        Assert.Equal("queued", (string)(await client.GetJobAsync((Guid)job["id"]!))["status"]!);
    }
}
