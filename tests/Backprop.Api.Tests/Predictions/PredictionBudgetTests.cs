using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Backprop.Api.Tests.Predictions;

/// <summary>
/// A prediction request is sized against Limits:MaxPredictionValues (rows × the model's widest buffer) before anything
/// is allocated from it: a small request cannot make the service allocate gigabytes.
/// </summary>
[Collection(MemoryCollection.Name)]
public sealed class PredictionBudgetTests : IDisposable
{
    private const long MemoryBound = 200 * MemoryProbe.Megabyte;
    private readonly ApiFactory _factory = new();
    private HttpClient Client => _client ??= _factory.CreateClient();
    private HttpClient? _client;

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Predict_EmptyRowsAgainstWideModel_Returns413BeforeAllocating()
    {
        var model = await ImportAsync(inputs: 10_000, outputs: 1, "identity", "mean_squared_error", "regression");
        // 30 KB asking for 10⁸ values
        var body = "{\"rows\": [" + string.Join(",", Enumerable.Repeat("[]", 10_000)) + "]}";

        var (response, cost) = await MemoryProbe.MeasureAsync(() =>
            Client.PostJsonAsync($"/api/models/{model}/predict", body));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        var detail = (string)problem["detail"]!;
        Assert.Contains("100,000,000 values", detail);
        Assert.Contains("Limits:MaxPredictionValues", detail);
        Assert.Contains("at most 419 rows", detail);
        Assert.True(cost.AllocatedBytes < MemoryBound && cost.PeakWorkingSetGrowth < MemoryBound, cost.ToString());
    }

