using DataType = Backprop.Api.Models.Onnx.Proto.TensorProto.Types.DataType;

namespace Backprop.Api.Models.Onnx;

/// <summary>
/// The raw columns' preparation as ONNX nodes, one graph input per raw column, giving the encoded inputs the network
/// was trained on, as <see cref="TabularPreparation.EncodeRow"/> writes them: a missing numeric or boolean cell (NaN)
/// takes the column's fill value (<c>IsNaN</c>, <c>Where</c>), followed by its 0/1 missing indicator when the model has
/// one; a categorical cell (a string; "" when missing) becomes one 0/1 input per kept level (<c>Equal</c> against the
/// levels), then "(other)" for the rare levels grouped in training, then "(missing)". A level the training split never
/// held matches nothing: all zeros.
/// </summary>
internal static class OnnxPreparation
{
    /// <summary>Adds the inputs and the encoding; returns the name of the encoded rows <c>float [N,
    /// EncodedWidth]</c>.</summary>
    public static string Encode(OnnxGraph graph, TabularPreparation preparation)
    {
        var parts = new List<string>();
        for (int c = 0; c < preparation.Columns.Count; c++)
        {
            var column = preparation.Columns[c];
            string prefix = $"/prepare/column{c}";
            if (column.Kind != ColumnKind.Categorical)
            {
                string x = graph.Input(column.Name, DataType.Float, 1,
                    $"Raw {JsonNames.Of(column.Kind)} column '{column.Name}'"
                    + (column.Kind == ColumnKind.Boolean ? " (1 for true, 0 for false)" : "")
                    + "; NaN for a missing cell.");
                string missing = graph.Node("IsNaN", $"{prefix}/missing", $"Missing cells of '{column.Name}'.", [x]);
                string imputation = JsonNames.Of(preparation.Settings.Imputation);
                string fill = graph.Floats($"{prefix}/fill", [(float)column.Fill],
                    $"Fill value of '{column.Name}' (training-split {imputation})", 1);
                parts.Add(graph.Node("Where", $"{prefix}/filled", $"'{column.Name}' with missing cells filled.",
                    [missing, fill, x]));
                if (column.Indicator)
                    parts.Add(graph.Node("Cast", $"{prefix}/indicator",
                        $"'{column.Name}={PreparedColumn.MissingLevelName}': 1 where missing.", [missing],
                        OnnxGraph.Int("to", (long)DataType.Float)));
                continue;
            }
            string text = graph.Input(column.Name, DataType.String, 1,
                $"Raw categorical column '{column.Name}': the level's text, trimmed; \"\" for a missing cell.");
            if (column.Levels.Count > 0)
                parts.Add(OneHot(graph, $"{prefix}/levels", text, column.Levels,
                    $"One input per kept level of '{column.Name}'.", reduce: false));
            if (column.Grouped.Count > 0)
                parts.Add(OneHot(graph, $"{prefix}/other", text, column.Grouped,
                    $"'{column.Name}={PreparedColumn.OtherLevel}': 1 for a rare training level.", reduce: true));
            if (column.MissingLevel)
                parts.Add(OneHot(graph, $"{prefix}/missing", text, [""],
                    $"'{column.Name}={PreparedColumn.MissingLevelName}': 1 for a missing cell.", reduce: false));
        }
        return graph.Node("Concat", "/prepare/encoded",
            "The encoded inputs, in the order of the metadata's feature_names.", parts, OnnxGraph.Int("axis", 1));
    }

    /// <summary>0/1 per listed level <c>[N, levels]</c> (string <c>Equal</c> broadcast over the row), or their maximum
    /// <c>[N, 1]</c>.</summary>
    private static string OneHot(OnnxGraph graph, string prefix, string text, IReadOnlyList<string> levels, string doc,
        bool reduce)
    {
        string texts = graph.Strings($"{prefix}/texts", levels, "Level texts");
        string matches = graph.Node("Equal", $"{prefix}/equal", doc, [text, texts]);
        string ones = graph.Node("Cast", $"{prefix}/onehot", doc, [matches], OnnxGraph.Int("to", (long)DataType.Float));
        return reduce
            ? graph.Node("ReduceMax", $"{prefix}/any", doc, [ones, graph.Int64s($"{prefix}/axes", "The levels", 1)],
                OnnxGraph.Int("keepdims", 1))
            : ones;
    }
}
