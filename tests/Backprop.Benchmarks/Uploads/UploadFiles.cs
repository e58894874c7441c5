using System.Globalization;
using System.Text;

namespace Backprop.Benchmarks.Uploads;

/// <summary>
/// The upload benchmark's files, written deterministically from indexed SplitMix64 streams (seed 18):
/// "floats" (150,000 rows × 32 features in [−1, 1) written as the shortest float32 text, + a class label 0..9, ≈ 49
/// MB) and
/// "mnist" (60,000 rows × 784 integer pixels, 0 with probability 0.4 else 1..255, + a label 0..9, ≈ 141 MB), each as
/// CSV and
/// as a JSON body (<c>{name, targetColumn, featureNames, features: [[...]], targets: [...]}</c>).
/// </summary>
public static class UploadFiles
{
    public sealed record Spec(string Name, int Rows, int Features, Func<ulong, string> Cell);

    public static readonly Spec Floats = new("floats", 150_000, 32, u =>
        ((float)((long)(u >> 40) - (1 << 23)) / (1 << 23)).ToString(CultureInfo.InvariantCulture));

    public static readonly Spec Mnist = new("mnist", 60_000, 784, u =>
        (u >> 32) % 10 < 4 ? "0" : (1 + (u & 0xFFFF) % 255).ToString(CultureInfo.InvariantCulture));

    /// <summary>Writes <c>name.csv</c> and <c>name.json</c> into <paramref name="folder"/> unless present; returns
    /// their paths.</summary>
    public static (string Csv, string Json) Write(Spec spec, string folder)
    {
        string csv = Path.Combine(folder, spec.Name + ".csv"), json = Path.Combine(folder, spec.Name + ".json");
        if (File.Exists(csv) && File.Exists(json)) return (csv, json);
        ulong stream = SplitMix64.Stream(18, (ulong)spec.Features);
        var names = Enumerable.Range(0, spec.Features).Select(f => $"x{f}").ToArray();
        using (var c = new StreamWriter(csv + ".tmp", false, new UTF8Encoding(false), 1 << 20))
        using (var j = new StreamWriter(json + ".tmp", false, new UTF8Encoding(false), 1 << 20))
        {
            c.Write(string.Join(",", names));
            c.Write(",label\n");
            j.Write($"{{\"name\":\"{spec.Name}\",\"targetColumn\":\"label\",\"featureNames\":[{string.Join(",",
                names.Select(n => $"\"{n}\""))}],\"features\":[");
            var labels = new StringBuilder();
            for (int r = 0; r < spec.Rows; r++)
            {
                j.Write(r == 0 ? "[" : ",[");
                for (int f = 0; f < spec.Features; f++)
                {
                    var cell = spec.Cell(SplitMix64.Next(stream, (ulong)r * (ulong)(spec.Features + 1) + (ulong)f));
                    c.Write(cell);
                    c.Write(',');
                    if (f > 0) j.Write(',');
                    j.Write(cell);
                }
                var label = (SplitMix64.Next(stream, (ulong)r * (ulong)(spec.Features + 1) + (ulong)spec.Features) %
                    10).ToString(CultureInfo.InvariantCulture);
                c.Write(label);
                c.Write('\n');
                j.Write(']');
                labels.Append(r == 0 ? "" : ",").Append(label);
            }
            j.Write("],\"targets\":[");
            j.Write(labels);
            j.Write("]}");
        }
        File.Move(csv + ".tmp", csv, true);
        File.Move(json + ".tmp", json, true);
        return (csv, json);
    }
}
