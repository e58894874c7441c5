using System.Reflection;
using System.Text.Json;
using Backprop.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Inference;

/// <summary>
/// The Open Inference Protocol (KServe predict protocol v2) over REST at /v2: health, server and model metadata, model
/// readiness and inference. Errors are the protocol's {"error": "…"} with 400, 404, 413 or 429.
/// </summary>
public static class InferenceApi
{
    public const string ServerName = "backprop";

    public static WebApplication MapInferenceApi(this WebApplication app)
    {
        var v2 = app.MapGroup("/v2").WithTags("Inference (Open Inference Protocol)");
        v2.MapGet("/health/live", () => TypedResults.Ok(new LiveBody(true))).AllowAnonymous()
            .WithName("V2ServerLive").WithSummary("Whether the server answers (open to probes without a key)");
        v2.MapGet("/health/ready", Ready).AllowAnonymous()
            .WithName("V2ServerReady")
            .WithSummary("Whether the server can serve models: its database answers (400 with ready false when not)");
        v2.MapGet("/", () => TypedResults.Ok(ServerMetadata())).AllowAnonymous()
            .WithName("V2ServerMetadata").WithSummary("The server's name, version and protocol extensions");

        foreach (var (prefix, suffix) in new[] { ("/models/{name}", ""), ("/models/{name}/versions/{version}",
            "Version") })
        {
            v2.MapGet(prefix, ModelMetadata).WithName("V2ModelMetadata" + suffix)
                .WithSummary("A model's inputs and outputs (name, datatype, shape) and versions; the name is the "
                    + "model's id");
            v2.MapGet(prefix + "/ready", ModelReady).WithName("V2ModelReady"
                + suffix).WithSummary("Whether the model can be used for inference");
            v2.MapPost(prefix + "/infer", Infer).WithName("V2ModelInfer" + suffix)
                .WithSummary("Predict a batch of rows given as tensors: probabilities and label, or values in raw "
                    + "units")
                .RequireRateLimiting(RateLimits.Predictions)
                .DisableValidation(); // the runner checks every tensor itself
            // The same route for application/octet-stream bodies (routing picks the endpoint by content type).
            v2.MapPost(prefix + "/infer", InferBinary).WithName("V2ModelInferBinary" + suffix)
                .WithSummary("Predict with the binary tensor data extension: the JSON request (its length in "
                    + "Inference-Header-Content-Length), then raw little-endian input elements")
                .Accepts<InferenceRequestBody>(BinaryTensorData.ContentType)
                .RequireRateLimiting(RateLimits.Predictions);
        }
        return app;
    }

    internal static ServerMetadataBody ServerMetadata() => new(ServerName,
        typeof(InferenceApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? "0.0.0", [BinaryTensorData.Extension]);

    internal static async Task<bool> IsReadyAsync(HealthCheckService health, CancellationToken ct) =>
        (await health.CheckHealthAsync(c => c.Tags.Contains("ready"), ct)).Status == HealthStatus.Healthy;

    private static async Task<Results<Ok<ReadyBody>, JsonHttpResult<ReadyBody>>> Ready(HealthCheckService health,
        CancellationToken ct) =>
        await IsReadyAsync(health, ct) ? TypedResults.Ok(new ReadyBody(true)) : TypedResults.Json(new ReadyBody(false),
            statusCode: StatusCodes.Status400BadRequest);

    private static async Task<Results<Ok<ModelMetadataBody>, JsonHttpResult<InferenceErrorBody>>> ModelMetadata(
        string name, string? version, HttpContext http, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(Metadata(await ServedModels.FindAsync(name, version, http, ct)));
        }
        catch (InferenceException e)
        {
            return Error(e);
        }
    }

    internal static ModelMetadataBody Metadata(ServedModel served) =>
        new(served.Name, [served.Version], ModelSignature.Platform, ModelSignature.Inputs(served.Model),
            ModelSignature.Outputs(served.Model));

    private static async Task<Results<Ok<ModelReadyBody>, JsonHttpResult<InferenceErrorBody>>> ModelReady(
        string name, string? version, HttpContext http, CancellationToken ct)
    {
        try
        {
            var served = await ServedModels.FindAsync(name, version, http, ct);
            return TypedResults.Ok(new ModelReadyBody(served.Name, true));
        }
        catch (InferenceException e)
        {
            return Error(e);
        }
    }

    private static Task<Results<Ok<InferenceResponseBody>, BinaryInferenceResult, JsonHttpResult<InferenceErrorBody>>>
        Infer(string name, string? version, InferenceRequestBody request, HttpContext http,
            IOptions<LimitsOptions> limits, CancellationToken ct) =>
        RunAsync(name, version, request, ReadOnlyMemory<byte>.Empty, http, limits.Value, ct);

    private static async Task<Results<Ok<InferenceResponseBody>, BinaryInferenceResult,
        JsonHttpResult<InferenceErrorBody>>> InferBinary(string name, string? version, HttpContext http,
            IOptions<LimitsOptions> limits, IOptions<JsonOptions> json, CancellationToken ct)
    {
        BinaryBody? body = null;
        try
        {
            body = await BinaryTensorData.ReadAsync(http.Request, json.Value.SerializerOptions,
                limits.Value.MaxRequestBodyBytes, ct);
            // The inputs are read from the body's buffer, which goes back to the pool once the prediction has run.
            return await RunAsync(name, version, body.Request, body.Data, http, limits.Value, ct);
        }
        catch (InferenceException e)
        {
            return Error(e);
        }
        finally
        {
            body?.Dispose();
        }
    }

