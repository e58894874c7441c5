using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace Backprop.Api.Predictions;

/// <summary>A /predict body: plain rows read straight into a matrix (<see cref="DenseRows"/>), or else the request as
/// the serializer reads it.</summary>
public readonly record struct PredictionBodyContent(DenseRows? Dense, PredictionRequest? Request)
{
    public int RowCount => Dense?.Count ?? Request!.RowCount();

    /// <summary>The request record, for the checks that name a body's problems.</summary>
    public PredictionRequest AsRequest() => Request ?? Dense!.ToRequest();
}

/// <summary>
/// Reads a /predict body whole, then deserializes it in one synchronous pass. The framework's JSON binding resumes an
/// asynchronous, re-entrant reader over the stream, which for a one-row request cost more than the prediction and the
/// rest of the handler together. Failures take the framework's own paths (BadHttpRequestException, JsonException), so
/// their problems read as before; the body is bounded by Limits:MaxRequestBodyBytes as Kestrel reads it.
/// </summary>
public static class PredictionBody
{
    public static async Task<PredictionBodyContent> ReadAsync(HttpRequest request, JsonSerializerOptions options,
        long maxValues, CancellationToken ct)
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
                return Deserialize(buffer, options, (int)Math.Min(maxValues, Array.MaxLength));
            }
            finally
            {
                reader.AdvanceTo(buffer.End);
            }
        }
    }

    private static PredictionBodyContent Deserialize(ReadOnlySequence<byte> body, JsonSerializerOptions options,
        int maxValues)
    {
        if (body.IsEmpty)
            throw new BadHttpRequestException("The request has no body; send {\"rows\": [[...]]} or " +
                "{\"records\": [{...}]}.");
        if (body.IsSingleSegment) return Deserialize(body.FirstSpan, options, maxValues);
        byte[] copy = ArrayPool<byte>.Shared.Rent(checked((int)body.Length));
        try
        {
            body.CopyTo(copy);
            return Deserialize(copy.AsSpan(0, (int)body.Length), options, maxValues);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private static PredictionBodyContent Deserialize(ReadOnlySpan<byte> body, JsonSerializerOptions options,
        int maxValues)
    {
        if (DenseRows.TryRead(body, maxValues) is { } dense) return new(dense, null);
        return new(null, JsonSerializer.Deserialize<PredictionRequest>(body, options)
            ?? throw new BadHttpRequestException("The body is null; send {\"rows\": [[...]]} or " +
                "{\"records\": [{...}]}."));
    }
}
