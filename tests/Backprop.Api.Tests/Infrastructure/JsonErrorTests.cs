using System.Net;

namespace Backprop.Api.Tests.Infrastructure;

/// <summary>A body the serializer refuses is answered with the field, what it expects and the likely fix, in the API's
/// names.</summary>
public sealed class JsonErrorTests
{
    private const string Layers = """[{"units": 3, "activation": "softmax"}]""";

    [Theory]
    [InlineData("mse", "mean_squared_error")]
    [InlineData("huber_loss", "huber")]
    [InlineData("MeanSquaredErr", "mean_squared_error")]
    [InlineData("bce", "binary_cross_entropy")]
    public async Task CreateNetwork_UnknownLoss_ListsAcceptedNamesAndTheClosest(string typed, string meant)
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var problem = await (await client.PostJsonAsync("/api/networks",
            $$"""{"inputWidth": 4, "layers": {{Layers}}, "loss": "{{typed}}"}"""))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        var message = (string)problem["errors"]!["loss"]![0]!;
        Assert.Contains($"Did you mean {meant}?", message);
        Assert.Contains("mean_squared_error, binary_cross_entropy, categorical_cross_entropy, huber", message);
        Assert.DoesNotContain("Backprop.", problem.ToJsonString());
    }

    [Fact]
    public async Task StartJob_UnknownProperty_NamesTheClosestKnownOne()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var problem = await (await client.PostJsonAsync("/api/jobs",
            $$$"""{"networkId": "{{{Guid.NewGuid()}}}", "datasetId": "{{{Guid.NewGuid()}}}", """
            + """ "optimizer": {"kind": "adam", "learning_rate": 0.01}}"""))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        var message = (string)problem["errors"]!["optimizer.learning_rate"]![0]!;
        Assert.Contains("Did you mean learningRate?", message);
        Assert.DoesNotContain("Backprop.", problem.ToJsonString());
        Assert.DoesNotContain(".NET", problem.ToJsonString());
    }

    [Fact]
    public async Task StartJob_WrongJsonType_NamesTheFieldAndTheTypeExpected()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var problem = await (await client.PostJsonAsync("/api/jobs",
            $$"""{"networkId": "{{Guid.NewGuid()}}", "datasetId": "{{Guid.NewGuid()}}", "epochs": "ten"}"""))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("Expected an integer for 'epochs'.", (string)problem["errors"]!["epochs"]![0]!);
        Assert.DoesNotContain("System.", problem.ToJsonString());
    }

    [Fact]
    public async Task CreateNetwork_SoftmaxWithSquaredError_SaysSoInTheApisNames()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var problem = await (await client.PostJsonAsync("/api/networks",
            $$"""{"inputWidth": 4, "layers": {{Layers}}, "loss": "mean_squared_error"}"""))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("got mean_squared_error", (string)problem["errors"]!["loss"]![0]!);
        Assert.DoesNotContain("MeanSquaredError", problem.ToJsonString());
    }

    [Theory]
    [InlineData("GET", "/api/models/{0}")]
    [InlineData("GET", "/api/jobs/{0}")]
    [InlineData("GET", "/api/networks/{0}")]
    [InlineData("GET", "/api/datasets/{0}")]
    [InlineData("POST", "/api/jobs")]
    [InlineData("GET", "/api/no-such-thing")]
    public async Task Request_UnknownResource_Returns404WithSameTitleAndDetail(string method, string path)
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var request = new HttpRequestMessage(new HttpMethod(method), string.Format(path, Guid.NewGuid()));
        if (method == "POST") request.Content =
            new StringContent($$"""{"networkId": "{{Guid.NewGuid()}}", "datasetId": "{{Guid.NewGuid()}}"}""",
                System.Text.Encoding.UTF8, "application/json");
        var problem = await (await client.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("Not Found", (string)problem["title"]!);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]), problem.ToJsonString());
    }
}
