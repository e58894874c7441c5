namespace Backprop.Core.Spec;

/// <summary>One dense layer: <c>z = W a_prev + b</c>, <c>a = f(z)</c>.</summary>
/// <param name="Units">Number of neurons (outputs) of the layer; positive.</param>
/// <param name="Activation">The non-linearity <c>f</c>.</param>
/// <param name="LearningRateMultiplier">Scales the optimizer's learning rate for this layer's weights and biases (1 = unchanged).</param>
/// <param name="L2">Coefficient λ of the penalty <c>(λ/2)·‖W‖²</c> added to the loss for this layer's weights (never its biases).</param>
/// <param name="Slope">Negative-side slope of leaky ReLU, or the alpha of ELU; ignored by other activations.</param>
/// <param name="BiasLearningRateMultiplier">Further scales the rate for this layer's biases only (0 freezes them; 1 = the
/// layer's rate).</param>
public sealed record LayerSpec(
    int Units,
    ActivationKind Activation,
    double LearningRateMultiplier = 1.0,
    double L2 = 0.0,
    double Slope = 0.01,
    double BiasLearningRateMultiplier = 1.0);

/// <summary>A multilayer perceptron: input width, layers in order (the last is the output layer), loss and initialisation.</summary>
/// <param name="InputWidth">Number of input features.</param>
/// <param name="Layers">Hidden layers then the output layer.</param>
/// <param name="Loss">Training objective; must match the output activation (see <see cref="NetworkSpecValidator"/>).</param>
/// <param name="Init">Weight initialisation scheme.</param>
/// <param name="Seed">Seed of every random stream (initial weights, shuffles, validation split).</param>
/// <param name="HuberDelta">Threshold of the Huber loss; ignored by other losses.</param>
public sealed record NetworkSpec(
    int InputWidth,
    IReadOnlyList<LayerSpec> Layers,
    LossKind Loss,
    InitKind Init = InitKind.Auto,
    ulong Seed = 0,
    double HuberDelta = 1.0)
{
    /// <summary>Width of the output layer.</summary>
    public int OutputWidth => Layers.Count == 0 ? 0 : Layers[^1].Units;

    /// <summary>Total number of trainable parameters (weights and biases).</summary>
    public long ParameterCount
    {
        get
        {
            long count = 0;
            long fanIn = InputWidth;
            foreach (var layer in Layers)
            {
                count += fanIn * layer.Units + layer.Units;
                fanIn = layer.Units;
            }
            return count;
        }
    }

    /// <summary>Throws <see cref="InvalidNetworkSpecException"/> listing every problem, if there is any.</summary>
    public void EnsureValid()
    {
        var errors = NetworkSpecValidator.Validate(this);
        if (errors.Count > 0) throw new InvalidNetworkSpecException(errors);
    }

    /// <summary>Value equality including the layer list (records compare lists by reference).</summary>
    public bool StructurallyEquals(NetworkSpec other) =>
        InputWidth == other.InputWidth && Loss == other.Loss && Init == other.Init && Seed == other.Seed
        && HuberDelta.Equals(other.HuberDelta) && Layers.SequenceEqual(other.Layers);
}
