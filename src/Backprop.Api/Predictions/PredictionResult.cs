using System.Buffers;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Predictions;

/// <summary>
/// 200 with a <see cref="PredictionResponse"/>, written in one synchronous pass with its Content-Length. The bytes are
/// the serializer's for the same record (the tests compare the two): the framework's path serialised it through its
/// asynchronous, polymorphic writer and a chunked body, which for a one-row prediction cost more than the forward
/// pass.
/// </summary>
public sealed class PredictionResult(PredictionResponse response) : IResult, IEndpointMetadataProvider,
    IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<PredictionResponse>
{
    // One buffer per thread: filled and copied into the response before the first await.
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;
    private const int KeptBufferBytes = 1 << 20;

    public PredictionResponse Value => response;
    object IValueHttpResult.Value => response;
    public int StatusCode => StatusCodes.Status200OK;
    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var options = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        var writer = t_writer is { } kept && kept.Options.Encoder == options.Encoder ? kept
            : t_writer = new Utf8JsonWriter(buffer, WriterOptions(options));
        writer.Reset(buffer);
        try
        {
            PredictionJson.Write(writer, response);
            writer.Flush();
            var http = httpContext.Response;
            http.StatusCode = StatusCode;
            http.ContentType = "application/json; charset=utf-8";
            http.ContentLength = buffer.WrittenCount;
            http.BodyWriter.Write(buffer.WrittenSpan);
        }
        finally
        {
            buffer.ResetWrittenCount();
            if (buffer.Capacity > KeptBufferBytes) (t_buffer, t_writer) = (null, null);
        }
        return httpContext.Response.BodyWriter.FlushAsync(httpContext.RequestAborted).AsTask();
    }

    /// <summary>The writer settings the serializer would use with these options.</summary>
    internal static JsonWriterOptions WriterOptions(JsonSerializerOptions options) => new()
    {
        Encoder = options.Encoder, Indented = options.WriteIndented, MaxDepth = options.MaxDepth,
        IndentCharacter = options.IndentCharacter, IndentSize = options.IndentSize, NewLine = options.NewLine,
    };

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(PredictionResponse),
            ["application/json"]));
}
