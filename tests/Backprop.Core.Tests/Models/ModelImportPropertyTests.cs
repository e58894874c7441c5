using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;

namespace Backprop.Core.Tests.Models;

/// <summary>
/// Model files (JSON and binary) and training snapshots round-trip bit for bit, and a garbled file only ever fails with
/// <see cref="InvalidDataException"/>, within <see cref="Bound"/>. CsCheck prints the seed of a failing case; rerun it
/// with <c>CsCheck_Seed=&lt;seed&gt; dotnet test --filter ...</c>.
/// </summary>
public sealed partial class ModelImportPropertyTests
{
    // A hang guard, not a speed limit: a garbled count that made the reader loop would never finish at all.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [Fact]
    public void Json_RoundTripsRandomModelsBitExactly() =>
        Gen.Select(ModelGenerators.Model, Gen.Bool).Sample((model, indented) =>
        {
            var copy = ModelSerializer.FromJson(ModelSerializer.ToJson(model, indented));
            Assert.Equal(ModelGenerators.Describe(model), ModelGenerators.Describe(copy));
        }, iter: 300);

    [Fact]
    public void Binary_RoundTripsRandomModelsBitExactly() =>
        ModelGenerators.Model.Sample(model =>
        {
            var bytes = ModelSerializer.ToBinary(model);
            var copy = ModelSerializer.FromBinary(bytes);
            Assert.Equal(ModelGenerators.Describe(model), ModelGenerators.Describe(copy));
            Assert.Equal(bytes, ModelSerializer.ToBinary(copy));
        }, iter: 300);

    [Fact]
    public void Snapshot_RoundTripsByteForByte() =>
        ModelGenerators.Snapshot.Sample(snapshot =>
        {
            var bytes = snapshot.ToBytes();
            Assert.Equal(bytes, TrainingSnapshot.FromBytes(bytes).ToBytes());
        }, iter: 200);

    [Fact]
    public void GarbledJson_FailsOnlyWithInvalidDataException() =>
        Gen.Select(ModelGenerators.Model, Gen.Bool, JsonEdit.Gen.Array[1, 4]).Sample((model, indented, edits) =>
        {
            var json = edits.Aggregate(ModelSerializer.ToJson(model, indented), (text, edit) => edit.Apply(text));
            FailsOnlyWithInvalidData(() => ModelSerializer.FromJson(json));
        }, iter: 250);

    [Fact]
    public void GarbledBinary_FailsOnlyWithInvalidDataException() =>
        Gen.Select(ModelGenerators.Model, BinaryEdit.Gen.Array[1, 4]).Sample((model, edits) =>
        {
            var bytes = edits.Aggregate(ModelSerializer.ToBinary(model), (data, edit) => edit.Apply(data,
                ModelCountOffset(data)));
            FailsOnlyWithInvalidData(() => ModelSerializer.FromBinary(bytes));
        }, iter: 400);

    [Fact]
    public void GarbledSnapshot_FailsOnlyWithInvalidDataException() =>
        Gen.Select(ModelGenerators.Snapshot, BinaryEdit.Gen.Array[1, 4]).Sample((snapshot, edits) =>
        {
            var bytes = edits.Aggregate(snapshot.ToBytes(), (data, edit) => edit.Apply(data, -1));
            FailsOnlyWithInvalidData(() => TrainingSnapshot.FromBytes(bytes));
        }, iter: 300);

    [Fact]
    public void RandomBytes_AreNotAModel() =>
        Gen.Byte.Array[0, 200].Sample(bytes =>
        {
            FailsOnlyWithInvalidData(() => ModelSerializer.FromBinary(bytes));
            FailsOnlyWithInvalidData(() => TrainingSnapshot.FromBytes(bytes));
            FailsOnlyWithInvalidData(() => ModelSerializer.FromJson(Encoding.Latin1.GetString(bytes)));
        }, iter: 200);

