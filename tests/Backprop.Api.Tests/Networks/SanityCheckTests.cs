using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace Backprop.Api.Tests.Networks;

/// <summary>POST /api/networks/{id}/sanity-check: can the network over-fit a handful of rows?</summary>
public sealed class SanityCheckTests
{
    [Fact]
    public async Task SanityCheck_IrisNetwork_PassesWithTheCurve()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var result = await (await client.PostAsJsonAsync($"/api/networks/{network}/sanity-check",
            new { datasetId = await client.UploadIrisAsync(), rows = 24 }))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.True((bool)result["passed"]!, result.ToJsonString());
        Assert.Equal(24, (int)result["rows"]!);
        var losses = result["losses"]!.AsArray().Select(l => (double)l!).ToList();
        Assert.Equal((int)result["epochs"]!, losses.Count);
        Assert.True((double)result["finalAccuracy"]! == 1.0 || losses[^1] <= 0.05 * losses[0], result.ToJsonString());
        Assert.Contains("can learn", (string)result["verdict"]!);
    }

    [Fact]
    public async Task SanityCheck_SigmoidOutputForStandardisedTargets_Fails()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        // y = x0 − x1 takes negative values once standardised; a sigmoid output lives in (0, 1) and cannot reach them.
        var csv = new StringBuilder("x0,x1,y\n");
        for (int i = 0; i < 64; i++)
        {
            double x0 = Math.Sin(i), x1 = Math.Cos(3 * i);
            csv.Append(CultureInfo.InvariantCulture, $"{x0:R},{x1:R},{x0 - x1:R}\n");
        }
        var dataset = await client.UploadCsvAsync("signed", csv.ToString(), "y", "regression");
        var network = await client.CreateNetworkAsync(new
        {
            inputWidth = 2, loss = "mean_squared_error", seed = 3,
            layers = new object[] { new { units = 16, activation = "tanh" },
                new { units = 1, activation = "sigmoid" } },
        });
        var result = await (await client.PostAsJsonAsync($"/api/networks/{network}/sanity-check",
            new { datasetId = dataset, epochs = 400 }))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.False((bool)result["passed"]!, result.ToJsonString());
        Assert.Equal(400, (int)result["epochs"]!);
        Assert.True((double)result["finalLoss"]! > 0.05 * (double)result["initialLoss"]!);
        Assert.Contains("output activation can reach the targets", (string)result["verdict"]!);
    }

    [Fact]
    public async Task SanityCheck_UnknownNetwork_Returns404()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var response = await client.PostAsJsonAsync($"/api/networks/{Guid.NewGuid()}/sanity-check",
            new { datasetId = await client.UploadIrisAsync() });
        await response.ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SanityCheck_OverTheCostLimit_Returns400WithTheNumbers()
    {
        using var factory = new ApiFactory().With("Limits:MaxSanityCheckCost", "1000000");
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync(); // 131 parameters
        var response = await client.PostAsJsonAsync($"/api/networks/{network}/sanity-check",
            new { datasetId = await client.UploadIrisAsync(), rows = 64, epochs = 1000 });
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("multiply-adds", (string)problem["errors"]!["epochs"]![0]!);
        var rows = await client.PostAsJsonAsync($"/api/networks/{network}/sanity-check",
            new { datasetId = Guid.NewGuid(), rows = 1000 });
        Assert.Contains("rows must be between 2 and 256",
            (string)(await rows.ExpectProblemAsync(HttpStatusCode.BadRequest))["errors"]!["rows"]![0]!);
    }
}
