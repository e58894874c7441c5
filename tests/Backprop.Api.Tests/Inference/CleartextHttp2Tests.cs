using System.Net;
using System.Net.Http.Json;
using Backprop.Api.Inference.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using static Backprop.Api.Inference.Protocol.ModelInferRequest.Types;
using static Backprop.Api.Tests.Inference.InferenceSetup;

namespace Backprop.Api.Tests.Inference;

/// <summary>The real service on one cleartext port: HTTP/1.1 for browsers and curl, HTTP/2 (prior knowledge) for gRPC
/// clients.</summary>
public sealed class CleartextHttp2Tests
{
    [Fact]
    public async Task OneCleartextPort_ServesHttp11AndGrpcOverHttp2()
    {
        await using var service = new ServiceProcess();
        var client = await service.StartAsync();
        var key = client.DefaultRequestHeaders.GetValues("X-Api-Key").Single();
        var model = await ImportClassifierAsync(client);
        var rows = Rows(10, 4);

        using var channel = GrpcChannel.ForAddress(service.BaseAddress!);
        var request = new ModelInferRequest
        {
            ModelName = model.ToString(),
            Inputs = { new InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 10, 4 },
                Contents = new InferTensorContents { Fp32Contents = { rows.SelectMany(r => r).Select(v =>
                    (float)v) } } } },
        };
        var grpc = await new GRPCInferenceService.GRPCInferenceServiceClient(channel).ModelInferAsync(request,
            new Metadata { { "x-api-key", key } });

        var http11 = await client.PostAsJsonAsync($"/api/models/{model}/predict", new { rows });
        Assert.Equal(HttpVersion.Version11, http11.Version);
        var predictions = (await http11.ExpectAsync(HttpStatusCode.OK))["predictions"]!.AsArray();
        Assert.Equal(predictions.Select(p => (long)p!["classIndex"]!), grpc.Outputs[1].Contents.Int64Contents);

        using var http2 = service.CreateClient(key);
        http2.DefaultRequestVersion = HttpVersion.Version20;
        http2.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        var metadata = await http2.GetAsync($"/v2/models/{model}");
        Assert.Equal(HttpVersion.Version20, metadata.Version);
        Assert.Equal(model.ToString(), (string)(await metadata.ExpectAsync(HttpStatusCode.OK))["name"]!);
    }
}
