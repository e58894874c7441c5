using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using static Backprop.Api.Tests.Inference.InferenceSetup;

namespace Backprop.Api.Tests.Inference;

/// <summary>The binary tensor data extension of the protocol's REST infer: a JSON header, then raw little-endian
/// elements, both ways; the results equal the JSON path's bit for bit.</summary>
public sealed class BinaryInferenceTests : IDisposable
{
    private const string HeaderLength = "Inference-Header-Content-Length";
    private readonly ApiFactory _factory = new();
    private HttpClient Client => _client ??= _factory.CreateClient();
    private HttpClient? _client;

    public void Dispose() => _factory.Dispose();

    private static ByteArrayContent BinaryBody(string header, byte[] data, string? headerLength = null)
    {
        var head = Encoding.UTF8.GetBytes(header);
        var content = new ByteArrayContent([.. head, .. data]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add(HeaderLength, headerLength ?? head.Length.ToString(System.Globalization.CultureInfo
            .InvariantCulture));
        return content;
    }

    private static byte[] Fp32(double[][] rows) =>
        MemoryMarshal.AsBytes(rows.SelectMany(r => r).Select(v => (float)v).ToArray().AsSpan()).ToArray();

    private static string Header(int rows, int width, int bytes, string datatype = "FP32", string? extra = null) =>
        $$$"""{"inputs": [{"name": "input", "datatype": "{{{datatype}}}", "shape": [{{{rows}}}, {{{width}}}], """
        + $$$""" "parameters": {"binary_data_size": {{{bytes}}}}}]{{{extra}}}}""";

    private async Task<JsonNode> JsonInferAsync(Guid model, double[][] rows)
    {
        var data = string.Join(", ", rows.SelectMany(r => r).Select(Json));
        var body = $$"""{"inputs": [{"name": "input", "datatype": "FP32", "shape": [{{rows.Length}}, """
            + $$"""{{rows[0].Length}}], "data": [{{data}}]}]}""";
        return await (await Client.PostJsonAsync($"/v2/models/{model}/infer", body)).ExpectAsync(HttpStatusCode.OK);
    }

    /// <summary>The response's JSON header and the binary data after it.</summary>
    private static async Task<(JsonNode Header, byte[] Data)> SplitAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, Encoding.UTF8.GetString(body));
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType!.MediaType);
        int length = int.Parse(response.Headers.GetValues(HeaderLength).Single(),
            System.Globalization.CultureInfo.InvariantCulture);
        return (JsonNode.Parse(body.AsSpan(0, length))!, body[length..]);
    }

    private static float[] Floats(JsonNode output) => [.. output["data"]!.AsArray().Select(v => (float)v!)];

    [Fact]
    public async Task Infer_BinaryInputAndOutputs_EqualJsonInferenceBitForBit()
    {
        var model = await ImportClassifierAsync(Client);
        var rows = Rows(40, 4);
        var header = Header(40, 4, 40 * 4 * 4, extra: """, "parameters": {"binary_data_output": true}""");

        var (head, data) = await SplitAsync(await Client.PostAsync($"/v2/models/{model}/infer",
            BinaryBody(header, Fp32(rows))));
        var json = (await JsonInferAsync(model, rows))["outputs"]!.AsArray();

        var outputs = head["outputs"]!.AsArray();
        Assert.Equal(["probabilities", "label"], outputs.Select(o => (string)o!["name"]!));
        Assert.All(outputs, o => Assert.Null(o!["data"]));
        Assert.Equal(40 * 3 * 4, (int)outputs[0]!["parameters"]!["binary_data_size"]!);
        Assert.Equal(40 * 8, (int)outputs[1]!["parameters"]!["binary_data_size"]!);
        Assert.Equal(40 * 3 * 4 + 40 * 8, data.Length);
        var probabilities = MemoryMarshal.Cast<byte, float>(data.AsSpan(0, 40 * 3 * 4)).ToArray();
        var labels = MemoryMarshal.Cast<byte, long>(data.AsSpan(40 * 3 * 4)).ToArray();
        Assert.Equal(3, labels.Distinct().Count()); // every class is reached: the comparison covers them all
        Assert.Equal(Floats(json[0]!).Select(BitConverter.SingleToInt32Bits),
            probabilities.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(json[1]!["data"]!.AsArray().Select(v => (long)v!), labels);
    }

    [Fact]
    public async Task Infer_BinaryInputWithoutBinaryOutputs_AnswersJsonEqualToTheJsonPath()
    {
        var model = await ImportRegressionAsync(Client);
        var rows = Rows(12, 3);

        var response = await Client.PostAsync($"/v2/models/{model}/infer",
            BinaryBody(Header(12, 3, 12 * 3 * 4, extra: """, "id": "b-1" """), Fp32(rows)));
        var body = await response.ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.False(response.Headers.Contains(HeaderLength));
        Assert.Equal("b-1", (string)body["id"]!);
        Assert.Equal((await JsonInferAsync(model, rows))["outputs"]!.ToJsonString(), body["outputs"]!.ToJsonString());
    }

    [Fact]
    public async Task Infer_JsonRequestAskingOneBinaryOutput_ReturnsThatOneAsBinary()
    {
        var model = await ImportClassifierAsync(Client);
        var rows = Rows(5, 4);
        var data = string.Join(", ", rows.SelectMany(r => r).Select(Json));
        var body = $$"""{"inputs": [{"name": "input", "datatype": "FP32", "shape": [5, 4], "data": [{{data}}]}], """
            + """ "outputs": [{"name": "label"}, {"name": "probabilities", "parameters": {"binary_data": true}}]}""";

        var (head, binary) = await SplitAsync(await Client.PostJsonAsync($"/v2/models/{model}/infer", body));
        var json = (await JsonInferAsync(model, rows))["outputs"]!.AsArray();

        var outputs = head["outputs"]!.AsArray();
        Assert.Equal(json[1]!["data"]!.ToJsonString(), outputs[0]!["data"]!.ToJsonString());
        Assert.Null(outputs[1]!["data"]);
        Assert.Equal(Floats(json[0]!).Select(BitConverter.SingleToInt32Bits),
            MemoryMarshal.Cast<byte, float>(binary).ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public async Task Infer_BinaryFp64Input_EqualsFp32Input()
    {
        var model = await ImportClassifierAsync(Client);
        var rows = Rows(7, 4);
        var fp64 = MemoryMarshal.AsBytes(rows.SelectMany(r => r).ToArray().AsSpan()).ToArray();

        var doubles = await (await Client.PostAsync($"/v2/models/{model}/infer",
            BinaryBody(Header(7, 4, fp64.Length, "FP64"), fp64))).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal((await JsonInferAsync(model, rows))["outputs"]!.ToJsonString(),
            doubles["outputs"]!.ToJsonString());
    }

    [Theory]
    [InlineData(null, 64, "x", "Inference-Header-Content-Length")]
    [InlineData(null, 64, "100000", "holds only")]
    [InlineData(null, 60, null, "only 60 bytes")]
    [InlineData(null, 68, null, "4 bytes of binary data are left over")]
    [InlineData(", \"data\": [1, 2, 3, 4]", 64, null, "both 'data' and binary_data_size")]
    [InlineData(null, 62, "62", "not a whole number of FP32")]
    public async Task Infer_BadBinaryBody_Returns400WithProtocolError(string? data, int bytes, string? headerLength,
        string expected)
    {
        var model = await ImportClassifierAsync(Client);
        var header = $$"""{"inputs": [{"name": "input", "datatype": "FP32", "shape": [4, 4], """
            + $$$""" "parameters": {"binary_data_size": {{{(headerLength == "62" ? 2 : 64)}}}}{{{data}}}}]}""";
        var body = headerLength == "62" ? BinaryBody(header, new byte[2]) : BinaryBody(header, new byte[bytes],
            headerLength);

        var error = await (await Client.PostAsync($"/v2/models/{model}/infer", body))
            .ExpectAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["error"], error.AsObject().Select(p => p.Key));
        Assert.Contains(expected, (string)error["error"]!);
    }

    [Fact]
    public async Task Infer_BinaryHeaderNotARequest_Returns400NamingTheField()
    {
        var model = await ImportClassifierAsync(Client);
        var error = await (await Client.PostAsync($"/v2/models/{model}/infer",
            BinaryBody("""{"inputs": 3}""", []))).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Contains("inputs", (string)error["error"]!);
    }

    [Fact]
    public async Task Infer_BinaryInputOnJsonBody_Returns400PointingToTheBinaryForm()
    {
        var model = await ImportClassifierAsync(Client);
        var error = await (await Client.PostJsonAsync($"/v2/models/{model}/infer", Header(1, 4, 16)))
            .ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Contains("application/octet-stream", (string)error["error"]!);
    }

    [Fact]
    public async Task Infer_BinaryWithoutKey_Returns401()
    {
        var model = await ImportClassifierAsync(Client);
        var response = await _factory.CreateAnonymousClient().PostAsync($"/v2/models/{model}/infer",
            BinaryBody(Header(1, 4, 16), new byte[16]));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