    /// <summary>Runs <paramref name="parse"/> on another thread: it must finish within <see cref="Bound"/>, and fail,
    /// if at all, with InvalidDataException.</summary>
    internal static void FailsOnlyWithInvalidData(Action parse)
    {
        // Its own thread: on a loaded machine the shared pool, busy with other tests, may not start a queued item for
        // seconds.
        var task = Task.Factory.StartNew(parse, CancellationToken.None, TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        try
        {
            Assert.True(task.Wait(Bound), $"The reader did not finish within {Bound.TotalSeconds} s.");
        }
        catch (AggregateException e) when (e.InnerException is InvalidDataException)
        {
        }
        catch (AggregateException e)
        {
            Assert.Fail($"Expected InvalidDataException (or success), got {e.InnerException}");
        }
    }

    /// <summary>Where <see cref="ModelSerializer.ToBinary"/> writes the parameter count: after magic, version, the spec
    /// (36 bytes + 40 per layer, then 8 + 8 per layer of dropout rates) and the task.</summary>
    private static int ModelCountOffset(byte[] data) =>
        data.Length >= 40 && BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(36)) is >= 0 and < 1000 and var layers
            ? 40 + 40 * layers + 8 + 8 * layers + 4 : -1;

    private static int At(double fraction, int length) => Math.Clamp((int)(fraction * length), 0, length);

    /// <summary>One change to a model's JSON text (kind, where as a fraction of the length, and which
    /// variant).</summary>
    internal sealed partial record JsonEdit(int Kind, double Where, int Pick)
    {
        public static readonly Gen<JsonEdit> Gen = CsCheck.Gen.Select(CsCheck.Gen.Int[0, 8], CsCheck.Gen.Double.Unit,
            CsCheck.Gen.Int[0, 1000], (k, w, p) => new JsonEdit(k, w, p));

