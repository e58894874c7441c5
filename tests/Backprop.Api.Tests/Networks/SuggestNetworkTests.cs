using System.Net;
using System.Net.Http.Json;

namespace Backprop.Api.Tests.Networks;

/// <summary>POST /api/networks/suggest proposes a network whose output fits the dataset's task.</summary>
public sealed class SuggestNetworkTests
{
    [Theory]
    [InlineData("a,b,y\n1,2,x\n2,1,z\n3,3,w\n", null, 3, "softmax", "categorical_cross_entropy")]
    [InlineData("a,b,y\n1,2,x\n2,1,z\n3,3,x\n", null, 1, "sigmoid", "binary_cross_entropy")]
    [InlineData("a,b,y\n1,2,0.5\n2,1,1.5\n3,3,2.5\n", "regression", 1, "identity", "mean_squared_error")]
    public async Task Suggest_ForATask_ProposesItsOutputAndLossAndTheNetworkCanBeStored(string csv, string? task,
        int units, string activation, string loss)
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var dataset = await client.UploadCsvAsync("d", csv, "y", task);
        var suggested = await (await client.PostAsJsonAsync("/api/networks/suggest", new { datasetId = dataset }))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, (int)suggested["inputWidth"]!);
        Assert.Equal([100, units], suggested["layers"]!.AsArray().Select(l => (int)l!["units"]!));
        Assert.Equal(["relu", activation], suggested["layers"]!.AsArray().Select(l => (string)l!["activation"]!));
        Assert.Equal(loss, (string)suggested["loss"]!);
        await client.CreateNetworkAsync(suggested);
    }
}
