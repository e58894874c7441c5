using System.Globalization;
using System.Text.Json;
using Backprop.Api.Models.Onnx.Proto;
using Google.Protobuf;
using DataType = Backprop.Api.Models.Onnx.Proto.TensorProto.Types.DataType;

namespace Backprop.Api.Models.Onnx;

/// <summary>
/// A trained model as a self-contained ONNX model (opset <see cref="Opset"/>): the raw columns' preparation when the
/// model has one, the input normalisation as <c>Sub</c>/<c>Div</c>, one <c>Gemm</c> (<c>z = a·Wᵀ + b</c>) and one
/// activation node per layer, then the prediction's head: class probabilities and the class index, or values mapped
/// back to raw units. Dropout is the identity at inference, so it leaves no node.
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the graph is written against.</summary>
    public const int Opset = 21;

    /// <summary>The IR version that goes with <see cref="Opset"/> (ONNX 1.16).</summary>
    public const int IrVersion = 10;

    /// <summary>The input of a model without a preparation: rows of features in <c>feature_names</c> order.</summary>
    public const string FeaturesInput = "features";

    /// <summary>Classification: the predicted class index <c>int64 [N]</c> (an index into
    /// <c>class_names</c>).</summary>
    public const string LabelOutput = "label";

    /// <summary>Classification with sigmoid or softmax outputs: per-class probabilities <c>float [N,
    /// classes]</c>.</summary>
    public const string ProbabilitiesOutput = "probabilities";

    /// <summary>Classification with other outputs: the network's outputs <c>float [N, units]</c>.</summary>
    public const string OutputsOutput = "outputs";

    /// <summary>Regression: predicted targets in raw units <c>float [N, targets]</c>, in <c>target_names</c>
    /// order.</summary>
    public const string ValuesOutput = "values";

    /// <summary>The serialised ONNX model.</summary>
    public static byte[] Write(TrainedModel model, Guid id, string? name) => Build(model, id, name).ToByteArray();

    /// <summary>The ONNX model; throws <see cref="OnnxExportException"/> when a column's name collides with a name the
    /// graph uses.</summary>
    internal static ModelProto Build(TrainedModel model, Guid id, string? name)
    {
        var spec = model.Spec;
        var graph = new OnnxGraph($"backprop_{id:N}", Describe(model));
        string x = model.Preparation is { } preparation
            ? OnnxPreparation.Encode(graph, preparation)
            : graph.Input(FeaturesInput, DataType.Float, spec.InputWidth,
                "Rows of raw features (before normalisation), in the order of the metadata's feature_names.");
        x = Normalize(graph, model.InputNormalizer, x);
        var parameters = model.Parameters;
        var layout = new ParameterLayout(spec);
        for (int l = 0; l < spec.Layers.Count; l++)
        {
            var layer = spec.Layers[l];
            var view = layout[l];
            string w = graph.Floats($"layer{l}.weight", parameters.AsSpan(view.WeightOffset, view.WeightCount),
                "W (units, inputs)", view.Units, view.Inputs);
            string b = graph.Floats($"layer{l}.bias", parameters.AsSpan(view.BiasOffset, view.Units), "b (units)",
                view.Units);
            string doc = $"Layer {l + 1} of {spec.Layers.Count}: {layer.Units} units, {JsonNames.Of(layer.Activation)}"
                + (layer.Dropout > 0
                    ? $" (trained with dropout {layer.Dropout.ToString(CultureInfo.InvariantCulture)}: the identity "
                        + $"at inference)" : "") + ".";
            string z = graph.Node("Gemm", $"/layer{l}/z", doc + " z = a·Wᵀ + b.", [x, w, b],
                OnnxGraph.Int("transB", 1));
            x = Activate(graph, layer, l, z, doc);
        }
        Head(graph, model, x);

        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Backprop",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "1.0",
            Domain = "backprop",
            ModelVersion = 1,
            DocString = Describe(model),
            Graph = graph.Graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in Metadata(model, id, name))
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return proto;
    }

    /// <summary><c>(x − offset) / scale</c>, each step left out when it changes nothing (all offsets 0, all scales
    /// 1).</summary>
    private static string Normalize(OnnxGraph graph, Normalizer normalizer, string x)
    {
        if (normalizer.Offsets.Any(o => o != 0))
            x = graph.Node("Sub", "/normalize/centered",
                $"Input normalisation ({JsonNames.Of(normalizer.Kind)}): x − offset.",
                [x, graph.Floats("normalization.offset", normalizer.Offsets, "Per-input offset of the normalisation")]);
        if (normalizer.Scales.Any(s => s != 1))
            x = graph.Node("Div", "/normalize/scaled",
                $"Input normalisation ({JsonNames.Of(normalizer.Kind)}): (x − offset) / scale.",
                [x, graph.Floats("normalization.scale", normalizer.Scales, "Per-input scale of the normalisation")]);
        return x;
    }

    /// <summary>The layer's activation as the ONNX operator with the same definition (identity leaves no
    /// node).</summary>
    private static string Activate(OnnxGraph graph, LayerSpec layer, int l, string z, string doc)
    {
        string a = $"/layer{l}/a";
        return layer.Activation switch
        {
            ActivationKind.Identity => z,
            ActivationKind.Sigmoid => graph.Node("Sigmoid", a, doc, [z]),
            ActivationKind.Tanh => graph.Node("Tanh", a, doc, [z]),
            ActivationKind.Relu => graph.Node("Relu", a, doc, [z]),
            ActivationKind.LeakyRelu => graph.Node("LeakyRelu", a, doc, [z], OnnxGraph.Float("alpha", layer.Slope)),
            ActivationKind.Elu => graph.Node("Elu", a, doc, [z], OnnxGraph.Float("alpha", layer.Alpha)),
            ActivationKind.Softplus => graph.Node("Softplus", a, doc, [z]),
            ActivationKind.Softmax => graph.Node("Softmax", a, doc, [z], OnnxGraph.Int("axis", 1)),
            // refused by validation before
            _ => throw new OnnxExportException($"Activation {JsonNames.Of(layer.Activation)} cannot be exported."),
        };
    }

    /// <summary>The prediction's outputs, as POST /api/models/{id}/predict computes them.</summary>
    private static void Head(OnnxGraph graph, TrainedModel model, string output)
    {
        var spec = model.Spec;
        int units = spec.OutputWidth;
        if (model.Task == TaskKind.Regression)
        {
            if (model.TargetNormalizer is { } t)
            {
                string scale = graph.Floats("targets.scale", t.Scales, "Per-target scale");
                string offset = graph.Floats("targets.offset", t.Offsets, "Per-target offset");
                output = graph.Node("Mul", "/targets/scaled", "Back to raw target units: y · scale.", [output, scale]);
                output = graph.Node("Add", "/targets/raw", "Back to raw target units: y · scale + offset.",
                    [output, offset]);
            }
            Rename(graph, output, ValuesOutput, "Predicted targets in raw units.");
            graph.Output(ValuesOutput, DataType.Float, units,
                "Predicted targets in raw units, in the order of the metadata's target_names.");
            return;
        }
        var activation = spec.Layers[^1].Activation;
        string scores;
        if (activation is ActivationKind.Sigmoid && units == 1)
        {
            // One sigmoid unit is p(class 1): [1 − p, p], whose argmax is p > 0.5 as the service decides.
            string one = graph.Floats("/head/one", [1f], "1", 1);
            string complement = graph.Node("Sub", "/head/complement", "p(class 0) = 1 − p.", [one, output]);
            scores = graph.Node("Concat", ProbabilitiesOutput, "[1 − p, p].", [complement, output],
                OnnxGraph.Int("axis", 1));
            graph.Output(ProbabilitiesOutput, DataType.Float, 2,
                "p(class 0), p(class 1), in the order of the metadata's class_names.");
        }
        else if (activation is ActivationKind.Sigmoid or ActivationKind.Softmax)
        {
            scores = Rename(graph, output, ProbabilitiesOutput, "Per-class probabilities.");
            graph.Output(ProbabilitiesOutput, DataType.Float, units, activation == ActivationKind.Softmax
                ? "Per-class probabilities (softmax), in the order of the metadata's class_names."
                : "Independent per-class probabilities (one sigmoid per class), in the order of the metadata's "
                    + "class_names.");
        }
        else
        {
            scores = Rename(graph, output, OutputsOutput, "The network's outputs.");
            graph.Output(OutputsOutput, DataType.Float, units,
                "The network's outputs, one per class in the order of the metadata's class_names.");
        }
        graph.Node("ArgMax", LabelOutput, "The predicted class: the first highest score.", [scores],
            OnnxGraph.Int("axis", 1), OnnxGraph.Int("keepdims", 0));
        graph.Output(LabelOutput, DataType.Int64, null, "Index of the predicted class in the metadata's class_names.");
    }

    private static string Rename(OnnxGraph graph, string value, string name, string doc) =>
        graph.Node("Identity", name, doc, [value]);

    private static string Describe(TrainedModel model)
    {
        var spec = model.Spec;
        string input = model.Preparation is { } p
            ? $"one input per raw column ({p.RawWidth}: numeric and boolean columns float [N, 1] with NaN for a "
              + "missing cell, categorical columns string [N, 1] with the level's text, trimmed, and \"\" for a "
              + "missing cell), encoded as in training (imputation, missing indicators, one-hot levels; a level the "
              + "training split never held is encoded all-zero)"
            : $"'{FeaturesInput}' float [N, {spec.InputWidth}], raw features in feature_names order";
        string scores = spec.Layers[^1].Activation is ActivationKind.Sigmoid or ActivationKind.Softmax
            ? $"'{ProbabilitiesOutput}' float [N, {model.ClassCount}]"
            : $"'{OutputsOutput}' float [N, {spec.OutputWidth}]";
        string outputs = model.Task == TaskKind.Regression
            ? $"'{ValuesOutput}' float [N, {spec.OutputWidth}] in raw target units"
            : $"'{LabelOutput}' int64 [N] (index into class_names) and {scores}";
        string layers = string.Join(" → ", spec.Layers.Select(l => $"{l.Units} {JsonNames.Of(l.Activation)}"));
        return $"Backprop multilayer perceptron ({JsonNames.Of(model.Task)}): {spec.InputWidth} inputs → {layers}, "
            + $"trained with {JsonNames.Of(spec.Loss)}. Inputs: {input}; normalisation "
            + $"{JsonNames.Of(model.InputNormalizer.Kind)} applied inside the graph. Outputs: {outputs}. "
            + "The same numbers as POST /api/models/{id}/predict, to single-precision rounding.";
    }

    private static IEnumerable<(string Key, string Value)> Metadata(TrainedModel model, Guid id, string? name)
    {
        yield return ("backprop.model_id", id.ToString());
        if (name is not null) yield return ("backprop.name", name);
        yield return ("task", JsonNames.Of(model.Task));
        yield return ("loss", JsonNames.Of(model.Spec.Loss));
        yield return ("normalization", JsonNames.Of(model.InputNormalizer.Kind));
        if (model.FeatureNames is { } features) yield return ("feature_names", JsonSerializer.Serialize(features));
        if (model.ClassNames is { } classes) yield return ("class_names", JsonSerializer.Serialize(classes));
        if (model.TargetNames is { } targets) yield return ("target_names", JsonSerializer.Serialize(targets));
        if (model.Preparation is { } p)
        {
            var columns = p.Columns.Select(c => new { name = c.Name, kind = JsonNames.Of(c.Kind) });
            yield return ("input_columns", JsonSerializer.Serialize(columns));
        }
    }
}