        private static readonly string[] Tokens = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\\u12", "\ud800",
            "\udc00", "\0", "null", "-", "e",
            ".", "\"x\":1,", "/*", "\uFFFF", " ", "\"spec\"", "1", "{\"a\":", "\u00e9"];
        private static readonly string[] Numbers = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e39",
            "3.5e38", "\"1\"", "\"NaN\"", "null",
            "true", "[]", "{}", "2147483648", "-2147483649", "-1", "0", "99999999999999999999999", "1.5", "-0",
                "1e-999", "\"\\ud800\"",
            "18446744073709551616", "0x10", "01", "1.", ".5", "+1", "1e", "-"];
        private static readonly string[] Huge = ["2147483647", "2000000000", "46341", "100000", "40000", "65536", "0",
            "-1", "1e9", "2147483648"];
        private static readonly string[] Duplicates = ["\"version\": 2,", "\"version\": \"1\",", "\"spec\": null,",
            "\"layers\": [],",
            "\"task\": \"regression\",",
                "\"inputNormalization\": {\"kind\": \"z_score\", \"offsets\": [1], \"scales\": [0]},",
            "\"featureNames\": [1],", "\"spec\": {\"inputWidth\": 1, \"loss\": \"huber\", \"layers\": [{\"units\": " +
                "1, \"activation\": \"relu\"}]},",
            "\"layers\": [{\"weights\": [[1]], \"biases\": [1]}],",
                "\"targetNormalization\": {\"kind\": \"none\", \"offsets\": [1, 2], \"scales\": [1]},"];

        public string Apply(string json)
        {
            int at = At(Where, json.Length);
            switch (Kind)
            {
                case 0: return json.Remove(at, Math.Min(Pick % 20 + 1, json.Length - at));
                case 1: return json.Insert(at, Tokens[Pick % Tokens.Length]);
                case 2: return at < json.Length ? string.Concat(json.AsSpan(0, at), Tokens[Pick % Tokens.Length],
                    json.AsSpan(at + 1)) : json;
                case 3: return json[..at];
                case 4: return ReplaceNth(NumberPattern(), json, Pick, Numbers[(int)(Where * Numbers.Length)]);
                case 5: return json.Insert(json.IndexOf('{') + 1, Duplicates[Pick % Duplicates.Length]);
                case 6: return json.Insert(at, Pick % 2 == 0 ? new string('[', 10_000)
                    : string.Concat(Enumerable.Repeat("{\"a\":", 10_000)));
                case 7: return ReplaceNth(ArrayStart(), json, Pick, (Pick % 3) switch
                {
                    0 => "[0,",
                    1 => "[" + string.Join(",", Enumerable.Repeat("0", 100_000)) + ",",
                    _ => "[\"x\",",
                });
                default: return ReplaceNth(Dimension(), json, Pick, "${key}" + Huge[(int)(Where * Huge.Length)]);
            }
        }

        private static string ReplaceNth(Regex pattern, string text, int pick, string replacement)
        {
            var matches = pattern.Matches(text);
            if (matches.Count == 0) return text;
            var m = matches[pick % matches.Count];
            return string.Concat(text.AsSpan(0, m.Index), m.Result(replacement), text.AsSpan(m.Index + m.Length));
        }

        [GeneratedRegex(@"-?\d+(\.\d+)?([eE][-+]?\d+)?")]
        private static partial Regex NumberPattern();

        [GeneratedRegex(@"\[")]
        private static partial Regex ArrayStart();

        [GeneratedRegex(@"(?<key>""(inputWidth|units)"":\s*)\d+")]
        private static partial Regex Dimension();
    }

    /// <summary>One change to a binary model or snapshot (kind, where as a fraction of the length, and which
    /// variant).</summary>
    internal sealed record BinaryEdit(int Kind, double Where, int Pick)
    {
        public static readonly Gen<BinaryEdit> Gen = CsCheck.Gen.Select(CsCheck.Gen.Int[0, 7], CsCheck.Gen.Double.Unit,
            CsCheck.Gen.Int[0, 1000], (k, w, p) => new BinaryEdit(k, w, p));

        /// <summary>Length prefixes that would ask for gigabytes, or are negative, or just past what is
        /// there.</summary>
        private static readonly int[] HugeCounts = [int.MaxValue, int.MinValue, -1, -2, Array.MaxLength / 4,
            Array.MaxLength / 8, 1 << 28, 10_000_000, 1_000_000, 100_000, 100_001, 65536];

        /// <param name="countOffset">Where the parameter count sits, or −1 when unknown.</param>
        public byte[] Apply(byte[] data, int countOffset)
        {
            int at = At(Where, data.Length);
            var noise = new byte[Pick % 16 + 1];
            new Random(Pick).NextBytes(noise);
            switch (Kind)
            {
                case 0:
                    if (at == data.Length) return data;
                    var flipped = (byte[])data.Clone();
                    flipped[at] ^= (byte)(1 << (Pick % 8));
                    return flipped;
                case 1: return data[..at];
                case 2: return Overwrite(data, at, noise);
                case 3: return Overwrite(data, at, Int(HugeCounts[Pick % HugeCounts.Length]));
                case 4: return countOffset < 0 ? data : Overwrite(data, countOffset,
                    Int(HugeCounts[Pick % HugeCounts.Length]));
                // an over-long 7-bit string length
                case 5: return Overwrite(data, at, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
                case 6: return [.. data.AsSpan(0, at), .. noise, .. data.AsSpan(at)];
                default: return [.. data, .. noise];
            }
        }

        private static byte[] Int(int value)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
            return bytes;
        }

        private static byte[] Overwrite(byte[] data, int at, byte[] with)
        {
            var copy = (byte[])data.Clone();
            with.AsSpan(0, Math.Min(with.Length, Math.Max(0, copy.Length - at)))
                .CopyTo(copy.AsSpan(Math.Min(at, copy.Length)));
            return copy;
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"BinaryEdit {{ Kind = {Kind}, Where = {Where:R}, Pick = {Pick} }}");
    }
}
