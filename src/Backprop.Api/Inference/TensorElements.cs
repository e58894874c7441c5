using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Backprop.Api.Inference;

/// <summary>
/// A tensor's elements as they arrived (JSON numbers, protobuf floats or doubles, raw bytes, strings, booleans), read
/// once
/// into what the model needs: single-precision features for a network, or one raw cell at a time for a model's
/// preparation.
/// </summary>
public abstract class TensorElements
{
    public abstract int Count { get; }

    /// <summary>
    /// Copies the elements as single precision into <paramref name="destination"/> (exactly <see cref="Count"/> long);
    /// the
    /// index of the first element that is not a finite number within single precision, or -1 when all are.
    /// </summary>
    public abstract int CopyTo(Span<float> destination);

    /// <summary>Element <paramref name="index"/> as a raw cell (number, string, boolean or null), as a prediction
    /// record gives it.</summary>
    public abstract JsonElement Cell(int index);

    /// <summary>A double as /api/models/{id}/predict reads a JSON number: finite, within single precision, then rounded
    /// to it.</summary>
    protected static bool TryNarrow(double value, out float narrowed)
    {
        narrowed = (float)value;
        return double.IsFinite(value) && Math.Abs(value) <= float.MaxValue;
    }

    /// <summary>NaN marks a missing cell (gRPC has no null); an infinity stays a value the preparation refuses as a
    /// number.</summary>
    internal static JsonElement NumberCell(double value) =>
        double.IsNaN(value) ? default : double.IsFinite(value) ? JsonSerializer.SerializeToElement(value)
            : JsonSerializer.SerializeToElement("Infinity");

    /// <summary>
    /// Raw little-endian elements (gRPC's raw_input_contents, REST's binary tensor data): FP32 and FP64 as they are;
    /// BYTES as the protocol frames them (a 4-byte little-endian length before each element); BOOL one byte each.
    /// </summary>
    public static TensorElements FromRaw(string name, string datatype, ReadOnlyMemory<byte> raw)
    {
        var bytes = raw.Span;
        switch (datatype)
        {
            // Read where they lie (the caller keeps the bytes until the prediction has run): no copy of the tensor.
            case ModelSignature.Fp32 when bytes.Length % sizeof(float) == 0:
                return new RawFloats(raw);
            case ModelSignature.Fp64 when bytes.Length % sizeof(double) == 0:
                var doubles = MemoryMarshal.Cast<byte, double>(bytes).ToArray();
                return Of(doubles, doubles.Length);
            case ModelSignature.Bool:
                var flags = new JsonElement[bytes.Length];
                for (int i = 0; i < bytes.Length; i++) flags[i] = JsonSerializer.SerializeToElement(bytes[i] != 0);
                return Of(flags);
            case ModelSignature.Bytes:
                var cells = new List<JsonElement>();
                for (int at = 0; at < bytes.Length;)
                {
                    if (bytes.Length - at < 4)
                        throw InferenceException.BadRequest($"Input '{name}': raw BYTES end inside an element's "
                            + "length.");
                    int length = BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(at, 4));
                    if (length < 0 || length > bytes.Length - at - 4)
                        throw InferenceException.BadRequest($"Input '{name}': a raw BYTES element's length runs past "
                            + "the contents.");
                    cells.Add(JsonSerializer.SerializeToElement(Encoding.UTF8.GetString(bytes.Slice(at + 4,
                        length))));
                    at += 4 + length;
                }
                return Of(cells);
            case ModelSignature.Fp32 or ModelSignature.Fp64:
                throw InferenceException.BadRequest($"Input '{name}': {bytes.Length} raw bytes are not a whole "
                    + $"number of {datatype} elements.");
            default:
                throw InferenceException.BadRequest($"Input '{name}' has datatype "
                    + $"'{ServedModels.Shorten(datatype)}'; give FP32 or FP64 (BYTES or BOOL for raw columns).");
        }
    }

    public static TensorElements Of(double[] values, int count) => new Doubles(values, count);
    public static TensorElements Of(ReadOnlyMemory<float> values) => new Floats(values);
    public static TensorElements Of(IReadOnlyList<JsonElement> cells) => new Cells(cells);

    private sealed class Doubles(double[] values, int count) : TensorElements
    {
        public override int Count => count;

        public override int CopyTo(Span<float> destination)
        {
            var source = values.AsSpan(0, count);
            for (int i = 0; i < source.Length; i++)
                if (!TryNarrow(source[i], out destination[i])) return i;
            return -1;
        }

        public override JsonElement Cell(int index) => NumberCell(values[index]);
    }

    private sealed class Floats(ReadOnlyMemory<float> values) : TensorElements
    {
        public override int Count => values.Length;

        public override int CopyTo(Span<float> destination)
        {
            var source = values.Span;
            source.CopyTo(destination);
            for (int i = 0; i < source.Length; i++)
                if (!float.IsFinite(source[i])) return i;
            return -1;
        }

        public override JsonElement Cell(int index) => NumberCell(values.Span[index]);
    }

    /// <summary>Little-endian FP32 elements in a byte buffer.</summary>
    private sealed class RawFloats(ReadOnlyMemory<byte> bytes) : TensorElements
    {
        public override int Count => bytes.Length / sizeof(float);

        public override int CopyTo(Span<float> destination)
        {
            var source = MemoryMarshal.Cast<byte, float>(bytes.Span);
            source.CopyTo(destination);
            for (int i = 0; i < source.Length; i++)
                if (!float.IsFinite(source[i])) return i;
            return -1;
        }

        public override JsonElement Cell(int index) =>
            NumberCell(BinaryPrimitives.ReadSingleLittleEndian(bytes.Span.Slice(index * sizeof(float))));
    }

    /// <summary>Mixed JSON cells (strings, booleans, nulls beside numbers): a raw-column tensor.</summary>
    private sealed class Cells(IReadOnlyList<JsonElement> cells) : TensorElements
    {
        public override int Count => cells.Count;

        public override int CopyTo(Span<float> destination)
        {
            for (int i = 0; i < cells.Count; i++)
                if (cells[i].ValueKind != JsonValueKind.Number || !cells[i].TryGetDouble(out double value)
                    || !TryNarrow(value, out destination[i]))
                    return i;
            return -1;
        }

        public override JsonElement Cell(int index) => cells[index];
    }
}

/// <summary>One input tensor of an inference request.</summary>
public sealed record InputTensor(string Name, string Datatype, long[] Shape, TensorElements Elements);

/// <summary>One output tensor: FP32 elements (<paramref name="Floats"/>) or INT64 elements (<paramref name="Longs"/>),
/// row-major.</summary>
public sealed record OutputTensor(string Name, string Datatype, long[] Shape, float[]? Floats, long[]? Longs);

/// <summary>The outputs asked for, and what the preparation of raw columns could not use (null when nothing).</summary>
public sealed record InferenceResult(IReadOnlyList<OutputTensor> Outputs, string? Warnings);
