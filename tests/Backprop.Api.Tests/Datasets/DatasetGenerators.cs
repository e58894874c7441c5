using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsCheck;

namespace Backprop.Api.Tests.Datasets;

/// <summary>A valid table: unique column names, the target's position, feature rows and one class label per
/// row.</summary>
internal sealed record TableSample(string[] Names, int Target, float[][] Rows, string[] Labels, string[] Formats,
    bool[] Quote, bool Crlf, bool Bom)
{
    public string TargetName => Names[Target];
    public string[] FeatureNames => [.. Names.Where((_, i) => i != Target)];
}

/// <summary>Random valid tables and their CSV (RFC 4180) and JSON (rows + targets, records) texts.</summary>
internal static class DatasetGenerators
{
    /// <summary>Text that needs quoting or escaping: commas, quotes, line breaks, tabs, non-ASCII and astral code
    /// points (no control characters other than tab and line breaks: uploads refuse them).</summary>
    private static readonly Gen<string> Text = Gen.Frequency(
        (4, Gen.Char.AlphaNumeric.Select(c => c.ToString())),
        (3, Gen.OneOf(",", "\"", "\n", "\r\n", " ", "\t", "'", "é", "中", "\u00A0x", "\\", "{", "}", ";")),
        (1, Gen.Int[0xA0, 0xD7FF].Select(char.ConvertFromUtf32)),
        (1, Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32)))
        .Array[0, 10].Select(string.Concat);

    /// <summary>Any finite float32: random bit patterns (subnormals included), negative zero, extremes and small
    /// values.</summary>
    private static readonly Gen<float> Value = Gen.Frequency(
        (3, Gen.UInt.Select(BitConverter.UInt32BitsToSingle).Where(float.IsFinite)),
        (1, Gen.OneOf(0f, -0f, float.Epsilon, float.MaxValue, float.MinValue, -1.5e-40f)),
        (3, Gen.Float[-100f, 100f]));

    /// <summary>Formats whose text parses back to the same float32.</summary>
    private static readonly Gen<string> Format = Gen.OneOf("R", "E8", "e9", "G9", " R ");

    /// <summary>A class label: non-blank after trimming and not a spelling of NaN or ±Infinity (the reader refuses
    /// those as targets).</summary>
    private static readonly Gen<string> Label = Text.Where(t => t.Trim().Length > 0
        && !(float.TryParse(t.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            && !float.IsFinite(v)));

    public static readonly Gen<TableSample> Table =
        from columns in Gen.Int[2, 6]
        from names in Text.Array[columns]
        from target in Gen.Int[0, columns - 1]
        from rows in Gen.Int[1, 8]
        from values in Value.Array[columns - 1].Array[rows]
        from classes in Label.Array[1, 4]
        from picks in Gen.Int[0, classes.Length - 1].Array[rows]
        from formats in Format.Array[columns - 1]
        from quote in Gen.Bool.Array[columns]
        from crlf in Gen.Bool
        from bom in Gen.Bool
        select new TableSample([.. names.Select((n, i) => n + i.ToString(CultureInfo.InvariantCulture))], target,
            values, [.. picks.Select(p => classes[p])], formats, quote, crlf, bom);

    /// <summary>The table as CSV: header, then rows; fields quoted when they must be (or when the sample says so),
    /// quotes doubled.</summary>
    public static byte[] Csv(TableSample t)
    {
        var s = new StringBuilder();
        string eol = t.Crlf ? "\r\n" : "\n";
        s.AppendJoin(',', t.Names.Select((n, i) => Field(n, t.Quote[i]))).Append(eol);
        for (int r = 0; r < t.Rows.Length; r++)
        {
            var cells = new string[t.Names.Length];
            for (int c = 0; c < cells.Length; c++)
                cells[c] = Field(c == t.Target ? t.Labels[r] : Number(t.Rows[r][Feature(t, c)],
                    t.Formats[Feature(t, c)]), t.Quote[c]);
            s.AppendJoin(',', cells).Append(eol);
        }
        return [.. (t.Bom ? Encoding.UTF8.GetPreamble() : []), .. Encoding.UTF8.GetBytes(s.ToString())];
    }

    /// <summary>The feature index of column <paramref name="c"/> (columns after the target shift down by
    /// one).</summary>
    private static int Feature(TableSample t, int c) => c < t.Target ? c : c - 1;

    private static string Number(float v, string format) =>
        format == " R " ? $" {v.ToString("R", CultureInfo.InvariantCulture)} " : v.ToString(format,
            CultureInfo.InvariantCulture);

    private static string Field(string text, bool quote) =>
        quote || text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{text.Replace("\"", "\"\"")}\"" : text;

    /// <summary>The table as JSON: <c>features</c> + <c>targets</c> (+ <c>featureNames</c>), or <c>records</c> with
    /// per-record property order.</summary>
    /// <param name="headerLast">Names after the rows: the reader applies them at the end (rows) or holds the records
    /// until it knows the target column.</param>
    public static byte[] Json(TableSample t, bool records, bool relaxed, bool headerLast = false)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = relaxed
            ? JavaScriptEncoder.UnsafeRelaxedJsonEscaping : null }))
        {
            w.WriteStartObject();
            if (!headerLast) WriteHeader(w, t, records);
            if (records) WriteRecords(w, t);
            else WriteRows(w, t);
            if (headerLast) WriteHeader(w, t, records);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteHeader(Utf8JsonWriter w, TableSample t, bool records)
    {
        w.WriteString("name", "sample");
        w.WriteString("targetColumn", t.TargetName);
        if (records) return;
        w.WriteStartArray("featureNames");
        foreach (var name in t.FeatureNames) w.WriteStringValue(name);
        w.WriteEndArray();
    }

    private static void WriteRows(Utf8JsonWriter w, TableSample t)
    {
        w.WriteStartArray("features");
        foreach (var row in t.Rows)
        {
            w.WriteStartArray();
            foreach (var v in row) w.WriteNumberValue(v);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteStartArray("targets");
        foreach (var label in t.Labels) w.WriteStringValue(label);
        w.WriteEndArray();
    }

    private static void WriteRecords(Utf8JsonWriter w, TableSample t)
    {
        w.WriteStartArray("records");
        for (int r = 0; r < t.Rows.Length; r++)
        {
            w.WriteStartObject();
            // The first record fixes the column order; later ones rotate it (the reader matches by name).
            for (int k = 0; k < t.Names.Length; k++)
            {
                int c = (k + r) % t.Names.Length;
                if (c == t.Target) w.WriteString(t.TargetName, t.Labels[r]);
                else w.WriteNumber(t.Names[c], t.Rows[r][Feature(t, c)]);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
