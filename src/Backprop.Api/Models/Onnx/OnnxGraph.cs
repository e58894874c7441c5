using System.Runtime.InteropServices;
using Backprop.Api.Models.Onnx.Proto;
using Google.Protobuf;
using DataType = Backprop.Api.Models.Onnx.Proto.TensorProto.Types.DataType;

namespace Backprop.Api.Models.Onnx;

/// <summary>
/// Appends nodes, constants and typed inputs/outputs to an ONNX graph. Every value name is checked for uniqueness,
/// since ONNX requires one producer per name and graph inputs come from the model's own column names.
/// </summary>
internal sealed class OnnxGraph(string name, string doc)
{
    /// <summary>The symbolic batch dimension of every input and output.</summary>
    public const string BatchDimension = "N";

    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public GraphProto Graph { get; } = new() { Name = name, DocString = doc };

    /// <summary>A node with one output; returns the output's name.</summary>
    public string Node(string opType, string output, string doc, IEnumerable<string> inputs,
        params AttributeProto[] attributes)
    {
        Claim(output);
        var node = new NodeProto { OpType = opType, Name = output.TrimStart('/'), DocString = doc };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    /// <summary>A float constant of the given shape, stored as little-endian raw data.</summary>
    public string Floats(string name, ReadOnlySpan<float> values, string doc, params long[] dims)
    {
        var tensor = Tensor(name, DataType.Float, doc, dims);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)); // .NET runs little-endian only
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A one-dimensional float constant from double-precision values (rounded to nearest, as the core
    /// rounds).</summary>
    public string Floats(string name, IEnumerable<double> values, string doc)
    {
        var floats = values.Select(v => (float)v).ToArray();
        return Floats(name, floats, doc, floats.Length);
    }

    public string Int64s(string name, string doc, params long[] values)
    {
        var tensor = Tensor(name, DataType.Int64, doc, values.Length);
        tensor.Int64Data.AddRange(values);
        Graph.Initializer.Add(tensor);
        return name;
    }

    public string Strings(string name, IEnumerable<string> values, string doc)
    {
        var bytes = values.Select(ByteString.CopyFromUtf8).ToList();
        var tensor = Tensor(name, DataType.String, doc, bytes.Count);
        tensor.StringData.AddRange(bytes);
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A graph input of shape <c>[N, width]</c>.</summary>
    public string Input(string name, DataType type, long width, string doc)
    {
        Claim(name);
        Graph.Input.Add(Value(name, type, width, doc));
        return name;
    }

    /// <summary>Declares <paramref name="name"/> (already produced by a node) as a graph output of shape <c>[N]</c> or
    /// <c>[N, width]</c>.</summary>
    public void Output(string name, DataType type, long? width, string doc) =>
        Graph.Output.Add(Value(name, type, width, doc));

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, double value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

    private TensorProto Tensor(string name, DataType type, string doc, params long[] dims)
    {
        Claim(name);
        var tensor = new TensorProto { Name = name, DataType = (int)type, DocString = doc };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static ValueInfoProto Value(string name, DataType type, long? width, string doc)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = BatchDimension });
        if (width is { } w) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = w });
        return new ValueInfoProto
        {
            Name = name, DocString = doc,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private void Claim(string name)
    {
        if (!_names.Add(name))
            throw new OnnxExportException($"The name '{name}' would name two values of the ONNX graph (a column's "
                + "name equals one the export uses).");
    }
}

/// <summary>The model cannot be written as ONNX; the message says why.</summary>
public sealed class OnnxExportException(string message) : Exception(message);
