using System.Text;
using System.Text.Json;

namespace Backprop.Core.Models;

/// <summary>
/// Saves and loads <see cref="TrainedModel"/>s: a compact versioned binary format and a readable JSON form.
/// Both round-trip bit-exactly (JSON numbers are written as the shortest text that parses back to the same float).
/// </summary>
public static class ModelSerializer
{
    private const uint Magic = 0x4C444D42; // "BMDL"
    /// <summary>Version written by <see cref="ToBinary"/> and <see cref="ToJson"/>: 2 added the bias learning-rate
    /// multiplier, 3 the preparation, 4 dropout rates to the spec (earlier versions still load).</summary>
    public const int FormatVersion = 4;
    /// <summary>The JSON form's "format" value.</summary>
    public const string FormatName = "backprop-model";

    /// <summary>Compact binary form.</summary>
    public static byte[] ToBinary(TrainedModel model)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8))
        {
            w.Write(Magic); w.Write(FormatVersion);
            BinaryCodec.WriteSpec(w, model.Spec);
            w.Write((int)model.Task);
            BinaryCodec.WriteFloats(w, model.Parameters);
            BinaryCodec.WriteNormalizer(w, model.InputNormalizer);
            BinaryCodec.WriteNormalizer(w, model.TargetNormalizer);
            BinaryCodec.WriteStrings(w, model.FeatureNames);
            BinaryCodec.WriteStrings(w, model.ClassNames);
            BinaryCodec.WriteStrings(w, model.TargetNames);
            BinaryCodec.WritePreparation(w, model.Preparation);
        }
        return stream.ToArray();
    }

    /// <summary>Reads the binary form.</summary>
    /// <exception cref="InvalidDataException">Not a model, an unknown version, truncated or inconsistent.</exception>
    public static TrainedModel FromBinary(ReadOnlySpan<byte> bytes)
    {
        using var r = new BinaryReader(new MemoryStream(bytes.ToArray()), Encoding.UTF8);
        try
        {
            if (r.ReadUInt32() != Magic) throw new InvalidDataException("Not a Backprop model.");
            int version = r.ReadInt32();
            if (version is < 1 or > FormatVersion) throw new InvalidDataException(
                $"Unsupported model format version {version}.");
            var spec = BinaryCodec.ReadSpec(r, version);
            var task = (TaskKind)r.ReadInt32();
            var parameters = BinaryCodec.ReadFloats(r);
            var input = BinaryCodec.ReadNormalizer(r) ?? throw new InvalidDataException("Missing input normalisation.");
            var model = new TrainedModel(spec, parameters, task, input, BinaryCodec.ReadNormalizer(r),
                BinaryCodec.ReadStrings(r), BinaryCodec.ReadStrings(r), BinaryCodec.ReadStrings(r));
            if (version >= 3) model = model with { Preparation = BinaryCodec.ReadPreparation(r) };
            return EnsureValid(model);
        }
        // past the end, or a string length that is negative or over-long
        catch (Exception e) when (e is IOException or FormatException)
        {
            throw new InvalidDataException("The model data is truncated or corrupt.", e);
        }
    }

    /// <summary>Readable JSON: the spec, per-layer weights <c>[units][inputs]</c> and biases, normalisation and
    /// names.</summary>
    public static string ToJson(TrainedModel model, bool indented = true)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            w.WriteString("format", FormatName);
            w.WriteNumber("version", FormatVersion);
            w.WriteString("task", JsonNames.Of(model.Task));
            w.WritePropertyName("spec");
            JsonSpec.Write(w, model.Spec);
            w.WriteStartArray("layers");
            var layout = new ParameterLayout(model.Spec);
            for (int l = 0; l < layout.LayerCount; l++)
            {
                var view = layout[l];
                w.WriteStartObject();
                w.WriteStartArray("weights");
                for (int u = 0; u < view.Units; u++)
                {
                    w.WriteStartArray();
                    foreach (var v in model.Parameters.AsSpan(view.WeightOffset + u * view.Inputs,
                        view.Inputs)) w.WriteNumberValue(v);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteStartArray("biases");
                foreach (var v in model.Parameters.AsSpan(view.BiasOffset, view.Units)) w.WriteNumberValue(v);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteNormalizer(w, "inputNormalization", model.InputNormalizer);
            WriteNormalizer(w, "targetNormalization", model.TargetNormalizer);
            WriteStrings(w, "featureNames", model.FeatureNames);
            WriteStrings(w, "classNames", model.ClassNames);
            WriteStrings(w, "targetNames", model.TargetNames);
            JsonPreparation.Write(w, model.Preparation);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads the JSON form (also accepts a model written by hand or by another framework's export script).
    /// <c>inputNormalization</c> may be omitted (identity); names may be omitted.</summary> <exception
    /// cref="InvalidDataException">Malformed JSON, wrong shapes, non-finite numbers or an invalid spec, with the path
    /// of the problem.</exception>
    public static TrainedModel FromJson(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16,
                AllowDuplicateProperties = false });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException(
                "The model must be a JSON object.");
            if (root.TryGetProperty("format", out var format) && !(format.ValueKind == JsonValueKind.String
                && format.GetString() == FormatName))
                throw new InvalidDataException(
                    $"format: expected \"{FormatName}\" (or no format), got {format.GetRawText()}.");
            if (root.TryGetProperty("version", out var version) && version.GetInt32() is < 1 or > FormatVersion)
                throw new InvalidDataException($"Unsupported model format version {version}.");
            var spec = JsonSpec.Read(Required(root, "spec"), "spec");
            var task = JsonNames.Parse<TaskKind>(Required(root, "task"), "task");
            var parameters = ReadParameters(Required(root, "layers"), spec, json.Length);
            var input = ReadNormalizer(root, "inputNormalization") ?? Normalizer.Identity(spec.InputWidth);
            var model = new TrainedModel(spec, parameters, task, input, ReadNormalizer(root, "targetNormalization"),
                ReadStrings(root, "featureNames"), ReadStrings(root, "classNames"), ReadStrings(root, "targetNames"),
                    JsonPreparation.Read(root));
            return EnsureValid(model);
        }
        catch (Exception e) when (
            e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException
            or ArgumentException { InnerException: EncoderFallbackException }) // a lone surrogate in the text
        {
            throw new InvalidDataException("Malformed model JSON: " + e.Message, e);
        }
    }

    private static TrainedModel EnsureValid(TrainedModel model)
    {
        var errors = model.Validate();
        return errors.Count == 0 ? model : throw new InvalidDataException("Invalid model: " + string.Join(" ", errors));
    }

    private static float[] ReadParameters(JsonElement layers, NetworkSpec spec, int textLength)
    {
        spec.EnsureValid();
        // Each number takes at least two characters ("0," or "0]"): a spec needing more cannot match this text, and
        // checking before allocating keeps a few bytes of JSON with a huge inputWidth from allocating gigabytes.
        if (TrainedModel.ParameterCount(spec, textLength / 2) < 0)
            throw new InvalidDataException(
                $"spec: the network has more parameters than a {textLength}-character model file can hold.");
        var layout = new ParameterLayout(spec);
        if (layers.ValueKind != JsonValueKind.Array || layers.GetArrayLength() != layout.LayerCount)
            throw new InvalidDataException($"layers: expected an array of {layout.LayerCount} layers.");
        var parameters = new float[layout.Count];
        int l = 0;
        foreach (var layer in layers.EnumerateArray())
        {
            var view = layout[l];
            var weights = Required(layer, "weights");
            if (weights.ValueKind != JsonValueKind.Array || weights.GetArrayLength() != view.Units)
                throw new InvalidDataException(
                    $"layers[{l}].weights: expected {view.Units} rows of {view.Inputs} numbers.");
            int u = 0;
            foreach (var row in weights.EnumerateArray())
                ReadFloats(row, parameters.AsSpan(view.WeightOffset + u * view.Inputs, view.Inputs),
                    $"layers[{l}].weights[{u++}]");
            ReadFloats(Required(layer, "biases"), parameters.AsSpan(view.BiasOffset, view.Units),
                $"layers[{l}].biases");
            l++;
        }
        return parameters;
    }

    private static void ReadFloats(JsonElement array, Span<float> destination, string path)
    {
        if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() != destination.Length)
            throw new InvalidDataException($"{path}: expected an array of {destination.Length} numbers.");
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetSingle(out float value) || !float.IsFinite(value))
                throw new InvalidDataException($"{path}[{i}]: expected a finite number.");
            destination[i++] = value;
        }
    }

    private static void WriteNormalizer(Utf8JsonWriter w, string name, Normalizer? n)
    {
        if (n is null) { w.WriteNull(name); return; }
        w.WriteStartObject(name);
        w.WriteString("kind", JsonNames.Of(n.Kind));
        w.WriteStartArray("offsets"); foreach (var v in n.Offsets) w.WriteNumberValue(v); w.WriteEndArray();
        w.WriteStartArray("scales"); foreach (var v in n.Scales) w.WriteNumberValue(v); w.WriteEndArray();
        w.WriteEndObject();
    }

    private static Normalizer? ReadNormalizer(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var n) || n.ValueKind == JsonValueKind.Null) return null;
        var kind = JsonNames.Parse<NormalizationKind>(Required(n, "kind"), name + ".kind");
        return new Normalizer(kind, ReadDoubles(Required(n, "offsets"), name + ".offsets"),
            ReadDoubles(Required(n, "scales"), name + ".scales"));
    }

    private static double[] ReadDoubles(JsonElement array, string path)
    {
        if (array.ValueKind != JsonValueKind.Array) throw new InvalidDataException(
            $"{path}: expected an array of numbers.");
        return array.EnumerateArray().Select((item, i) => item.ValueKind == JsonValueKind.Number
            && item.TryGetDouble(out var v) && double.IsFinite(v)
            ? v : throw new InvalidDataException($"{path}[{i}]: expected a finite number.")).ToArray();
    }

    internal static void WriteStrings(Utf8JsonWriter w, string name, IReadOnlyList<string>? values)
    {
        if (values is null) { w.WriteNull(name); return; }
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    internal static string[]? ReadStrings(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null) return null;
        if (array.ValueKind != JsonValueKind.Array) throw new InvalidDataException(
            $"{name}: expected an array of strings.");
        return array.EnumerateArray().Select((item, i) => item.ValueKind == JsonValueKind.String
            ? item.GetString()! : throw new InvalidDataException($"{name}[{i}]: expected a string.")).ToArray();
    }

    internal static JsonElement Required(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value)
            ? value : throw new InvalidDataException($"Missing property '{name}'.");
}
