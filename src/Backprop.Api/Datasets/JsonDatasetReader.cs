using System.Text.Json;
using System.Text.Unicode;

namespace Backprop.Api.Datasets;

/// <summary>What a JSON upload says besides its rows.</summary>
internal sealed class JsonUploadHeader
{
    public string? Name { get; set; }
    public string? Task { get; set; }
    public string? TargetColumn { get; set; }
    public List<string>? FeatureNames { get; set; }
    public List<string>? ClassNames { get; set; }
    public Dictionary<string, ColumnKind>? ColumnTypes { get; set; }
    public string? SampleWeightColumn { get; set; }
}

/// <summary>
/// Reads a JSON upload: <c>{ name, task?, featureNames?, classNames?, targetColumn?, features: [[...]], targets: [...]
/// }</c> or <c>{ name, task?, classNames?, targetColumn, records: [{column: value, ...}] }</c>. The body (capped at
/// <see cref="DatasetOptions.MaxUploadBytes"/>) streams through a buffer of <see cref="BufferBytes"/> (grown only for
/// one row or record longer than it) into <see cref="JsonUploadParser"/>, so the rows are stored column by column as
/// they arrive and the body is never held whole. Properties may come in any order; <c>records</c> before
/// <c>targetColumn</c> are kept as text until the end (they cannot be split into features and target sooner).
/// </summary>
internal static class JsonDatasetReader
{
    /// <summary>The body read at a time: large enough that the parser rarely waits, small beside an upload.</summary>
    public const int BufferBytes = 1 << 20;

    /// <param name="bufferBytes">The starting buffer; tests make it tiny so that every token meets a buffer
    /// edge.</param>
    /// <param name="parallel">Whether feature rows are stored on two threads while the next ones are tokenized (the
    /// service's way); false reads them on one thread, the reference both must agree with.</param>
    public static async Task<(JsonUploadHeader Header, DatasetTable Table)> ReadAsync(Stream body,
        DatasetOptions limits, CancellationToken ct, int bufferBytes = BufferBytes, bool parallel = true)
    {
        var parser = new JsonUploadParser(limits);
        var buffer = new byte[Math.Max(16, bufferBytes)];
        int filled = 0, validated = 0;
        bool final = false;
        try
        {
            while (true)
            {
                while (!final && filled < buffer.Length)
                {
                    int read = await body.ReadAsync(buffer.AsMemory(filled), ct);
                    if (read == 0) final = true;
                    filled += read;
                }
                validated = ValidateUtf8(buffer.AsSpan(0, filled), validated, final);
                int consumed = parser.Step(buffer.AsSpan(0, filled), final, parallel ? buffer : null);
                if (final) return parser.Finish();
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                validated -= consumed;
                // Nothing could be consumed from a full buffer: one row (or record) is longer than it.
                if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDatasetException("$",
                $"The body is not valid JSON: {e.Message} (JSON has no NaN or Infinity; numbers must be finite.)");
        }
    }

    /// <summary>
    /// Checks the bytes from <paramref name="from"/> up to the last ASCII byte (a character boundary; the rest may end
    /// in half a character and is checked with the next block), or to the end of the body. Utf8JsonReader checks
    /// structure, not the bytes inside strings: GetString would throw InvalidOperationException on them.
    /// </summary>
    private static int ValidateUtf8(ReadOnlySpan<byte> data, int from, bool final)
    {
        int end = final ? data.Length : data.LastIndexOfAnyInRange((byte)0, (byte)0x7F) + 1;
        if (end > from && !Utf8.IsValid(data[from..end]))
            throw new InvalidDatasetException("$", "The body is not valid UTF-8; send JSON encoded as UTF-8.");
        return Math.Max(end, from);
    }
}
