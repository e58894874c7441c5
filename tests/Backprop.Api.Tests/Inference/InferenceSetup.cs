using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Backprop.Api.Inference.Protocol;
using Grpc.Core;
using Grpc.Net.Client;

namespace Backprop.Api.Tests.Inference;

/// <summary>Models with known weights (imported, so no training is waited for) and a gRPC client on the test
/// server.</summary>
internal static class InferenceSetup
{
    public static readonly string[] IrisClasses = ["setosa", "versicolor", "virginica"];

    /// <summary>4 → 5 relu → 3 softmax with fixed, varied weights and a z-score input normalisation: every step of
    /// prediction matters.</summary>
    public static Task<Guid> ImportClassifierAsync(HttpClient client) => ImportAsync(client, "classification",
        "categorical_cross_entropy",
        [(5, "relu"), (3, "softmax")], inputs: 4,
        new JsonObject { ["kind"] = "z_score", ["offsets"] = Numbers(5.8, 3.05, 3.7, 1.2), ["scales"] = Numbers(0.83,
            0.43, 1.76, 0.76) },
        extra: new JsonObject { ["featureNames"] = Strings("sepal_length", "sepal_width", "petal_length",
            "petal_width"), ["classNames"] = Strings(IrisClasses) });

    /// <summary>3 → 4 tanh → 2 identity with input min-max and target z-score normalisation (values come back in
    /// raw units).</summary>
    public static Task<Guid> ImportRegressionAsync(HttpClient client) => ImportAsync(client, "regression",
        "mean_squared_error",
        [(4, "tanh"), (2, "identity")], inputs: 3,
        new JsonObject { ["kind"] = "min_max", ["offsets"] = Numbers(0, -1, 10), ["scales"] = Numbers(2, 4, 5) },
        extra: new JsonObject
        {
            ["targetNormalization"] = new JsonObject { ["kind"] = "z_score", ["offsets"] = Numbers(100, -3),
                ["scales"] = Numbers(15, 0.5) },
            ["targetNames"] = Strings("price", "delta"),
        });

    private static async Task<Guid> ImportAsync(HttpClient client, string task, string loss, (int Units,
        string Activation)[] layers, int inputs,
        JsonObject normalization, JsonObject extra)
    {
        var weights = new JsonArray();
        int fanIn = inputs, k = 0;
        foreach (var (units, _) in layers)
        {
            var rows = new JsonArray();
            for (int u = 0; u < units; u++)
                rows.Add(Numbers(Enumerable.Range(0, fanIn).Select(_ => Math.Sin(1.1 * ++k) * 0.9).ToArray()));
            weights.Add(new JsonObject { ["weights"] = rows, ["biases"] = Numbers(Enumerable.Range(0, units)
                .Select(u => 0.1 * Math.Cos(u + k)).ToArray()) });
            fanIn = units;
        }
        var model = new JsonObject
        {
            ["format"] = "backprop-model", ["version"] = 1, ["task"] = task,
            ["spec"] = new JsonObject
            {
                ["inputWidth"] = inputs, ["loss"] = loss,
                ["layers"] = new JsonArray(layers.Select(l => (JsonNode)new JsonObject { ["units"] = l.Units,
                    ["activation"] = l.Activation }).ToArray()),
            },
            ["layers"] = weights,
            ["inputNormalization"] = normalization,
        };
        foreach (var (key, value) in extra.ToList()) { extra.Remove(key); model[key] = value; }
        var response = await client.PostJsonAsync("/api/models/import", new JsonObject { ["name"] = "v2 test",
            ["model"] = model }.ToJsonString());
        return (Guid)(await response.ExpectAsync(HttpStatusCode.Created))["id"]!;
    }

    private static JsonArray Numbers(params double[] values) => new(values.Select(v => (JsonNode)JsonValue.Create(v))
        .ToArray());
    private static JsonArray Strings(params string[] values) => new(values.Select(v => (JsonNode)JsonValue.Create(v))
        .ToArray());

    /// <summary>Rows spread over the normalisation's range, some far outside it.</summary>
    public static double[][] Rows(int count, int width) =>
        [.. Enumerable.Range(0, count).Select(r => Enumerable.Range(0, width).Select(c =>
            Math.Round(4 * Math.Sin(0.37 * r + 1.3 * c) + c, 3)).ToArray())];

    public static string Json(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A client of inference.GRPCInferenceService over the factory's in-memory HTTP/2 handler.</summary>
    public static GRPCInferenceService.GRPCInferenceServiceClient GrpcClient(ApiFactory factory)
    {
        var channel = GrpcChannel.ForAddress(factory.Server.BaseAddress,
            new GrpcChannelOptions { HttpHandler = factory.Server.CreateHandler() });
        return new GRPCInferenceService.GRPCInferenceServiceClient(channel);
    }

    public static Metadata Key(string key = ApiFactory.DefaultKey) => new() { { "authorization", $"Bearer {key}" } };
}
