using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static Backprop.Api.Tests.Inference.InferenceSetup;

namespace Backprop.Api.Tests.Inference;

/// <summary>The Open Inference Protocol's REST endpoints, request and response bodies as its specification gives
/// them.</summary>
public sealed class InferenceRestTests : IDisposable
{
    private readonly ApiFactory _factory = new();
    private HttpClient Client => _client ??= _factory.CreateClient();
    private HttpClient? _client;

    public void Dispose() => _factory.Dispose();

    private static string InferBody(double[][] rows, string datatype = "FP32", string? extra = null)
    {
        var data = string.Join(", ", rows.SelectMany(r => r).Select(Json));
        var shape = $"[{rows.Length}, {rows[0].Length}]";
        var input = $$"""{"name": "input", "datatype": "{{datatype}}", "shape": {{shape}}, "data": [{{data}}]}""";
        return $$"""{"inputs": [{{input}}]{{extra}}}""";
    }

    private async Task<JsonNode> InferAsync(Guid model, string body, HttpStatusCode status = HttpStatusCode.OK) =>
        await (await Client.PostJsonAsync($"/v2/models/{model}/infer", body)).ExpectAsync(status);

    /// <summary>The protocol's error form: exactly one property, "error", a non-empty string.</summary>
    private static string ErrorOf(JsonNode body)
    {
        var properties = body.AsObject();
        Assert.Equal(["error"], properties.Select(p => p.Key));
        var message = (string)properties["error"]!;
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message;
    }

    [Fact]
    public async Task HealthLiveAndReady_WithoutKey_Return200True()
    {
        var anonymous = _factory.CreateAnonymousClient();
        Assert.True((bool)(await (await anonymous.GetAsync("/v2/health/live"))
            .ExpectAsync(HttpStatusCode.OK))["live"]!);
        Assert.True((bool)(await (await anonymous.GetAsync("/v2/health/ready"))
            .ExpectAsync(HttpStatusCode.OK))["ready"]!);
    }

