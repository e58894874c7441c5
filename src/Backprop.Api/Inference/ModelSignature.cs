namespace Backprop.Api.Inference;

/// <summary>A tensor's name, element type and shape (-1: any size, the batch).</summary>
/// <param name="Name">e.g. input, probabilities, label.</param>
/// <param name="Datatype">FP32, INT64, BYTES, BOOL (the protocol's names).</param>
/// <param name="Shape">e.g. [-1, 4]: any number of rows of 4 features.</param>
public sealed record TensorMetadata(string Name, string Datatype, long[] Shape);

/// <summary>
/// The tensors a model takes and gives over the protocol. A model without a preparation takes one FP32 (or FP64) tensor
/// "input" of shape [-1, F] in featureNames order; a model with a preparation takes one tensor per raw column, named
/// after it
/// (FP32 numbers, BYTES levels, BOOL flags), shape [-1]. Classification gives "probabilities" FP32 [-1, C] (when the
/// output
/// layer gives them) and "label" INT64 [-1], the class index; regression gives "values" FP32 [-1, T] in raw target
/// units.
/// </summary>
public static class ModelSignature
{
    public const string Input = "input";
    public const string Probabilities = "probabilities";
    public const string Label = "label";
    public const string Values = "values";
    public const string Fp32 = "FP32";
    public const string Fp64 = "FP64";
    public const string Int64 = "INT64";
    public const string Bytes = "BYTES";
    public const string Bool = "BOOL";
    /// <summary>The protocol's "platform": the framework that runs the model.</summary>
    public const string Platform = "backprop_mlp";

    public static IReadOnlyList<TensorMetadata> Inputs(TrainedModel model) => model.Preparation is { } preparation
        ? preparation.Columns.Select(c => new TensorMetadata(c.Name, c.Kind switch
        {
            ColumnKind.Categorical => Bytes,
            ColumnKind.Boolean => Bool,
            _ => Fp32,
        }, [-1])).ToArray()
        : [new TensorMetadata(Input, Fp32, [-1, model.Spec.InputWidth])];

    public static IReadOnlyList<TensorMetadata> Outputs(TrainedModel model)
    {
        if (model.Task == TaskKind.Regression) return [new TensorMetadata(Values, Fp32, [-1, model.Spec.OutputWidth])];
        return HasProbabilities(model)
            ? [new TensorMetadata(Probabilities, Fp32, [-1, model.ClassCount]), new TensorMetadata(Label, Int64, [-1])]
            : [new TensorMetadata(Label, Int64, [-1])];
    }

    /// <summary>Softmax or sigmoid outputs are probabilities (as the core's predictor gives them).</summary>
    public static bool HasProbabilities(TrainedModel model) =>
        model.Spec.Layers[^1].Activation is ActivationKind.Softmax or ActivationKind.Sigmoid;
}
