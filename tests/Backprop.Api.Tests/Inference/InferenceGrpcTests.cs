using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using Backprop.Api.Inference.Protocol;
using Google.Protobuf;
using Grpc.Core;
using static Backprop.Api.Inference.Protocol.ModelInferRequest.Types;
using static Backprop.Api.Tests.Inference.InferenceSetup;

namespace Backprop.Api.Tests.Inference;

/// <summary>inference.GRPCInferenceService through Grpc.Net.Client against the app (the factory's HTTP/2
/// handler).</summary>
public sealed class InferenceGrpcTests : IDisposable
{
    private readonly ApiFactory _factory = new();
    private HttpClient Client => _client ??= _factory.CreateClient();
    private HttpClient? _client;

    public void Dispose() => _factory.Dispose();

    private static ModelInferRequest Request(Guid model, double[][] rows, bool raw = false, string datatype = "FP32")
    {
        var input = new InferInputTensor { Name = "input", Datatype = datatype, Shape = { rows.Length,
            rows[0].Length } };
        var request = new ModelInferRequest { ModelName = model.ToString(), Inputs = { input } };
        var floats = rows.SelectMany(r => r).Select(v => (float)v).ToArray();
        var doubles = rows.SelectMany(r => r).ToArray();
        if (raw)
            request.RawInputContents.Add(datatype == "FP32"
                ? ByteString.CopyFrom(MemoryMarshal.AsBytes(floats.AsSpan()))
                    : ByteString.CopyFrom(MemoryMarshal.AsBytes(doubles.AsSpan())));
        else if (datatype == "FP32") input.Contents = new InferTensorContents { Fp32Contents = { floats } };
        else input.Contents = new InferTensorContents { Fp64Contents = { doubles } };
        return request;
    }

    private async Task<(int[] Probabilities, long[] Labels)> PredictAsync(Guid model, double[][] rows)
    {
        var predictions = (await (await Client.PostAsJsonAsync($"/api/models/{model}/predict", new { rows }))
            .ExpectAsync(HttpStatusCode.OK))["predictions"]!.AsArray();
        return ([.. predictions.SelectMany(p => IrisClasses.Select(c =>
            BitConverter.SingleToInt32Bits((float)p!["probabilities"]![c]!)))],
            [.. predictions.Select(p => (long)p!["classIndex"]!)]);
    }

    [Fact]
    public async Task ServerLiveReadyAndMetadata_WithoutKey_Answer()
    {
        var grpc = GrpcClient(_factory);
        Assert.True((await grpc.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await grpc.ServerReadyAsync(new ServerReadyRequest())).Ready);
        var metadata = await grpc.ServerMetadataAsync(new ServerMetadataRequest());
        Assert.Equal("backprop", metadata.Name);
        Assert.NotEmpty(metadata.Version);
    }