    [Fact]
    public async Task ServerMetadata_WithoutKey_ReturnsNameVersionAndExtensions()
    {
        var metadata = await (await _factory.CreateAnonymousClient().GetAsync("/v2")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("backprop", (string)metadata["name"]!);
        Assert.False(string.IsNullOrEmpty((string)metadata["version"]!));
        Assert.Equal(["binary_tensor_data"], metadata["extensions"]!.AsArray().Select(e => (string)e!));
    }

    [Fact]
    public async Task ModelMetadata_Classifier_DescribesInputOutputsAndVersion()
    {
        var model = await ImportClassifierAsync(Client);
        foreach (var url in new[] { $"/v2/models/{model}", $"/v2/models/{model}/versions/{model}" })
        {
            var metadata = await (await Client.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(model.ToString(), (string)metadata["name"]!);
            Assert.Equal([model.ToString()], metadata["versions"]!.AsArray().Select(v => (string)v!));
            Assert.Equal("backprop_mlp", (string)metadata["platform"]!);
            Assert.Equal("""[{"name":"input","datatype":"FP32","shape":[-1,4]}]""", metadata["inputs"]!.ToJsonString());
            Assert.Equal("""[{"name":"probabilities","datatype":"FP32","shape":[-1,3]},"""
                + """{"name":"label","datatype":"INT64","shape":[-1]}]""",
                metadata["outputs"]!.ToJsonString());
        }
    }

    [Fact]
    public async Task ModelMetadata_Regression_DescribesValuesOutput()
    {
        var model = await ImportRegressionAsync(Client);
        var metadata = await (await Client.GetAsync($"/v2/models/{model}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("""[{"name":"input","datatype":"FP32","shape":[-1,3]}]""", metadata["inputs"]!.ToJsonString());
        Assert.Equal("""[{"name":"values","datatype":"FP32","shape":[-1,2]}]""", metadata["outputs"]!.ToJsonString());
    }

    [Fact]
    public async Task ModelReady_KnownModelAndVersion_Returns200ReadyTrue()
    {
        var model = await ImportClassifierAsync(Client);
        foreach (var url in new[] { $"/v2/models/{model}/ready", $"/v2/models/{model}/versions/{model}/ready" })
        {
            var ready = await (await Client.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
            Assert.True((bool)ready["ready"]!);
            Assert.Equal(model.ToString(), (string)ready["name"]!);
        }
    }

    [Fact]
    public async Task Infer_Fp32Batch_ReturnsTensorsEqualToPredictBitForBit()
    {
        var model = await ImportClassifierAsync(Client);
        var rows = Rows(40, 4);

        var response = await InferAsync(model, InferBody(rows));
        var predictions = (await (await Client.PostAsJsonAsync($"/api/models/{model}/predict", new { rows }))
            .ExpectAsync(HttpStatusCode.OK))["predictions"]!.AsArray();

        Assert.Equal(model.ToString(), (string)response["model_name"]!);
        Assert.Equal(model.ToString(), (string)response["model_version"]!);
        Assert.Null(response["id"]);
        var outputs = response["outputs"]!.AsArray();
        Assert.Equal(["probabilities", "label"], outputs.Select(o => (string)o!["name"]!));
        var probabilities = outputs[0]!;
        Assert.Equal("FP32", (string)probabilities["datatype"]!);
        Assert.Equal("[40,3]", probabilities["shape"]!.ToJsonString());
        var data = probabilities["data"]!.AsArray().Select(v => (float)v!).ToArray();
        var label = outputs[1]!;
        Assert.Equal("INT64", (string)label["datatype"]!);
        Assert.Equal("[40]", label["shape"]!.ToJsonString());
        var labels = label["data"]!.AsArray().Select(v => (long)v!).ToArray();
        Assert.Equal(3, labels.Distinct().Count()); // the rows reach every class: the comparison covers them all
        for (int r = 0; r < rows.Length; r++)
        {
            Assert.Equal((long)predictions[r]!["classIndex"]!, labels[r]);
            for (int c = 0; c < 3; c++)
                Assert.Equal(BitConverter.SingleToInt32Bits((float)predictions[r]!["probabilities"]![IrisClasses[c]]!),
                    BitConverter.SingleToInt32Bits(data[r * 3 + c]));
        }
    }

    [Fact]
    public async Task Infer_Fp64NestedData_EqualsFp32FlatData()
    {
        var model = await ImportClassifierAsync(Client);
        var rows = Rows(7, 4);
        var data = string.Join(", ", rows.Select(r => "[" + string.Join(", ", r.Select(Json)) + "]"));
        var nested = $$"""{"inputs": [{"name": "input", "datatype": "FP64", "shape": [7, 4], "data": [{{data}}]}]}""";

        var fp64 = await InferAsync(model, nested);
        var fp32 = await InferAsync(model, InferBody(rows));

        Assert.Equal(fp32["outputs"]!.ToJsonString(), fp64["outputs"]!.ToJsonString());
    }

    [Fact]
    public async Task Infer_Regression_ReturnsRawUnitValuesEqualToPredict()
    {
        var model = await ImportRegressionAsync(Client);
        var rows = Rows(12, 3);

        var values = (await InferAsync(model, InferBody(rows)))["outputs"]![0]!;
        var predictions = (await (await Client.PostAsJsonAsync($"/api/models/{model}/predict", new { rows }))
            .ExpectAsync(HttpStatusCode.OK))["predictions"]!.AsArray();

        Assert.Equal("values", (string)values["name"]!);
        Assert.Equal("[12,2]", values["shape"]!.ToJsonString());
        var data = values["data"]!.AsArray().Select(v => (float)v!).ToArray();
        Assert.Contains(data, v => Math.Abs(v) > 50); // raw units (targets centred at 100), not standardised
        for (int r = 0; r < rows.Length; r++)
            for (int t = 0; t < 2; t++)
                Assert.Equal(BitConverter.SingleToInt32Bits((float)predictions[r]!["values"]![t]!),
                    BitConverter.SingleToInt32Bits(data[r * 2 + t]));
    }

    [Fact]
    public async Task Infer_RequestedOutputs_ReturnsOnlyThoseInTheOrderAsked()
    {
        var model = await ImportClassifierAsync(Client);
        var rows = Rows(3, 4);

        var labelOnly = await InferAsync(model, InferBody(rows, extra: """, "outputs": [{"name": "label"}]"""));
        var reversed = await InferAsync(model, InferBody(rows,
            extra: """, "outputs": [{"name": "label"}, {"name": "probabilities", "parameters": {"binary": false}}]"""));

        Assert.Equal(["label"], labelOnly["outputs"]!.AsArray().Select(o => (string)o!["name"]!));
        Assert.Equal(["label", "probabilities"], reversed["outputs"]!.AsArray().Select(o => (string)o!["name"]!));
    }

    [Fact]
    public async Task Infer_IdAndParameters_IdIsEchoed()
    {
        var model = await ImportClassifierAsync(Client);
        var response = await InferAsync(model, InferBody(Rows(1, 4),
            extra: """, "id": "request-42", "parameters": {"priority": 2, "trace": true, "tag": "a"}"""));
        Assert.Equal("request-42", (string)response["id"]!);
    }

    private const string Head = """{"inputs": [""";
    private const string Row = """{"name": "input", "datatype": "FP32", "shape": [1, 4]""";
    private const string Data = """, "data": [1, 2, 3, 4]}]""";

    [Theory]
    [InlineData(Head + """{"name": "input", "datatype": "FP32", "shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]}]}""",
        "shape [2, 3]")]
    [InlineData(Head + """{"name": "input", "datatype": "FP32", "shape": [2, 4], "data": [1, 2, 3]}]}""",
        "needs 8 elements; got 3")]
    [InlineData(Head + """{"name": "input", "datatype": "INT32", "shape": [1, 4], "data": [1, 2, 3, 4]}]}""",
        "datatype 'INT32'")]
    [InlineData(Head + """{"name": "x", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]}]}""",
        "one input, 'input'")]
    [InlineData(Head + Row + """, "data": [1, "a", 3, 4]}]}""", "element 1 (row 0, column 1)")]
    [InlineData(Head + Row + """, "data": [1, 2, 3, 1e300]}]}""", "element 3")]
    [InlineData(Head + Row + Data + """, "outputs": [{"name": "logits"}]}""", "no output 'logits'")]
    [InlineData(Head + Row + Data + """, "parameters": {"p": [1]}}""", "parameters.p")]
    [InlineData("""{"inputs": []}""", "input tensors")]
    [InlineData(Head + Row + Data + """, "extra": 1}""", "extra")]
    [InlineData(Head + Row + """, "data": [1, 2, 3, 4]""", "JSON")]
    public async Task Infer_BadRequest_Returns400WithProtocolError(string body, string expected)
    {
        var model = await ImportClassifierAsync(Client);
        var message = ErrorOf(await InferAsync(model, body, HttpStatusCode.BadRequest));
        Assert.Contains(expected, message);
    }

    [Fact]
    public async Task Infer_UnknownModelNameOrVersion_Returns404WithProtocolError()
    {
        var model = await ImportClassifierAsync(Client);
        var body = InferBody(Rows(1, 4));
        foreach (var url in new[] { $"/v2/models/{Guid.NewGuid()}/infer", "/v2/models/no-such-model/infer",
            $"/v2/models/{model}/versions/{Guid.NewGuid()}/infer" })
            ErrorOf(await (await Client.PostJsonAsync(url, body)).ExpectAsync(HttpStatusCode.NotFound));
        ErrorOf(await (await Client.GetAsync($"/v2/models/{Guid.NewGuid()}")).ExpectAsync(HttpStatusCode.NotFound));
        ErrorOf(await (await Client.GetAsync($"/v2/models/{Guid.NewGuid()}/ready"))
            .ExpectAsync(HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task ForeignTenantsModel_Returns404LikeAnUnknownModel()
    {
        var model = await ImportClassifierAsync(Client);
        var other = await _factory.CreateTenantClientAsync("other");

        var infer = ErrorOf(await (await other.PostJsonAsync($"/v2/models/{model}/infer", InferBody(Rows(1, 4))))
            .ExpectAsync(HttpStatusCode.NotFound));
        var unknown = ErrorOf(await (await other.PostJsonAsync($"/v2/models/{Guid.Empty}/infer", InferBody(Rows(1,
            4)))).ExpectAsync(HttpStatusCode.NotFound));
        ErrorOf(await (await other.GetAsync($"/v2/models/{model}")).ExpectAsync(HttpStatusCode.NotFound));
        ErrorOf(await (await other.GetAsync($"/v2/models/{model}/ready")).ExpectAsync(HttpStatusCode.NotFound));

        Assert.Equal(unknown.Replace(Guid.Empty.ToString(), "", StringComparison.Ordinal),
            infer.Replace(model.ToString(), "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Infer_WithoutKey_Returns401WithProtocolError()
    {
        var model = await ImportClassifierAsync(Client);
        var response = await _factory.CreateAnonymousClient().PostJsonAsync($"/v2/models/{model}/infer",
            InferBody(Rows(1, 4)));
        ErrorOf(await response.ExpectAsync(HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task Infer_OverRowLimit_Returns413WithProtocolError()
    {
        _factory.With("Limits:MaxPredictionRows", "5");
        var model = await ImportClassifierAsync(Client);
        Assert.Contains("limit of 5", ErrorOf(await InferAsync(model, InferBody(Rows(6, 4)),
            HttpStatusCode.RequestEntityTooLarge)));
    }

    [Fact]
    public async Task Infer_OverPredictionRateLimit_Returns429WithProtocolError()
    {
        _factory.With("RateLimits:PredictionsPerWindow", "2");
        var model = await ImportClassifierAsync(Client);
        await InferAsync(model, InferBody(Rows(1, 4)));
        await (await Client.PostAsJsonAsync($"/api/models/{model}/predict", new { rows = Rows(1, 4) }))
            .ExpectAsync(HttpStatusCode.OK);

        var response = await Client.PostJsonAsync($"/v2/models/{model}/infer", InferBody(Rows(1, 4)));

        Assert.NotNull(response.Headers.RetryAfter);
        ErrorOf(await response.ExpectAsync(HttpStatusCode.TooManyRequests));
    }
}
