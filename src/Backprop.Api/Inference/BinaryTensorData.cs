using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
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
    /// Limits:MaxRequestBodyBytes, which Kestrel enforces as it is read) into a pooled buffer that the caller
    /// disposes once it has used the data.</summary>
    public static async Task<BinaryBody> ReadAsync(HttpRequest request, JsonSerializerOptions json, long maxBodyBytes,
        CancellationToken ct)
    {
        if (!long.TryParse(request.Headers[HeaderLength], NumberStyles.None, CultureInfo.InvariantCulture,
            out long headerLength))
            throw InferenceException.BadRequest($"A body of {ContentType} starts with the JSON request, whose "
                + $"length in bytes goes in the {HeaderLength} header.");
        if (request.ContentLength > maxBodyBytes)
            throw new InferenceException(InferenceFailure.TooLarge, $"The body's {request.ContentLength} bytes exceed "
                + $"this service's limit of {maxBodyBytes}.");
        byte[] body;
        int length;
        if (request.ContentLength is { } declared)
        {
            length = (int)declared;
            body = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                await request.Body.ReadExactlyAsync(body.AsMemory(0, length), ct);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(body);
                throw;
            }
        }
        else
        {
            using var copy = new MemoryStream();
            await request.Body.CopyToAsync(copy, ct);
            body = copy.ToArray();
            length = body.Length;
        }
        var read = new BinaryBody(body, length, pooled: request.ContentLength is not null);
        try
        {
            if (headerLength > length)
                throw InferenceException.BadRequest($"{HeaderLength} is {headerLength}, but the body holds only "
                    + $"{length} bytes.");
            // A header that is not a request throws JsonException: a 400 naming the field, as for a JSON body.
            read.Request = JsonSerializer.Deserialize<InferenceRequestBody>(body.AsSpan(0, (int)headerLength), json)
                ?? throw InferenceException.BadRequest("The JSON request is null.");
            read.Data = body.AsMemory((int)headerLength, length - (int)headerLength);
            return read;
        }
        catch
        {
            read.Dispose();
            throw;
        }
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

/// <summary>A binary request's JSON header and the data after it, in a buffer that may be pooled: dispose it once the
/// data has been used.</summary>
public sealed class BinaryBody(byte[] buffer, int length, bool pooled) : IDisposable
{
    private byte[]? _buffer = buffer;

    public InferenceRequestBody Request { get; internal set; } = null!;
    public ReadOnlyMemory<byte> Data { get; internal set; }
    public int Length => length;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } held && pooled) ArrayPool<byte>.Shared.Return(held);
    }
}

/// <summary>An inference response with binary outputs: the JSON header (its length in
/// <c>Inference-Header-Content-Length</c>), then each binary output's raw elements (float or long arrays, written as
/// their little-endian bytes) in output order.</summary>
public sealed class BinaryInferenceResult(InferenceResponseBody header, IReadOnlyList<Array> data)
    : IResult, IEndpointMetadataProvider
{
    public InferenceResponseBody Header { get; } = header;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var json = httpContext.RequestServices.GetRequiredService<
            Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value;
        byte[] head = JsonSerializer.SerializeToUtf8Bytes(Header, json.SerializerOptions);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = BinaryTensorData.ContentType;
        response.Headers[BinaryTensorData.HeaderLength] = head.Length.ToString(CultureInfo.InvariantCulture);
        response.ContentLength = head.Length + data.Sum(d => (long)Buffer.ByteLength(d));
        var body = response.BodyWriter;
        body.Write(head);
        foreach (var block in data)
            body.Write(block switch
            {
                float[] floats => MemoryMarshal.AsBytes(floats.AsSpan()),
                long[] longs => MemoryMarshal.AsBytes(longs.AsSpan()),
                _ => throw new InvalidOperationException("Binary outputs are float or long arrays."),
            });
        return body.FlushAsync(httpContext.RequestAborted).AsTask();
    }

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(InferenceResponseBody),
            [BinaryTensorData.ContentType]));
}
