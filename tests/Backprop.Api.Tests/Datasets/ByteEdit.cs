using System.Globalization;
using System.Text;

namespace Backprop.Api.Tests.Datasets;

/// <summary>One change to an upload's bytes: its kind, where (a fraction of the length) and which variant.</summary>
internal sealed record ByteEdit(int Kind, double Where, int Pick, byte[][] Tokens)
{
    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Invalid UTF-8: a stray continuation byte, 0xFF, an overlong NUL, an encoded surrogate, a cut sequence,
    /// a BOM mid-file.</summary>
    private static readonly byte[][] BadUtf8 = [[0x80], [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82],
        [0xEF, 0xBB, 0xBF], [0xF4, 0x90, 0x80, 0x80]];

    public static readonly byte[][] CsvTokens = [.. BadUtf8, U("\""), U(","), U("\n"), U("\r"), U("\r\n"), U("\0"),
        U("\"\""), U("\"a\"b"),
        U("NaN"), U("1e39"), U("-"), U(" "), U(",,,,"), U("\n\n"), U("\u00e9"), U("1,2,3\n"), U("\"\n")];

    public static readonly byte[][] JsonTokens = [.. BadUtf8, U("{"), U("}"), U("["), U("]"), U(","), U(":"), U("\""),
        U("\\"), U("\\u12"),
        U("\"\\ud800\""), U("\"\\udc00x\""), U("NaN"), U("Infinity"), U("-Infinity"), U("1e999"), U("-1e999"),
            U("1e39"), U("null"), U("true"),
        U("\"name\":\"x\","), U("\"features\":[[1]],"), U("\"targets\":[1],"), U("\"records\":[{}],"),
            U("\"classNames\":[\"a\"],"),
        U("\"featureNames\":[\"x\",\"x\"],"), U("\"task\":\"regression\","), U("\"unknown\":1,"), U("\0"), U("/**/"),
            U("[[]]"), U("{\"a\":1}")];

    /// <summary>Small edits (kinds 0–4) four times as often as the costly huge ones (5–7), to keep a property within a
    /// few seconds.</summary>
    public static CsCheck.Gen<ByteEdit> Gen(byte[][] tokens) =>
        CsCheck.Gen.Select(CsCheck.Gen.Frequency((4, CsCheck.Gen.Int[0, 4]), (1, CsCheck.Gen.Int[5, 7])),
            CsCheck.Gen.Double.Unit, CsCheck.Gen.Int[0, 1000], (k, w, p) => new ByteEdit(k, w, p, tokens));

    public byte[] Apply(byte[] data)
    {
        int at = Math.Clamp((int)(Where * data.Length), 0, data.Length);
        var token = Tokens[Pick % Tokens.Length];
        switch (Kind)
        {
            case 0:
                if (at == data.Length) return data;
                var flipped = (byte[])data.Clone();
                flipped[at] ^= (byte)(1 << (Pick % 8));
                return flipped;
            case 1: return [.. data.AsSpan(0, at), .. data.AsSpan(Math.Min(data.Length, at + Pick % 16 + 1))];
            case 2: return [.. data.AsSpan(0, at), .. token, .. data.AsSpan(at)];
            case 3: return data[..at];
            case 4: return [.. data.AsSpan(0, at), .. token, .. data.AsSpan(Math.Min(data.Length, at + 1))];
            case 5: return [.. data.AsSpan(0, at), .. Long(), .. data.AsSpan(at)];
            case 6: return [.. Wide(), .. data];
            default: return [.. data.AsSpan(0, at), .. Enumerable.Repeat((byte)'[', 10_000), .. data.AsSpan(at)];
        }
    }

    /// <summary>A very long field or line, well within the default upload limit.</summary>
    private byte[] Long() => (Pick % 4) switch
    {
        0 => [.. Enumerable.Repeat((byte)'a', 300_000)],
        1 => [.. Enumerable.Repeat((byte)'9', 300_000)],
        2 => [.. Enumerable.Repeat((byte)',', 300_000)],
        _ => U(string.Join(",", Enumerable.Repeat("0", 100_000))),
    };

    /// <summary>A line of 100,000 column names (a header past Datasets:MaxColumns, or a ragged first line).</summary>
    private static byte[] Wide() => U(string.Join(",", Enumerable.Range(0, 100_000)
        .Select(i => i.ToString(CultureInfo.InvariantCulture))) + "\n");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"ByteEdit {{ Kind = {Kind}, Where = {Where:R}, Pick = {Pick}, " +
        $"Token = {Convert.ToHexString(Tokens[Pick % Tokens.Length])} }}");
}
