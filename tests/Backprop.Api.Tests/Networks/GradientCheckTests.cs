using System.Net;
using System.Net.Http.Json;

namespace Backprop.Api.Tests.Networks;

/// <summary>A gradient check is bounded by its cost (parameters² × rows) before it starts.</summary>
public sealed class GradientCheckTests : IDisposable
{
    private readonly ApiFactory _factory = new ApiFactory().With("Limits:MaxGradientCheckCost", "50000");
    private HttpClient Client => _client ??= _factory.CreateClient();
    private HttpClient? _client;

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task GradientCheck_OverTheCostLimit_Returns400NamingTheCostAndTheRowsThatFit()
    {
        var network = await Client.CreateIrisNetworkAsync(); // 131 parameters: 17,161 multiply-adds per row
        var dataset = await Client.UploadIrisAsync();

        var response = await Client.PostAsJsonAsync($"/api/networks/{network}/gradient-check",
            new { datasetId = dataset, rows = 4 });

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        var message = (string)problem["errors"]!["rows"]![0]!;
        Assert.Contains("131 parameters on 4 rows costs parameters² × rows = 68,644 multiply-adds", message);
        Assert.Contains("50,000 (Limits:MaxGradientCheckCost). Use rows = 2 or fewer", message);
        await (await Client.PostAsJsonAsync($"/api/networks/{network}/gradient-check", new { datasetId = dataset,
            rows = 2 })).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task GradientCheck_WithoutDatasetId_Returns400NamingTheField()
    {
        var network = await Client.CreateIrisNetworkAsync();
        var response = await Client.PostJsonAsync($"/api/networks/{network}/gradient-check", """{"rows": 2}""");
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("datasetId is required", (string)problem["errors"]!["datasetId"]![0]!);
    }
}
