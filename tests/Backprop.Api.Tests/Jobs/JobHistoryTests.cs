using System.Globalization;
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
    public async Task History_AcceptTextCsv_OneRowPerEpochWithTheJsonHistorysValues()
    {
        var job = await Client.TrainAsync(new { networkId = await Client.CreateIrisNetworkAsync(),
            datasetId = await Client.UploadIrisAsync(), epochs = 5, batchSize = 16 });
        var id = (Guid)job["id"]!;

        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{id}/history");
        request.Headers.Accept.ParseAdd("text/csv");
        var response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.TrimEnd('\r').Split(',')).ToList();

        var header = lines[0];
        Assert.Equal(["epoch", "trainLoss", "validationLoss"], header[..3]);
        Assert.Equal("layer1.updateRatio", header[^1]); // two layers, three statistics each
        var json = await Client.GetHistoryAsync(id);
        Assert.Equal(json.Count + 1, lines.Count);
        foreach (var (row, epoch) in lines.Skip(1).Zip(json))
        {
            Assert.Equal(header.Length, row.Length);
            Assert.Equal((int)epoch["epoch"]!, int.Parse(row[0]));
            Assert.Equal((double)epoch["trainLoss"]!, double.Parse(row[1], CultureInfo.InvariantCulture));
            Assert.Equal((double)epoch["layers"]![1]!["weightGradientNorm"]!,
                double.Parse(row[Array.IndexOf(header, "layer1.weightGradientNorm")], CultureInfo.InvariantCulture));
        }
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
