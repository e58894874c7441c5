using System.Buffers;
using System.Globalization;
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

    /// <summary>
    /// The body's rows, or null when it is not of the plain shape above. A scanner of exactly that shape (JSON's
    /// whitespace and number grammar, nothing else) rather than a general reader: everything it accepts is a valid
    /// document that the serializer reads to the same values.
    /// </summary>
    public static DenseRows? TryRead(ReadOnlySpan<byte> body, int maxValues)
    {
        int i = 0;
        if (!Take(body, ref i, (byte)'{') || !body[Skip(body, i)..].StartsWith("\"rows\""u8)) return null;
        i = Skip(body, i) + 6;
        if (!Take(body, ref i, (byte)':') || !Take(body, ref i, (byte)'[')) return null;
        float[] values = ArrayPool<float>.Shared.Rent(256);
        try
        {
            int count = 0, width = -1, used = 0;
            while (true)
            {
                if (!Take(body, ref i, (byte)'[')) return null;
                int start = used;
                while (true)
                {
                    i = Skip(body, i);
                    if (!Number(body, ref i, out double value) || !double.IsFinite(value)
                        || Math.Abs(value) > float.MaxValue || used >= maxValues) return null;
                    if (used == values.Length) values = Grow(values, used);
                    values[used++] = (float)value;
                    if (Take(body, ref i, (byte)',')) continue;
                    if (Take(body, ref i, (byte)']')) break;
                    return null;
                }
                if (width < 0) width = used - start;
                else if (used - start != width) return null;
                count++;
                if (Take(body, ref i, (byte)',')) continue;
                if (Take(body, ref i, (byte)']')) break;
                return null;
            }
            if (!Take(body, ref i, (byte)'}') || Skip(body, i) != body.Length) return null;
            return new DenseRows(values.AsSpan(0, used).ToArray(), count, width);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(values);
        }
    }

    /// <summary>Past JSON whitespace, then past <paramref name="token"/> if it is next.</summary>
    private static bool Take(ReadOnlySpan<byte> s, ref int i, byte token)
    {
        int at = Skip(s, i);
        if (at >= s.Length || s[at] != token) return false;
        i = at + 1;
        return true;
    }

    private static int Skip(ReadOnlySpan<byte> s, int i)
    {
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t') i++;
        return i;
    }

    /// <summary>A JSON number (<c>-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?</c>) read as the serializer reads it: a
    /// correctly rounded double.</summary>
    private static bool Number(ReadOnlySpan<byte> s, ref int i, out double value)
    {
        value = 0;
        int start = i;
        if (i < s.Length && s[i] == '-') i++;
        if (i >= s.Length || !IsDigit(s[i])) return false;
        if (s[i++] != '0') while (i < s.Length && IsDigit(s[i])) i++;
        if (i < s.Length && s[i] == '.')
        {
            if (++i >= s.Length || !IsDigit(s[i])) return false;
            while (i < s.Length && IsDigit(s[i])) i++;
        }
        if (i < s.Length && (s[i] | 0x20) == 'e')
        {
            if (++i < s.Length && s[i] is (byte)'+' or (byte)'-') i++;
            if (i >= s.Length || !IsDigit(s[i])) return false;
            while (i < s.Length && IsDigit(s[i])) i++;
        }
        var text = s[start..i];
        return Utf8Numbers.TryParseDouble(text, out value)
            || double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static float[] Grow(float[] values, int used)
    {
        var larger = ArrayPool<float>.Shared.Rent(values.Length * 2);
        values.AsSpan(0, used).CopyTo(larger);
        ArrayPool<float>.Shared.Return(values);
        return larger;
    }
}
