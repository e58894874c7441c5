namespace Backprop.Core.Training;

/// <summary>
/// What a network must match in a dataset, known without its rows: a service validates a training request from a stored
/// dataset's summary and decodes the data only to train.
/// </summary>
/// <param name="Task">Classification or regression.</param>
/// <param name="Rows">Number of rows.</param>
/// <param name="Width">Feature columns, the network's input width; null when the width follows from a preparation
/// fitted at training.</param>
/// <param name="ClassCount">Classes (classification); 0 for regression.</param>
/// <param name="TargetWidth">Target columns (regression); 0 for classification.</param>
public sealed record DatasetShape(TaskKind Task, int Rows, int? Width, int ClassCount, int TargetWidth)
{
    /// <summary>Checks that a network can learn this data: width = input width; outputs = classes (or 1 sigmoid unit
    /// for 2 classes) or target width; no softmax for regression.</summary>
    public IEnumerable<OptionError> CompatibilityWith(NetworkSpec spec)
    {
        if (Width is { } width && spec.InputWidth != width)
            yield return new("network.inputWidth", $"The dataset has {Width} feature columns but the network " +
                $"expects {spec.InputWidth}; set inputWidth to {Width}.");
        var output = spec.Layers.Count > 0 ? spec.Layers[^1] : null;
        if (output is null) yield break;
        if (Task == TaskKind.Classification)
        {
            bool binarySigmoid = ClassCount == 2 && output.Units == 1 && output.Activation == ActivationKind.Sigmoid;
            if (output.Units != ClassCount && !binarySigmoid)
                yield return new("network.layers", $"The dataset has {ClassCount} classes but the output layer has " +
                    $"{output.Units} units; use {ClassCount} softmax units"
                    + (ClassCount == 2 ? " or one sigmoid unit." : "."));
        }
        else
        {
            if (output.Activation == ActivationKind.Softmax)
                yield return new("network.layers", "Regression needs a non-softmax output (usually identity); " +
                    "softmax forces the outputs to sum to 1.");
            if (output.Units != TargetWidth)
                yield return new("network.layers",
                    $"The dataset has {TargetWidth} target column(s) but the output layer has {output.Units} units.");
            if (spec.Loss is LossKind.CategoricalCrossEntropy or LossKind.BinaryCrossEntropy)
                yield return new("network.loss", "Regression needs loss mean_squared_error or huber.");
        }
    }
}
