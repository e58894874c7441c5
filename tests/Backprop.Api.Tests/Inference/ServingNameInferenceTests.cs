using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Backprop.Api.Inference.Protocol;
using Grpc.Core;
using static Backprop.Api.Inference.Protocol.ModelInferRequest.Types;
using static Backprop.Api.Tests.Inference.InferenceSetup;

namespace Backprop.Api.Tests.Inference;

/// <summary>The protocol's {name} resolves a model's serving name, within the caller's tenant only.</summary>
public sealed class ServingNameInferenceTests : IDisposable
{
    private readonly ApiFactory _factory = new();
    private HttpClient Client => _client ??= _factory.CreateClient();
    private HttpClient? _client;

    public void Dispose() => _factory.Dispose();

    private static async Task<Guid> NameAsync(HttpClient client, Guid model, string name)
    {
        await (await client.PutAsJsonAsync($"/api/models/{model}/serving-name", new { servingName = name }))
            .ExpectAsync(HttpStatusCode.OK);
        return model;
    }

    private static string InferBody(double[][] rows) =>
        new JsonObject
        {
            ["inputs"] = new JsonArray(new JsonObject
            {
                ["name"] = "input", ["datatype"] = "FP32", ["shape"] = new JsonArray(rows.Length, rows[0].Length),
                ["data"] = new JsonArray(rows.SelectMany(r => r).Select(v => (JsonNode)JsonValue.Create(v)!)
                    .ToArray()),
            }),
        }.ToJsonString();

    [Fact]
    public async Task InferByServingName_EqualsInferById()
    {
        var model = await NameAsync(Client, await ImportClassifierAsync(Client), "iris-prod");
        await ImportClassifierAsync(Client); // another model of the tenant, unnamed
        var body = InferBody(Rows(12, 4));

        var byId = await (await Client.PostJsonAsync($"/v2/models/{model}/infer", body))
            .ExpectAsync(HttpStatusCode.OK);
        var byName = await (await Client.PostJsonAsync("/v2/models/iris-prod/infer", body))
            .ExpectAsync(HttpStatusCode.OK);
        var byNameAndVersion = await (await Client.PostJsonAsync($"/v2/models/iris-prod/versions/{model}/infer",
            body)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("iris-prod", (string)byName["model_name"]!);
        Assert.Equal(model.ToString(), (string)byName["model_version"]!);
        Assert.Equal(byId["outputs"]!.ToJsonString(), byName["outputs"]!.ToJsonString());
        Assert.Equal(byId["outputs"]!.ToJsonString(), byNameAndVersion["outputs"]!.ToJsonString());
        var metadata = await (await Client.GetAsync("/v2/models/iris-prod")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("iris-prod", (string)metadata["name"]!);
        Assert.Equal([model.ToString()], metadata["versions"]!.AsArray().Select(v => (string)v!));
    }

    [Fact]
    public async Task InferByServingName_VersionOfAnotherModel_Returns404()
    {
        var model = await NameAsync(Client, await ImportClassifierAsync(Client), "iris-prod");
        var other = await ImportClassifierAsync(Client);

        var response = await Client.PostJsonAsync($"/v2/models/iris-prod/versions/{other}/infer",
            InferBody(Rows(1, 4)));

        var error = (string)(await response.ExpectAsync(HttpStatusCode.NotFound))["error"]!;
        Assert.Contains(model.ToString(), error);
    }

    [Fact]
    public async Task InferByServingName_ForeignTenantsName_Returns404()
    {
        var other = await _factory.CreateTenantClientAsync("other");
        await NameAsync(other, await ImportClassifierAsync(other), "theirs");

        await (await Client.PostJsonAsync("/v2/models/theirs/infer", InferBody(Rows(1, 4))))
            .ExpectAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync("/v2/models/theirs")).ExpectAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync("/v2/models/theirs/ready")).ExpectAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync("/v2/models/theirs")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task InferByServingName_ClearedName_Returns404()
    {
        var model = await NameAsync(Client, await ImportClassifierAsync(Client), "iris-prod");
        await (await Client.GetAsync("/v2/models/iris-prod")).ExpectAsync(HttpStatusCode.OK);

        await (await Client.DeleteAsync($"/api/models/{model}/serving-name")).ExpectAsync(HttpStatusCode.NoContent);

        await (await Client.PostJsonAsync("/v2/models/iris-prod/infer", InferBody(Rows(1, 4))))
            .ExpectAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync($"/v2/models/{model}")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task GrpcModelInfer_ByServingName_EqualsById()
    {
        var model = await NameAsync(Client, await ImportClassifierAsync(Client), "iris-grpc");
        var grpc = GrpcClient(_factory);
        var floats = Rows(9, 4).SelectMany(r => r).Select(v => (float)v).ToArray();
        ModelInferRequest Request(string name) => new()
        {
            ModelName = name,
            Inputs = { new InferInputTensor { Name = "input", Datatype = "FP32", Shape = { 9, 4 },
                Contents = new InferTensorContents { Fp32Contents = { floats } } } },
        };

        var byId = await grpc.ModelInferAsync(Request(model.ToString()), Key());
        var byName = await grpc.ModelInferAsync(Request("iris-grpc"), Key());
        var metadata = await grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "iris-grpc" }, Key());

        Assert.Equal("iris-grpc", byName.ModelName);
        Assert.Equal(model.ToString(), byName.ModelVersion);
        Assert.Equal(byId.Outputs, byName.Outputs);
        Assert.Equal([model.ToString()], metadata.Versions);
        var otherKey = Key(await _factory.CreateTenantKeyAsync("other"));
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() =>
            grpc.ModelInferAsync(Request("iris-grpc"), otherKey).ResponseAsync)).StatusCode);
    }
}
