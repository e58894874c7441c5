using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace Backprop.Api.Predictions;

/// <summary>
/// Reads a /predict body whole, then deserializes it in one synchronous pass. The framework's JSON binding resumes an
/// asynchronous, re-entrant reader over the stream, which for a one-row request cost more than the prediction and the
/// rest of the handler together. Failures take the framework's own paths (BadHttpRequestException, JsonException), so
/// their problems read as before; the body is bounded by Limits:MaxRequestBodyBytes as Kestrel reads it.
/// </summary>
public static class PredictionBody
{
    public static async Task<PredictionRequest> ReadAsync(HttpRequest request, JsonSerializerOptions options,
        CancellationToken ct)
    {
        if (!request.HasJsonContentType())
            throw new BadHttpRequestException($"Expected a JSON body (application/json), got " +
                $"'{request.ContentType ?? "none"}'.", StatusCodes.Status415UnsupportedMediaType);
        PipeReader reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(ct);
            var buffer = read.Buffer;
            if (!read.IsCompleted && !read.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start, buffer.End); // everything examined: wait for more
                continue;
            }
            try
            {
                return Deserialize(buffer, options);
            }
            finally
            {
                reader.AdvanceTo(buffer.End);
            }
        }
    }

    private static PredictionRequest Deserialize(ReadOnlySequence<byte> body, JsonSerializerOptions options)
    {
        if (body.IsEmpty)
            throw new BadHttpRequestException("The request has no body; send {\"rows\": [[...]]} or " +
                "{\"records\": [{...}]}.");
        PredictionRequest? request;
        if (body.IsSingleSegment) request = JsonSerializer.Deserialize<PredictionRequest>(body.FirstSpan, options);
        else
        {
            byte[] copy = ArrayPool<byte>.Shared.Rent(checked((int)body.Length));
            try
            {
                body.CopyTo(copy);
                request = JsonSerializer.Deserialize<PredictionRequest>(copy.AsSpan(0, (int)body.Length), options);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(copy);
            }
        }
        return request ?? throw new BadHttpRequestException("The body is null; send {\"rows\": [[...]]} or " +
            "{\"records\": [{...}]}.");
    }
}
