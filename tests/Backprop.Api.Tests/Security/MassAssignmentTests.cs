using System.Net;
using System.Text.Json.Nodes;

namespace Backprop.Api.Tests.Security;

/// <summary>Requests are records of what a client may choose; ids, owners, status and timestamps are the
/// service's.</summary>
public sealed class MassAssignmentTests
{
    private const string Network = """
        "name": "n", "inputWidth": 4, "layers": [{"units": 3, "activation": "softmax"}],
        "loss": "categorical_cross_entropy"
        """;

    [Theory]
    [InlineData("id", "\"00000000-0000-0000-0000-000000000001\"")]
    [InlineData("tenantId", "\"tenant-b\"")]
    [InlineData("createdAt", "\"2020-01-01T00:00:00Z\"")]
    [InlineData("parameterCount", "1")]
    public async Task CreateNetwork_ServerOwnedFields_Returns400(string field, string value)
    {
        using var factory = new ApiFactory();
        var response = await factory.CreateClient().PostJsonAsync("/api/networks",
            $$"""{ {{Network}}, "{{field}}": {{value}} }""");
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.ToJsonString());
    }

    [Theory]
    [InlineData("status", "\"succeeded\"")]
    [InlineData("tenantId", "\"tenant-b\"")]
    [InlineData("modelId", "\"00000000-0000-0000-0000-000000000001\"")]
    [InlineData("createdAt", "\"2020-01-01T00:00:00Z\"")]
    public async Task StartJob_ServerOwnedFields_Returns400(string field, string value)
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var network = await client.CreateIrisNetworkAsync();
        var dataset = await client.UploadIrisAsync();
        var response = await client.PostJsonAsync("/api/jobs",
            $$"""{"networkId": "{{network}}", "datasetId": "{{dataset}}", "{{field}}": {{value}} }""");
        await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(0, (int)(await (await client.GetAsync("/api/jobs")).ReadJsonAsync())["totalCount"]!);
    }

    [Theory]
    [InlineData("/api/models/import", """{"name": "m", "tenantId": "tenant-b", "model": """ +
        """{"format": "backprop-model", "version": 1, "task": "regression", "spec": {"inputWidth": """ +
        """1, "loss": "mean_squared_error", "layers": [{"units": 1, "activation": "identity"}]}, "layers": """ +
        """[{"weights": [[1]], "biases": [0]}]}}""")]
    [InlineData("/api/datasets",
        """{"name": "d", "features": [[1], [2]], "targets": [0, 1], "id": "00000000-0000-0000-0000-000000000001"}""")]
    [InlineData("/api/admin/keys", """{"tenant": "acme", "key": "bp_chosenByTheClient000000000000000000000000"}""")]
    [InlineData("/api/admin/keys", """{"tenant": "acme", "revokedAt": null}""")]
    public async Task Create_ServerOwnedFields_Returns400(string path, string json)
    {
        using var factory = new ApiFactory();
        var client = path.StartsWith("/api/admin", StringComparison.Ordinal) ? factory.CreateAdminClient()
            : factory.CreateClient();
        await (await client.PostJsonAsync(path, json)).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Create_ClientSetsIdsOwnersOrTimes_ServiceAssignsThem()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var before = DateTime.UtcNow.AddSeconds(-1);
        var created = await (await client.PostJsonAsync("/api/networks", $$"""{ {{Network}} }"""))
            .ExpectAsync(HttpStatusCode.Created);
        Assert.NotEqual(Guid.Empty, (Guid)created["id"]!);
        Assert.InRange((DateTime)created["createdAt"]!, before, DateTime.UtcNow.AddSeconds(1));
        Assert.False(created.AsObject().ContainsKey("tenantId"), "Responses do not expose the owner");
        Assert.IsType<JsonObject>(created);
    }
}