    [Fact]
    public async Task Predict_ManyRowsAgainstWideSoftmax_Returns413BeforeAllocating()
    {
        var model = await ImportAsync(inputs: 1, outputs: 65_536, "softmax", "categorical_cross_entropy",
            "classification");
        var body = "{\"rows\": [" + string.Join(",", Enumerable.Repeat("[1]", 10_000)) + "]}";

        var (response, cost) = await MemoryProbe.MeasureAsync(() =>
            Client.PostJsonAsync($"/api/models/{model}/predict", body));

        var detail = (string)(await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge))["detail"]!;
        Assert.Contains("655,360,000 values", detail);
        Assert.True(cost.AllocatedBytes < MemoryBound && cost.PeakWorkingSetGrowth < MemoryBound, cost.ToString());
    }

    [Fact]
    public async Task Predict_WideSoftmaxWithinBudget_ReturnsEveryProbabilityWithinMemoryBound()
    {
        var model = await ImportAsync(inputs: 1, outputs: 65_536, "softmax", "categorical_cross_entropy",
            "classification");

        var (text, cost) = await MemoryProbe.MeasureAsync(async () =>
        {
            var r = await Client.PostAsJsonAsync($"/api/models/{model}/predict",
                new { rows = Enumerable.Repeat(new[] { 1.0 }, 16) });
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            // parsed after measuring: a JSON tree of 10⁶ nodes is the test's cost, not the service's
            return await r.Content.ReadAsStringAsync();
        });

        var predictions = JsonNode.Parse(text)!["predictions"]!.AsArray();
        Assert.Equal(16, predictions.Count);
        var probabilities = predictions[0]!["probabilities"]!.AsObject();
        Assert.Equal(65_536, probabilities.Count);
        Assert.Equal(1.0 / 65_536, (double)probabilities["0"]!, 9); // zero weights: uniform
        Assert.True(cost.PeakWorkingSetGrowth < MemoryBound, cost.ToString());
    }

    [Fact]
    public async Task Predict_RecordWithManyUnknownColumns_ReturnsShortProblem()
    {
        var model = await ImportAsync(inputs: 2_000, outputs: 1, "identity", "mean_squared_error", "regression");
        var record = new StringBuilder("{\"records\": [{");
        for (int i = 0; i < 200_000; i++) record.Append(i == 0 ? "" : ",").Append("\"u").Append(i).Append("\": 0");
        record.Append("}]}");

        var response = await Client.PostJsonAsync($"/api/models/{model}/predict", record.ToString());

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        var messages = problem["errors"]!["records[0]"]!.AsArray().Select(m => (string)m!).ToList();
        Assert.Contains(messages, m => m.StartsWith("Unknown column(s) u0, u1,", StringComparison.Ordinal)
            && m.Contains("and 199,990 more"));
        Assert.Contains(messages, m => m.StartsWith("Missing column(s) x0, x1,", StringComparison.Ordinal)
            && m.Contains("and 1,990 more"));
        Assert.True(problem.ToJsonString().Length < 4_000,
            $"The problem is {problem.ToJsonString().Length} characters long.");
    }

    [Fact]
    public async Task Predict_RecordsInAnyKeyOrder_MatchFeaturesByName()
    {
        var model = await ImportAsync(inputs: 3, outputs: 1, "identity", "mean_squared_error", "regression",
            weight: i => i + 1);
        var response = await Client.PostJsonAsync($"/api/models/{model}/predict",
            """{"records": [{"x2": 1, "x0": 100, "x1": 10}]}""");
        var prediction = await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1 * 100 + 2 * 10 + 3 * 1, (double)prediction["predictions"]![0]!["values"]![0]!, 3);
    }

    [Fact]
    public async Task ImportModel_InputWidthOverLimit_Returns400NamingTheLimit()
    {
        var response = await Client.PostJsonAsync("/api/models/import", ModelJson(10_001, 1, "identity",
            "mean_squared_error", "regression", _ => 0));
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        var message = string.Join(" ", problem["errors"]!["model.spec.inputWidth"]!.AsArray().Select(m => (string)m!));
        Assert.Contains("10,001", message);
        Assert.Contains("Limits:MaxInputWidth", message);
    }

    [Fact]
    public async Task CreateNetwork_InputWidthOverLimit_Returns400NamingTheLimit()
    {
        var response = await _factory.With("Limits:MaxInputWidth", "100").CreateClient()
            .PostAsJsonAsync("/api/networks", new
        {
            inputWidth = 101, layers = new[] { new { units = 1, activation = "identity" } },
                loss = "mean_squared_error",
        });
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("at most 100 (Limits:MaxInputWidth)", (string)problem["errors"]!["inputWidth"]![0]!);
    }

    private async Task<Guid> ImportAsync(int inputs, int outputs, string activation, string loss, string task,
        Func<int, double>? weight = null)
    {
        var response = await Client.PostJsonAsync("/api/models/import", ModelJson(inputs, outputs, activation, loss,
            task, weight ?? (_ => 0)));
        return (Guid)(await response.ExpectAsync(HttpStatusCode.Created))["id"]!;
    }

    /// <summary>One dense layer inputs → outputs; row u of the weights is weight(0..inputs−1), biases 0.</summary>
    private static string ModelJson(int inputs, int outputs, string activation, string loss, string task,
        Func<int, double> weight)
    {
        var row = "[" + string.Join(",", Enumerable.Range(0, inputs).Select(i => weight(i)
            .ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
        var model = new JsonObject
        {
            ["format"] = "backprop-model", ["version"] = 1, ["task"] = task,
            ["spec"] = new JsonObject
            {
                ["inputWidth"] = inputs, ["loss"] = loss,
                ["layers"] = new JsonArray(new JsonObject { ["units"] = outputs, ["activation"] = activation }),
            },
        };
        var text = model.ToJsonString();
        var layers = "\"layers\": [{\"weights\": [" + string.Join(",", Enumerable.Repeat(row, outputs))
            + "], \"biases\": ["
            + string.Join(",", Enumerable.Repeat("0", outputs)) + "]}]";
        return "{\"model\": " + text[..^1] + ", " + layers + "}}";
    }
}
