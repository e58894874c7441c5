using System.Net;
using System.Net.Http.Json;

namespace Backprop.Api.Tests.Security;

/// <summary>Everything a tenant stores has a quota in counts or bytes, answered 409 naming the setting.</summary>
public sealed class StorageQuotaTests
{
    [Fact]
    public async Task CreateNetwork_OverTheNetworkQuota_Returns409()
    {
        using var factory = new ApiFactory().With("Tenancy:MaxNetworks", "1");
        var client = factory.CreateClient();
        await client.CreateIrisNetworkAsync();

        var problem = await (await client.PostJsonAsync("/api/networks", """{"inputWidth": 4, "layers": [{"units": """ +
            """3, "activation": "softmax"}], "loss": "categorical_cross_entropy"}"""))
            .ExpectProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("Tenancy:MaxNetworks = 1", (string)problem["detail"]!);
        var other = await factory.CreateTenantClientAsync("other");
        await other.CreateIrisNetworkAsync(); // per tenant
    }

    [Fact]
    public async Task ImportModel_OverTheModelBytesQuota_Returns409()
    {
        // 100 → 1: 101 float parameters and a 100-column normalisation of doubles, about 2 KB stored; two do not fit in
        // 3,000 bytes.
        using var factory = new ApiFactory().With("Tenancy:MaxModelBytes", "3000");
        var client = factory.CreateClient();
        var model = $$$"""
            {"model": {"format": "backprop-model", "version": 1, "task": "regression",
             "spec": {"inputWidth": 100, "loss": "mean_squared_error",
                      "layers": [{"units": 1, "activation": "identity"}]},
             "layers": [{"weights": [[{{{string.Join(",", Enumerable.Repeat("0.5", 100))}}}]], "biases": [0.5]}]}}
            """;
        await (await client.PostJsonAsync("/api/models/import", model)).ExpectAsync(HttpStatusCode.Created);

        var problem = await (await client.PostJsonAsync("/api/models/import", model))
            .ExpectProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("(Tenancy:MaxModelBytes)", (string)problem["detail"]!);
        Assert.Equal(1, (int)(await (await client.GetAsync("/api/models"))
            .ExpectAsync(HttpStatusCode.OK))["totalCount"]!);
    }

    [Fact]
    public async Task StartJob_WhoseHistoryWouldPassTheQuota_Returns409UntilJobsAreDeleted()
    {
        using var factory = new ApiFactory().With("Tenancy:MaxHistoryRows", "100");
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var dataset = await client.UploadIrisAsync();
        var first = await client.TrainAsync(new { networkId = network, datasetId = dataset, epochs = 60,
            batchSize = 120 });

        var problem = await (await client.PostAsJsonAsync("/api/jobs", new { networkId = network, datasetId = dataset,
            epochs = 60 }))
            .ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("the tenant stores 60", (string)problem["detail"]!);
        Assert.Contains("(Tenancy:MaxHistoryRows)", (string)problem["detail"]!);

        await (await client.DeleteAsync($"/api/jobs/{first["id"]}")).ExpectAsync(HttpStatusCode.NoContent);
        await client.StartJobAsync(new { networkId = network, datasetId = dataset, epochs = 60 });
    }

    [Fact]
    public async Task StartJob_WhileQueuedJobsHoldTheHistoryQuota_Returns409()
    {
        using var factory = new ApiFactory().With("Tenancy:MaxHistoryRows", "100").With("Jobs:WorkerEnabled", "false");
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var dataset = await client.UploadIrisAsync();
        await client.StartJobAsync(new { networkId = network, datasetId = dataset, epochs = 60 });

        var problem = await (await client.PostAsJsonAsync("/api/jobs", new { networkId = network, datasetId = dataset,
            epochs = 60 }))
            .ExpectProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("its unfinished jobs will write 60 more", (string)problem["detail"]!);
    }
}
