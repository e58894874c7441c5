using System.Net;

namespace Backprop.Api.Tests.Jobs;

/// <summary>A job request that parses but cannot be used is a 400 naming the field; a run that blows up is not a
/// success.</summary>
public sealed class JobInputTests : IDisposable
{
    private readonly ApiFactory _factory = new();
    private HttpClient Client => _client ??= _factory.CreateClient();
    private HttpClient? _client;

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task StartJob_WithoutDatasetId_Returns400NamingTheField()
    {
        var network = await Client.CreateIrisNetworkAsync();
        var problem = await (await Client.PostJsonAsync("/api/jobs", $$"""{"networkId": "{{network}}", "epochs": 1}"""))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("datasetId is required", (string)problem["errors"]!["datasetId"]![0]!);
    }

    [Fact]
    public async Task StartJob_WithADuplicateProperty_Returns400()
    {
        var network = await Client.CreateIrisNetworkAsync();
        var dataset = await Client.UploadIrisAsync();
        var body = $$"""{"networkId": "{{network}}", "datasetId": "{{dataset}}", "epochs": 1, "epochs": 100000}""";
        await (await Client.PostJsonAsync("/api/jobs", body)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(0, (int)(await (await Client.GetAsync("/api/jobs"))
            .ExpectAsync(HttpStatusCode.OK))["totalCount"]!);
    }

    [Fact]
    public async Task Job_WithAdamAtLearningRate1e6_FailsAsDivergedEvenThoughItsLossStaysFinite()
    {
        var job = await Client.StartJobAsync(new
        {
            networkId = await Client.CreateIrisNetworkAsync(), datasetId = await Client.UploadIrisAsync(), epochs = 100,
            optimizer = new { kind = "adam", learningRate = 1e6 },
        });
        var done = await Client.WaitForJobAsync((Guid)job["id"]!);
        Assert.Equal("failed", (string)done["status"]!);
        Assert.Equal("diverged", (string)done["stopReason"]!);
        Assert.Contains("times its start", (string)done["failureReason"]!);
    }
}
