using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Backprop.Api.Tests.Predictions;

namespace Backprop.Api.Tests.Infrastructure;

/// <summary>Every bad input is answered with an RFC 9457 problem, never a 500 or a hang, and damages nothing
/// stored.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly ApiFactory _factory = new();
    private HttpClient Client => _client ??= _factory.CreateClient();
    private HttpClient? _client;

    public void Dispose() => _factory.Dispose();

    private const string ValidNetwork =
        """{"inputWidth": 4, "layers": [{"units": 3, "activation": "softmax"}], "loss": "categorical_cross_entropy"}""";

    [Theory]
    [InlineData("""{"inputWidth": 4, "layers": [{"units": """ +
        """3, "activation": "softmax", "l2": "NaN"}], "loss": "categorical_cross_entropy"}""")]
    [InlineData("""{"inputWidth": 4, "layers": [{"units": """ +
        """3, "activation": "softmax", "l2": "Infinity"}], "loss": "categorical_cross_entropy"}""")]
    [InlineData("""{"inputWidth": 4, "layers": [{"units": 3, "activation": "softmax", "l2": """ +
        """1e400}], "loss": "categorical_cross_entropy"}""")]
    [InlineData("""{"inputWidth": "4", "layers": [{"units": """ +
        """3, "activation": "softmax"}], "loss": "categorical_cross_entropy"}""")]
    [InlineData("""{"inputWidth": 4, "layers": [{"units": """ +
        """3, "activation": "softmax"}], "loss": "categorical_cross_entropy", "dropout": 0.5}""")]
    [InlineData("""{"inputWidth": 4, "layers": [{"units": """ +
        """3, "activation": "softmax"}], "loss": "categorical_cross_entropy" """)]
    [InlineData(
        """{"inputWidth": 4, "layers": [{"units": 3, "activation": "swish"}], "loss": "categorical_cross_entropy"}""")]
    [InlineData("")]
    public async Task CreateNetwork_MalformedBody_Returns400Problem(string body)
    {
        await (await Client.PostJsonAsync("/api/networks", body)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        var list = await (await Client.GetAsync("/api/networks")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, (int)list["totalCount"]!);
    }

    [Fact]
    public async Task CreateNetwork_OverlongName_Returns400()
    {
        var problem = await (await Client.PostAsJsonAsync("/api/networks", new
        {
            name = new string('n', 201), inputWidth = 4, layers = new[] { new { units = 3, activation = "softmax" } },
                loss = "categorical_cross_entropy",
        })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]);
    }

    [Fact]
    public async Task CreateNetwork_SoftmaxWithMse_Returns400NamingLossAndFix()
    {
        var problem = await (await Client.PostJsonAsync("/api/networks",
            """{"inputWidth": 4, "layers": [{"units": 3, "activation": "softmax"}], "loss": "mean_squared_error"}"""))
                .ExpectProblemAsync(HttpStatusCode.BadRequest);
        var message = (string)problem["errors"]!["loss"]![0]!;
        Assert.Contains("softmax output needs loss categorical_cross_entropy", message,
            StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ValidateNetwork_DryRun_ReportsWithoutStoring()
    {
        var ok = await (await Client.PostJsonAsync("/api/networks/validate",
            """{"inputWidth": 4, "layers": [{"units": 10, "activation": "sigmoid"}, {"units": """ +
            """3, "activation": "softmax"}], "loss": "categorical_cross_entropy"}"""))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.True((bool)ok["valid"]!);
        Assert.Equal(4 * 10 + 10 + 10 * 3 + 3, (long)ok["parameterCount"]!);
        Assert.NotEmpty(ok["warnings"]!.AsArray());

        var bad = await (await Client.PostJsonAsync("/api/networks/validate",
            """{"inputWidth": 0, "layers": [{"units": 3, "activation": "step"}], "loss": "mean_squared_error"}"""))
                .ExpectAsync(HttpStatusCode.OK);
        Assert.False((bool)bad["valid"]!);
        var paths = bad["problems"]!.AsArray().Select(p => (string)p!["path"]!).ToList();
        Assert.Contains("inputWidth", paths);
        Assert.Contains("layers[0].activation", paths);
        Assert.All(bad["problems"]!.AsArray(), p => Assert.False(string.IsNullOrEmpty((string?)p!["fix"])));
        Assert.Equal(0, (int)(await (await Client.GetAsync("/api/networks"))
            .ExpectAsync(HttpStatusCode.OK))["totalCount"]!);
    }

    [Fact]
    public async Task Endpoints_UnknownIds_Return404Problems()
    {
        var id = Guid.NewGuid();
        await (await Client.GetAsync($"/api/networks/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await Client.DeleteAsync($"/api/networks/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync($"/api/jobs/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync($"/api/jobs/{id}/history")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await Client.PostAsync($"/api/jobs/{id}/cancel", null)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync($"/api/models/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync($"/api/models/{id}/weights")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await Client.PostAsJsonAsync($"/api/models/{id}/predict", new { rows = new[] { new[] { 1.0 } } }))
            .ExpectProblemAsync(HttpStatusCode.NotFound);
        var network = await Client.CreateIrisNetworkAsync();
        await (await Client.PostAsJsonAsync("/api/jobs", new { networkId = network, datasetId = id }))
            .ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await Client.PostAsJsonAsync("/api/jobs", new { networkId = id, datasetId = id }))
            .ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task StartJob_IncompatibleNetworkAndDataset_Returns400WithFix()
    {
        var dataset = await Client.UploadIrisAsync();
        var narrow = await Client.CreateNetworkAsync(new { inputWidth = 3,
            layers = new[] { new { units = 3, activation = "softmax" } }, loss = "categorical_cross_entropy" });
        var problem = await (await Client.PostAsJsonAsync("/api/jobs", new { networkId = narrow, datasetId = dataset }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("set inputWidth to 4", (string)problem["errors"]!["network.inputWidth"]![0]!);

        var twoClasses = await Client.CreateNetworkAsync(new { inputWidth = 4,
            layers = new[] { new { units = 2, activation = "softmax" } }, loss = "categorical_cross_entropy" });
        problem = await (await Client.PostAsJsonAsync("/api/jobs", new { networkId = twoClasses, datasetId = dataset }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("3 classes", (string)problem["errors"]!["network.layers"]![0]!);

        var regression = await Client.UploadCsvAsync("linear", RegressionTests.LinearCsv(20, 2), "y", "regression");
        var softmax = await Client.CreateNetworkAsync(new { inputWidth = 2,
            layers = new[] { new { units = 2, activation = "softmax" } }, loss = "categorical_cross_entropy" });
        problem = await (await Client.PostAsJsonAsync("/api/jobs", new { networkId = softmax, datasetId = regression }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("non-softmax", problem["errors"]!.ToJsonString());

        problem = await (await Client.PostAsJsonAsync("/api/jobs",
            new { networkId = await Client.CreateIrisNetworkAsync(), datasetId = dataset, batchSize = 0,
                optimizer = new { learningRate = -1 } }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["batchSize"]);
        Assert.NotNull(problem["errors"]!["optimizer.learningRate"]);
        Assert.Equal(0, (int)(await (await Client.GetAsync("/api/jobs"))
            .ExpectAsync(HttpStatusCode.OK))["totalCount"]!);
    }

    [Fact]
    public async Task Predict_WrongWidthOrUnknownColumns_Returns400NamingExpected()
    {
        var model = await ImportTinyModelAsync();
        var problem = await (await Client.PostAsJsonAsync($"/api/models/{model}/predict",
            new { rows = new[] { new[] { 1.0, 2.0 }, new[] { 1.0 } } }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("Expected 2 values (a, b), got 1", (string)problem["errors"]!["rows[1]"]![0]!);

        problem = await (await Client.PostJsonAsync($"/api/models/{model}/predict",
            """{"records": [{"a": 1, "c": 2}]}""")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        var messages = problem["errors"]!["records[0]"]!.AsArray().Select(m => (string)m!).ToList();
        Assert.Contains(messages, m => m.Contains("Unknown column(s) c") && m.Contains("a, b"));
        Assert.Contains(messages, m => m.Contains("Missing column(s) b"));

        await (await Client.PostJsonAsync($"/api/models/{model}/predict", """{"rows": [[1, "NaN"]]}"""))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await Client.PostJsonAsync($"/api/models/{model}/predict",
            """{"rows": [[1, 2]], "records": [{"a": 1, "b": 2}]}""")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await Client.PostJsonAsync($"/api/models/{model}/predict", """{"rows": [[1, 2]], "extra": true}"""))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await Client.PostJsonAsync($"/api/models/{model}/predict", """{"rows": [[1, 2]]}"""))
            .ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Import_BrokenWeights_Returns400NamingPath()
    {
        var model = TinyModel();
        model["layers"]![0]!["weights"]![0]![1] = "NaN";
        var problem = await (await Client.PostAsJsonAsync("/api/models/import", new { model }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("layers[0].weights[0][1]", (string)problem["errors"]!["model"]![0]!);
        Assert.Equal(0, (int)(await (await Client.GetAsync("/api/models"))
            .ExpectAsync(HttpStatusCode.OK))["totalCount"]!);
    }

    [Fact]
    public async Task Create_OverConfiguredSizeLimits_Returns400()
    {
        using var factory = new ApiFactory().With("Limits:MaxLayers", "2").With("Limits:MaxUnitsPerLayer", "100")
            .With("Limits:MaxParameters", "1000")
            .With("Limits:MaxEpochs", "50").With("Limits:MaxPredictionRows", "3");
        var client = factory.CreateClient();
        object Network(int inputs, params int[] units) => new
        {
            inputWidth = inputs,
            layers = units.Select((u, i) => new { units = u, activation = i == units.Length - 1 ? "identity"
                : "relu" }),
            loss = "mean_squared_error",
        };
        var problem = await (await client.PostAsJsonAsync("/api/networks", Network(2, 4, 4, 1)))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("at most 2", (string)problem["errors"]!["layers"]![0]!);
        problem = await (await client.PostAsJsonAsync("/api/networks", Network(2, 101, 1)))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("at most 100", (string)problem["errors"]!["layers[0].units"]![0]!);
        problem = await (await client.PostAsJsonAsync("/api/networks", Network(50, 50, 1)))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("parameters", (string)problem["errors"]!["layers"]![0]!);

        var network = await client.CreateNetworkAsync(Network(2, 1));
        var dataset = await client.UploadCsvAsync("linear", RegressionTests.LinearCsv(20, 3), "y", "regression");
        problem = await (await client.PostAsJsonAsync("/api/jobs", new { networkId = network, datasetId = dataset,
            epochs = 51 })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["epochs"]);

        var job = await client.TrainAsync(new { networkId = network, datasetId = dataset, epochs = 1 });
        await (await client.PostAsJsonAsync($"/api/models/{job["modelId"]}/predict",
            new { rows = Enumerable.Repeat(new[] { 1.0, 2.0 }, 4) }))
            .ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        await (await client.PostAsJsonAsync($"/api/models/{job["modelId"]}/predict",
            new { rows = Enumerable.Repeat(new[] { 1.0, 2.0 }, 3) }))
            .ExpectAsync(HttpStatusCode.OK);
        await (await client.GetAsync("/api/models?pageSize=1000")).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Job_Diverging_FailsWithEpochAndKeepsHistory()
    {
        var dataset = await Client.UploadCsvAsync("linear", RegressionTests.LinearCsv(50, 4), "y", "regression");
        var network = await Client.CreateNetworkAsync(new { inputWidth = 2,
            layers = new[] { new { units = 8, activation = "relu" }, new { units = 1, activation = "identity" } },
                loss = "mean_squared_error", seed = 1 });
        var job = await Client.StartJobAsync(new
        {
            networkId = network, datasetId = dataset, epochs = 2000, batchSize = 50, normalization = "none",
                standardizeTargets = false,
            optimizer = new { kind = "sgd", learningRate = 0.001 },
        });
        var failed = await Client.WaitForJobAsync((Guid)job["id"]!);
        Assert.Equal("failed", (string)failed["status"]!);
        Assert.Equal("diverged", (string)failed["stopReason"]!);
        var reason = (string)failed["failureReason"]!;
        var match = System.Text.RegularExpressions.Regex.Match(reason, @"diverged at epoch (\d+)");
        Assert.True(match.Success, reason);
        int epoch = int.Parse(match.Groups[1].Value);
        var history = await (await Client.GetAsync($"/api/jobs/{job["id"]}/history")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(epoch > 1, $"Diverged at once ({reason}); the test wants some history before it.");
        Assert.Equal(epoch - 1, history["epochs"]!.AsArray().Count);
        Assert.Null(failed["modelId"]);
    }

    /// <summary>A hand-written 2 → 1 identity model in the weights format.</summary>
    private static JsonNode TinyModel() => JsonNode.Parse("""
        {"format": "backprop-model", "version": 1, "task": "regression",
         "spec": {"inputWidth": 2, "loss": "mean_squared_error", "layers": [{"units": 1, "activation": "identity"}]},
         "layers": [{"weights": [[2.0, -1.0]], "biases": [0.5]}],
         "featureNames": ["a", "b"], "targetNames": ["y"]}
        """)!;

    private async Task<Guid> ImportTinyModelAsync()
    {
        var created = await (await Client.PostAsJsonAsync("/api/models/import", new { model = TinyModel() }))
            .ExpectAsync(HttpStatusCode.Created);
        var prediction = await (await Client.PostAsJsonAsync($"/api/models/{created["id"]}/predict",
            new { rows = new[] { new[] { 3.0, 1.0 } } })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(5.5, (double)prediction["predictions"]![0]!["values"]![0]!, 5); // 2·3 − 1·1 + 0.5
        return (Guid)created["id"]!;
    }
}
