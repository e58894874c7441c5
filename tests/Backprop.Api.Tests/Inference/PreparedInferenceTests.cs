using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Backprop.Api.Inference.Protocol;
using Google.Protobuf;
using static Backprop.Api.Inference.Protocol.ModelInferRequest.Types;

namespace Backprop.Api.Tests.Inference;

/// <summary>A model that prepares raw columns takes one tensor per column over the protocol, prepared exactly as
/// prediction records are.</summary>
public sealed class PreparedInferenceTests
{
    [Fact]
    public async Task Infer_RawColumnTensors_EqualPredictFromRecordsBitForBit()
    {
        using var factory = new ApiFactory();
        var client = factory.CreateClient();
        var dataset = await TabularSample.UploadAsync(client, File.ReadAllText(TabularSample.Path("train.csv")));
        var network = await TabularSample.CreateNetworkAsync(client, 14, hidden: 8);
        var model = (Guid)(await client.TrainAsync(new { networkId = network, datasetId = dataset, epochs = 3,
            seed = 1 }))["modelId"]!;
        var rows = TabularSample.Rows("test.csv").Take(30).ToList();
        var records = rows.Select(TabularSample.Record).ToList();

        var metadata = await (await client.GetAsync($"/v2/models/{model}")).ExpectAsync(HttpStatusCode.OK);
        var inputs = new JsonArray();
        foreach (var column in metadata["inputs"]!.AsArray())
        {
            var name = (string)column!["name"]!;
            inputs.Add(new JsonObject
            {
                ["name"] = name, ["datatype"] = (string)column["datatype"]!, ["shape"] = new JsonArray(rows.Count),
                ["data"] = new JsonArray(records.Select(r => r[name] is { } v ? JsonValue.Create(v) : null)
                    .ToArray<JsonNode?>()),
            });
        }
        var rest = await (await client.PostJsonAsync($"/v2/models/{model}/infer",
            new JsonObject { ["inputs"] = inputs }.ToJsonString())).ExpectAsync(HttpStatusCode.OK);
        var predictions = (await (await client.PostAsJsonAsync($"/api/models/{model}/predict", new { records }))
            .ExpectAsync(HttpStatusCode.OK))["predictions"]!.AsArray();

        Assert.Equal("age FP32, hours FP32, income FP32, workclass BYTES, region BYTES, member BOOL",
            string.Join(", ", metadata["inputs"]!.AsArray().Select(i => $"{i!["name"]} {i["datatype"]}")));
        Assert.Contains(records, r => r.ContainsValue(null)); // missing cells travel as nulls
        var probabilities = rest["outputs"]![0]!["data"]!.AsArray().Select(v =>
            BitConverter.SingleToInt32Bits((float)v!)).ToArray();
        var classes = metadata["outputs"]![0]!["shape"]![1]!.GetValue<long>();
        var expected = predictions.SelectMany(p => p!["probabilities"]!.AsObject().Select(kv =>
            BitConverter.SingleToInt32Bits((float)kv.Value!))).ToArray();
        Assert.Equal(2, classes);
        Assert.Equal(expected, probabilities);

        // gRPC: categorical levels as BYTES, flags as BOOL, a missing number as NaN.
        var request = new ModelInferRequest { ModelName = model.ToString() };
        foreach (var column in TabularSample.Columns)
        {
            var tensor = new InferInputTensor { Name = column, Shape = { rows.Count },
                Contents = new InferTensorContents() };
            var cells = records.Select(r => r[column]).ToList();
            if (column is "workclass" or "region")
                { tensor.Datatype = "BYTES"; tensor.Contents.BytesContents.AddRange(cells.Select(c =>
                    ByteString.CopyFromUtf8((string?)c ?? ""))); }
            else if (column == "member")
            {
                tensor.Datatype = "BOOL";
                tensor.Contents.BoolContents.AddRange(cells.Select(c => (bool?)c ?? false));
            }
            else { tensor.Datatype = "FP64"; tensor.Contents.Fp64Contents.AddRange(cells.Select(c => (double?)c
                ?? double.NaN)); }
            request.Inputs.Add(tensor);
        }
        var rowsWithoutMissingFlags = records.Select((r, i) => (r, i)).Where(p => p.r["member"] is not null)
            .Select(p => p.i).ToList();
        var grpc = await InferenceSetup.GrpcClient(factory).ModelInferAsync(request, InferenceSetup.Key());
        var grpcProbabilities = grpc.Outputs[0].Contents.Fp32Contents.Select(BitConverter.SingleToInt32Bits).ToArray();
        foreach (int r in rowsWithoutMissingFlags) // a missing flag has no BOOL form; those rows were sent as false
            Assert.Equal(expected.AsSpan(r * 2, 2).ToArray(), grpcProbabilities.AsSpan(r * 2, 2).ToArray());
        Assert.True(rowsWithoutMissingFlags.Count > 20);
    }
}