    private static async Task<Results<Ok<InferenceResponseBody>, BinaryInferenceResult,
        JsonHttpResult<InferenceErrorBody>>> RunAsync(string name, string? version, InferenceRequestBody request,
            ReadOnlyMemory<byte> binary, HttpContext http, LimitsOptions limits, CancellationToken ct)
    {
        try
        {
            var served = await ServedModels.FindAsync(name, version, http, ct);
            var inputs = Inputs(request, binary);
            var outputs = (request.Outputs ?? []).Select((o, i) => o?.Name
                ?? throw InferenceException.BadRequest($"outputs[{i}] needs a name.")).ToArray();
            CheckParameters(request.Parameters, "parameters");
            var result = InferenceRunner.Run(served, inputs, outputs, limits);
            bool allBinary = BinaryTensorData.Flag(request.Parameters, BinaryTensorData.AllOutputsParameter);
            var binaryOutputs = result.Outputs.Select((_, i) => allBinary || (request.Outputs is { } asked
                && BinaryTensorData.Flag(asked[i]!.Parameters, BinaryTensorData.OutputParameter))).ToArray();
            var data = new List<Array>();
            var bodies = result.Outputs.Select((o, i) => binaryOutputs[i] ? Binary(o, data) : Body(o)).ToArray();
            var response = new InferenceResponseBody(served.Name, served.Version, request.Id,
                result.Warnings is null ? null : new Dictionary<string, string> { ["warnings"] = result.Warnings },
                bodies);
            return data.Count == 0 ? TypedResults.Ok(response) : new BinaryInferenceResult(response, data);
        }
        catch (InferenceException e)
        {
            return Error(e);
        }
    }

    /// <summary>
    /// The input tensors; an input with <c>binary_data_size</c> takes its elements from the next bytes of
    /// <paramref name="binary"/> (the data after a binary request's JSON header), which they must use up exactly.
    /// </summary>
    private static InputTensor[] Inputs(InferenceRequestBody request, ReadOnlyMemory<byte> binary)
    {
        if (request.Inputs is not { Count: > 0 } inputs)
            throw InferenceException.BadRequest("Give the input tensors in 'inputs'.");
        var tensors = new InputTensor[inputs.Count];
        int offset = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i] ?? throw InferenceException.BadRequest($"inputs[{i}] is null.");
            if (string.IsNullOrEmpty(input.Name)) throw InferenceException.BadRequest($"inputs[{i}] needs a name.");
            if (string.IsNullOrEmpty(input.Datatype))
                throw InferenceException.BadRequest($"Input '{input.Name}' needs a datatype (FP32 or FP64).");
            if (input.Shape is null)
                throw InferenceException.BadRequest($"Input '{input.Name}' needs a shape, e.g. [rows, features].");
            CheckParameters(input.Parameters, $"inputs[{i}].parameters");
            TensorElements elements;
            if (BinaryTensorData.Size(input.Parameters, input.Name) is { } size)
            {
                if (input.Data is not null)
                    throw InferenceException.BadRequest($"Input '{input.Name}' gives both 'data' and "
                        + $"{BinaryTensorData.SizeParameter}; give one.");
                if (size > binary.Length - offset)
                    throw InferenceException.BadRequest($"Input '{input.Name}' has {BinaryTensorData.SizeParameter} "
                        + $"{size}, but only {binary.Length - offset} bytes of binary data follow the JSON request"
                        + (binary.IsEmpty ? $" (send binary data as {BinaryTensorData.ContentType} with "
                            + $"{BinaryTensorData.HeaderLength})." : "."));
                elements = TensorElements.FromRaw(input.Name, input.Datatype, binary.Slice(offset, size));
                offset += size;
            }
            else elements = input.Data?.Elements
                ?? throw InferenceException.BadRequest($"Input '{input.Name}' needs its elements in 'data'.");
            tensors[i] = new InputTensor(input.Name, input.Datatype, input.Shape, elements);
        }
        if (offset != binary.Length)
            throw InferenceException.BadRequest($"{binary.Length - offset} bytes of binary data are left over after "
                + $"the inputs' {BinaryTensorData.SizeParameter}s.");
        return tensors;
    }

    /// <summary>The protocol's parameters are strings, numbers or booleans.</summary>
    private static void CheckParameters(Dictionary<string, JsonElement>? parameters, string path)
    {
        foreach (var (key, value) in parameters ?? [])
            if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True
                or JsonValueKind.False))
                throw InferenceException.BadRequest($"{path}.{ServedModels.Shorten(key)} must be a string, a number "
                    + $"or a boolean.");
    }

    /// <summary>An output as binary tensor data: its elements appended to <paramref name="data"/> (written raw,
    /// little-endian, without a copy), its size in the header.</summary>
    private static InferenceOutputBody Binary(OutputTensor output, List<Array> data)
    {
        Array elements = (Array?)output.Floats ?? output.Longs!;
        data.Add(elements);
        return new(output.Name, output.Datatype, output.Shape, null,
            new Dictionary<string, long> { [BinaryTensorData.SizeParameter] = Buffer.ByteLength(elements) });
    }

    private static InferenceOutputBody Body(OutputTensor output)
    {
        if (output.Longs is { } longs) return new(output.Name, output.Datatype, output.Shape, longs);
        var floats = output.Floats!;
        // JSON has no NaN: a value that is not finite is null, as /api/models/{id}/predict writes it.
        object data = floats.All(float.IsFinite) ? floats : floats.Select(v => float.IsFinite(v) ? v
            : (float?)null).ToArray();
        return new(output.Name, output.Datatype, output.Shape, data);
    }

    internal static JsonHttpResult<InferenceErrorBody> Error(InferenceException e) =>
        TypedResults.Json(new InferenceErrorBody(e.Message), statusCode: e.StatusCode);
}