    [Fact]
    public async Task ModelMetadataAndReady_Classifier_MatchRest()
    {
        var model = await ImportClassifierAsync(Client);
        var grpc = GrpcClient(_factory);

        var metadata = await grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = model.ToString(),
            Version = model.ToString() }, Key());
        var ready = await grpc.ModelReadyAsync(new ModelReadyRequest { Name = model.ToString() }, Key());

        Assert.True(ready.Ready);
        Assert.Equal(model.ToString(), metadata.Name);
        Assert.Equal([model.ToString()], metadata.Versions);
        Assert.Equal("backprop_mlp", metadata.Platform);
        Assert.Equal("input FP32 [-1,4]", string.Join(" | ", metadata.Inputs.Select(t =>
            $"{t.Name} {t.Datatype} [{string.Join(",", t.Shape)}]")));
        Assert.Equal("probabilities FP32 [-1,3] | label INT64 [-1]", string.Join(" | ", metadata.Outputs.Select(t =>
            $"{t.Name} {t.Datatype} [{string.Join(",", t.Shape)}]")));
    }

    [Theory]
    [InlineData("FP32", false)]
    [InlineData("FP64", false)]
    [InlineData("FP32", true)]
    [InlineData("FP64", true)]
    public async Task ModelInfer_Batch_EqualsPredictBitForBit(string datatype, bool raw)
    {
        var model = await ImportClassifierAsync(Client);
        var rows = Rows(40, 4);
        var request = Request(model, rows, raw, datatype);
        request.Id = "call-7";

        var response = await GrpcClient(_factory).ModelInferAsync(request, Key());
        var (probabilities, labels) = await PredictAsync(model, rows);

        Assert.Equal("call-7", response.Id);
        Assert.Equal(model.ToString(), response.ModelVersion);
        Assert.Equal(["probabilities", "label"], response.Outputs.Select(o => o.Name));
        Assert.Equal([40L, 3L], response.Outputs[0].Shape);
        Assert.Equal([40L], response.Outputs[1].Shape);
        float[] data;
        long[] classes;
        if (raw)
        {
            Assert.Equal(2, response.RawOutputContents.Count);
            Assert.All(response.Outputs, o => Assert.Null(o.Contents));
            data = MemoryMarshal.Cast<byte, float>(response.RawOutputContents[0].Span).ToArray();
            classes = MemoryMarshal.Cast<byte, long>(response.RawOutputContents[1].Span).ToArray();
        }
        else
        {
            Assert.Empty(response.RawOutputContents);
            data = [.. response.Outputs[0].Contents.Fp32Contents];
            classes = [.. response.Outputs[1].Contents.Int64Contents];
        }
        Assert.Equal(probabilities, data.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(labels, classes);
        Assert.Equal(3, classes.Distinct().Count());
    }

    [Fact]
    public async Task ModelInfer_RequestedOutput_ReturnsOnlyIt()
    {
        var model = await ImportClassifierAsync(Client);
        var request = Request(model, Rows(5, 4));
        request.Outputs.Add(new InferRequestedOutputTensor { Name = "label" });
        var response = await GrpcClient(_factory).ModelInferAsync(request, Key());
        Assert.Equal(["label"], response.Outputs.Select(o => o.Name));
    }

    [Fact]
    public async Task ModelInfer_Regression_ReturnsRawUnitValues()
    {
        var model = await ImportRegressionAsync(Client);
        var rows = Rows(9, 3);
        var response = await GrpcClient(_factory).ModelInferAsync(Request(model, rows), Key());
        var predictions = (await (await Client.PostAsJsonAsync($"/api/models/{model}/predict", new { rows }))
            .ExpectAsync(HttpStatusCode.OK))["predictions"]!.AsArray();
        Assert.Equal("values", response.Outputs[0].Name);
        Assert.Equal(predictions.SelectMany(p => p!["values"]!.AsArray().Select(v =>
            BitConverter.SingleToInt32Bits((float)v!))),
            response.Outputs[0].Contents.Fp32Contents.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public async Task ModelCalls_UnknownOrForeignModel_FailNotFound()
    {
        var model = await ImportClassifierAsync(Client);
        var grpc = GrpcClient(_factory);
        var otherKey = Key(await _factory.CreateTenantKeyAsync("other"));

        foreach (var (name, key) in new[] { (Guid.NewGuid().ToString(), Key()), ("no-such-model", Key()),
            (model.ToString(), otherKey) })
        {
            var request = Request(model, Rows(1, 4));
            request.ModelName = name;
            Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() =>
                grpc.ModelInferAsync(request, key).ResponseAsync)).StatusCode);
            Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() =>
                grpc.ModelReadyAsync(new ModelReadyRequest { Name = name }, key).ResponseAsync)).StatusCode);
            Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() =>
                grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = name }, key).ResponseAsync)).StatusCode);
        }
    }

    [Fact]
    public async Task ModelInfer_BadTensors_FailInvalidArgumentNamingTheProblem()
    {
        var model = await ImportClassifierAsync(Client);
        var grpc = GrpcClient(_factory);
        var wrongShape = Request(model, Rows(2, 4));
        wrongShape.Inputs[0].Shape[1] = 3;
        var rawCount = Request(model, Rows(2, 4), raw: true);
        rawCount.RawInputContents.Add(ByteString.Empty);
        var rawLength = Request(model, Rows(2, 4), raw: true);
        rawLength.RawInputContents[0] = ByteString.CopyFrom(new byte[7]);
        var nan = Request(model, Rows(2, 4));
        nan.Inputs[0].Contents.Fp32Contents[5] = float.NaN;

        foreach (var (request, expected) in new[] { (wrongShape, "shape [2, 3]"), (rawCount,
            "raw_input_contents has 2 entries"), (rawLength, "7 raw bytes"), (nan, "element 5") })
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => grpc.ModelInferAsync(request, Key())
                .ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Contains(expected, error.Status.Detail);
        }
    }

    [Fact]
    public async Task ModelInfer_WithoutKey_FailsUnauthenticated()
    {
        var model = await ImportClassifierAsync(Client);
        var error = await Assert.ThrowsAsync<RpcException>(() => GrpcClient(_factory).ModelInferAsync(Request(model,
            Rows(1, 4))).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task ModelInfer_OverBudget_FailsResourceExhausted()
    {
        _factory.With("Limits:MaxPredictionValues", "20");
        var model = await ImportClassifierAsync(Client);
        var error = await Assert.ThrowsAsync<RpcException>(() => GrpcClient(_factory).ModelInferAsync(Request(model,
            Rows(6, 4)), Key()).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("Limits:MaxPredictionValues", error.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_OverPredictionRateLimit_FailsWithTheLimitersStatus()
    {
        _factory.With("RateLimits:PredictionsPerWindow", "1");
        var model = await ImportClassifierAsync(Client);
        var grpc = GrpcClient(_factory);
        await grpc.ModelInferAsync(Request(model, Rows(1, 4)), Key());

        var error = await Assert.ThrowsAsync<RpcException>(() => grpc.ModelInferAsync(Request(model, Rows(1, 4)),
            Key()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode); // HTTP 429 as gRPC maps it
        Assert.Contains("429", error.Status.Detail);
    }
}
