using System.Net;

namespace Backprop.Api.Tests.Infrastructure;

public sealed class ServiceTests
{
    [Fact]
    public async Task Health_LiveAndReady_Answer200()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task OpenApiAndSwaggerUi_Requested_AreServed()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var document = await (await client.GetAsync("/openapi/v1.json")).ExpectAsync(HttpStatusCode.OK);
        Assert.StartsWith("3.1", (string)document["openapi"]!);
        var paths = document["paths"]!.AsObject();
        foreach (var path in new[] { "/api/networks", "/api/networks/validate", "/api/jobs", "/api/jobs/{id}/history",
            "/api/models/{id}/predict", "/api/models/import" })
            Assert.True(paths.ContainsKey(path), $"Missing {path}");
        var ui = await client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
    }

    [Fact]
    public async Task Networks_ListAndDelete_ArePagedAndRemoved()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var ids = new List<Guid>();
        for (int i = 0; i < 3; i++) ids.Add(await client.CreateIrisNetworkAsync());
        var page = await (await client.GetAsync("/api/networks?page=2&pageSize=2")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, (int)page["totalCount"]!);
        Assert.Single(page["items"]!.AsArray());
        Assert.Equal(ids[0], (Guid)page["items"]![0]!["id"]!); // newest first
        var network = await (await client.GetAsync($"/api/networks/{ids[1]}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("relu", (string)network["layers"]![0]!["activation"]!);
        Assert.Equal(4 * 16 + 16 + 16 * 3 + 3, (long)network["parameterCount"]!);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/networks/{ids[1]}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/networks/{ids[1]}")).StatusCode);
    }
}
