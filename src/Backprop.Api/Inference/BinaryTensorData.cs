using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;

namespace Backprop.Api.Inference;

/// <summary>
/// The protocol's binary tensor data extension for REST (as Triton and KServe speak it): a body of
/// <c>application/octet-stream</c> whose first <c>Inference-Header-Content-Length</c> bytes are the JSON request, then
/// the raw elements (little-endian, row-major) of every input that gives <c>binary_data_size</c> in its parameters, in
/// input order. Outputs asked for with <c>"binary_data": true</c> (or all, with the request parameter
/// <c>"binary_data_output": true</c>) come back the same way. No number is written or parsed as text.
/// </summary>
public static class BinaryTensorData
{
    public const string Extension = "binary_tensor_data";
    public const string HeaderLength = "Inference-Header-Content-Length";
    public const string ContentType = "application/octet-stream";
    public const string SizeParameter = "binary_data_size";
    public const string OutputParameter = "binary_data";
    public const string AllOutputsParameter = "binary_data_output";

    /// <summary>The JSON header and the binary data after it; the body is read whole (it is within
    /// Limits:MaxRequestBodyBytes, which Kestrel enforces as it is read).</summary>
    public static async Task<(InferenceRequestBody Request, ReadOnlyMemory<byte> Data)> ReadAsync(HttpRequest request,
        JsonSerializerOptions json, long maxBodyBytes, CancellationToken ct)
    {
        if (!long.TryParse(request.Headers[HeaderLength], NumberStyles.None, CultureInfo.InvariantCulture,
            out long headerLength))
            throw InferenceException.BadRequest($"A body of {ContentType} starts with the JSON request, whose "
                + $"length in bytes goes in the {HeaderLength} header.");
        if (request.ContentLength > maxBodyBytes)
            throw new InferenceException(InferenceFailure.TooLarge, $"The body's {request.ContentLength} bytes exceed "
                + $"this service's limit of {maxBodyBytes}.");
        byte[] body;
        if (request.ContentLength is { } length)
        {
            body = new byte[length];
            await request.Body.ReadExactlyAsync(body, ct);
        }
        else
        {
            using var copy = new MemoryStream();
            await request.Body.CopyToAsync(copy, ct);
            body = copy.ToArray();
        }
        if (headerLength > body.Length)
            throw InferenceException.BadRequest($"{HeaderLength} is {headerLength}, but the body holds only "
                + $"{body.Length} bytes.");
        // A header that is not a request throws JsonException: a 400 naming the field, as for a JSON body.
        var parsed = JsonSerializer.Deserialize<InferenceRequestBody>(body.AsSpan(0, (int)headerLength), json)
            ?? throw InferenceException.BadRequest("The JSON request is null.");
        return (parsed, body.AsMemory((int)headerLength));
    }

    /// <summary>An input's <c>binary_data_size</c>: null when it has none (its elements are in "data").</summary>
    public static int? Size(Dictionary<string, JsonElement>? parameters, string input)
    {
        if (parameters is null || !parameters.TryGetValue(SizeParameter, out var value)) return null;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int size) && size >= 0 ? size
            : throw InferenceException.BadRequest($"Input '{input}': {SizeParameter} must be a whole number of bytes.");
    }

    /// <summary>Whether a boolean parameter is there and true.</summary>
    public static bool Flag(Dictionary<string, JsonElement>? parameters, string name) =>
        parameters is not null && parameters.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.True;
}

/// <summary>An inference response with binary outputs: the JSON header (its length in
/// <c>Inference-Header-Content-Length</c>), then each binary output's raw elements in output order.</summary>
public sealed class BinaryInferenceResult(InferenceResponseBody header, IReadOnlyList<ReadOnlyMemory<byte>> data)
    : IResult, IEndpointMetadataProvider
{
    public InferenceResponseBody Header { get; } = header;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var json = httpContext.RequestServices.GetRequiredService<
            Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value;
        byte[] head = JsonSerializer.SerializeToUtf8Bytes(Header, json.SerializerOptions);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = BinaryTensorData.ContentType;
        response.Headers[BinaryTensorData.HeaderLength] = head.Length.ToString(CultureInfo.InvariantCulture);
        response.ContentLength = head.Length + data.Sum(d => (long)d.Length);
        await response.Body.WriteAsync(head, httpContext.RequestAborted);
        foreach (var block in data) await response.Body.WriteAsync(block, httpContext.RequestAborted);
    }

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(InferenceResponseBody),
            [BinaryTensorData.ContentType]));
}
