using System.Buffers;
using System.Text.Json;
using Backprop.Api.Datasets;

namespace Backprop.Api.Predictions;

/// <summary>
/// The common /predict body, <c>{"rows": [[n, n, …], …]}</c> with every row the same length, read straight into a
/// <c>(rows, width)</c> matrix: no request object, no list per row, no double per value. Anything else (records,
/// another spelling, a null, a string, a value outside single precision, a malformed body) is not read here: the
/// caller falls back to the serializer, whose answers (values and problems) these are bit-identical to.
/// </summary>
public sealed class DenseRows
{
    private DenseRows(float[] values, int count, int width) => (Values, Count, Width) = (values, count, width);

    /// <summary>Row-major values <c>(Count, Width)</c>, as the serializer's doubles rounded to single
    /// precision.</summary>
    public float[] Values { get; }
    public int Count { get; }
    public int Width { get; }

    /// <summary>The rows as the request record holds them: for a body whose rows do not fit the model, so the
    /// ordinary checks name the problem.</summary>
    public PredictionRequest ToRequest()
    {
        var rows = new double[Count][];
        for (int r = 0; r < Count; r++)
        {
            rows[r] = new double[Width];
            for (int c = 0; c < Width; c++) rows[r][c] = Values[r * Width + c];
        }
        return new PredictionRequest(Rows: rows);
    }

    /// <summary>The body's rows, or null when it is not of the plain shape above.</summary>
    public static DenseRows? TryRead(ReadOnlySpan<byte> body, int maxValues)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = Infrastructure.RequestLimits
            .MaxJsonDepth });
        float[]? values = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("rows"u8))
                return null;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return null;
            int count = 0, width = -1, used = 0;
            values = ArrayPool<float>.Shared.Rent(256);
            while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
            {
                int start = used;
                while (reader.Read() && reader.TokenType == JsonTokenType.Number)
                {
                    if (!(Utf8Numbers.TryParseDouble(reader.ValueSpan, out double value)
                        || reader.TryGetDouble(out value)) || !double.IsFinite(value)
                        || Math.Abs(value) > float.MaxValue || used >= maxValues) return null;
                    if (used == values.Length) values = Grow(values, used);
                    values[used++] = (float)value;
                }
                if (reader.TokenType != JsonTokenType.EndArray) return null;
                if (width < 0) width = used - start;
                else if (used - start != width) return null;
                count++;
            }
            if (reader.TokenType != JsonTokenType.EndArray || count == 0 || width == 0) return null;
            if (!reader.Read() || reader.TokenType != JsonTokenType.EndObject || reader.Read()) return null;
            return new DenseRows(values.AsSpan(0, used).ToArray(), count, width);
        }
        catch (JsonException)
        {
            return null; // malformed: the serializer names the problem
        }
        finally
        {
            if (values is not null) ArrayPool<float>.Shared.Return(values);
        }
    }

    private static float[] Grow(float[] values, int used)
    {
        var larger = ArrayPool<float>.Shared.Rent(values.Length * 2);
        values.AsSpan(0, used).CopyTo(larger);
        ArrayPool<float>.Shared.Return(values);
        return larger;
    }
}
