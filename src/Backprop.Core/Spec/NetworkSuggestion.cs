namespace Backprop.Core.Spec;

/// <summary>A network that fits a dataset's shape without tuning: one hidden layer as scikit-learn's MLP default, and
/// the output activation and loss the task needs.</summary>
public static class NetworkSuggestion
{
    /// <summary>Units of the one hidden layer: scikit-learn's <c>hidden_layer_sizes=(100,)</c>.</summary>
    public const int DefaultHiddenUnits = 100;

    /// <summary>The hidden layer's activation: scikit-learn's default.</summary>
    public const ActivationKind DefaultHiddenActivation = ActivationKind.Relu;

    /// <summary>
    /// <paramref name="inputs"/> → 100 relu → output: for more than two classes, one softmax unit per class with
    /// categorical cross-entropy; for two, one sigmoid unit with binary cross-entropy; for regression, one identity
    /// unit per target with mean squared error.
    /// </summary>
    public static NetworkSpec For(int inputs, TaskKind task, int classes, int targets, ulong seed = 0)
    {
        var (output, loss) = task switch
        {
            TaskKind.Classification when classes > 2 => (new LayerSpec(classes, ActivationKind.Softmax),
                LossKind.CategoricalCrossEntropy),
            TaskKind.Classification => (new LayerSpec(1, ActivationKind.Sigmoid), LossKind.BinaryCrossEntropy),
            _ => (new LayerSpec(Math.Max(1, targets), ActivationKind.Identity), LossKind.MeanSquaredError),
        };
        return new NetworkSpec(inputs, [new LayerSpec(DefaultHiddenUnits, DefaultHiddenActivation), output], loss,
            Seed: seed);
    }
}
