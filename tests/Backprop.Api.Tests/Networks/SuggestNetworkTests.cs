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

    // color: red ×6, green ×6, blue ×1, and one gap; size: numeric with one gap. Encoded with every row: size 1 + color
    // 3 levels + (missing).
    private const string Table = "size,color,y\n1,red,a\n2,red,b\n3,red,a\n4,red,b\n5,red,a\n,red,b\n"
        + "1,green,a\n2,green,b\n"
        + "3,green,a\n4,green,b\n5,green,a\n6,green,b\n7,blue,a\n8,,b\n";

    [Fact]
    public async Task Suggest_OnRawTable_ProposesTheEncodedWidthNotTheColumnCount()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var dataset = await client.UploadCsvAsync("table", Table, "y");
        var profile = await client.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>($"/api/datasets/{dataset}");
        Assert.Equal(5, (int)profile!["encodedWidth"]!);

        var request = new { datasetId = dataset, epochs = 3 };
        var suggested = await (await client.PostAsJsonAsync("/api/networks/suggest", request))
            .ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(5, (int)suggested["inputWidth"]!);
        var network = await client.CreateNetworkAsync(suggested);
        var job = await client.TrainAsync(new { networkId = network, datasetId = dataset, epochs = 3 });
        Assert.Equal("succeeded", (string)job["status"]!);
    }

    [Fact]
    public async Task Suggest_WithTheJobsPreparation_ProposesTheWidthThatJobAccepts()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var dataset = await client.UploadCsvAsync("table", Table, "y");
        // Levels under 2 training rows (blue) share one (other) input: size 1 + red, green, (other) + (missing) = 5;
        // indicators add size's 1.
        var preparation = new { minLevelCount = 2, missingIndicators = true };

        var request = new { datasetId = dataset, epochs = 3, preparation };
        var suggested = await (await client.PostAsJsonAsync("/api/networks/suggest", request))
            .ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(6, (int)suggested["inputWidth"]!);
        var network = await client.CreateNetworkAsync(suggested);
        await client.StartJobAsync(new { networkId = network, datasetId = dataset, epochs = 3, preparation });
    }

    [Fact]
    public async Task Suggest_ValidationFractionOutOfRange_Returns400()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var dataset = await client.UploadCsvAsync("table", Table, "y");

        var request = new { datasetId = dataset, validationFraction = 1.5 };
        var problem = await (await client.PostAsJsonAsync("/api/networks/suggest", request))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.NotNull(problem["errors"]!["validationFraction"]);
    }
}
