namespace Backprop.Core.Spec;

/// <summary>One dense layer: <c>z = W a_prev + b</c>, <c>a = f(z)</c>.</summary>
/// <param name="Units">Number of neurons (outputs) of the layer; positive.</param>
/// <param name="Activation">The non-linearity <c>f</c>.</param>
/// <param name="LearningRateMultiplier">Scales the optimizer's learning rate for this layer's weights and biases (1 =
/// unchanged).</param>
/// <param name="L2">Coefficient λ of the penalty <c>(λ/2)·‖W‖²</c> added to the loss for this layer's weights (never
/// its biases).</param>
/// <param name="Slope">Negative-side slope of leaky ReLU (PyTorch's negative_slope); ignored by other
/// activations.</param>
/// <param name="BiasLearningRateMultiplier">Further scales the rate for this layer's biases only (0 freezes them; 1 =
/// the layer's rate).</param>
/// <param name="Alpha">α of ELU, <c>α(e^z − 1)</c> for z ≤ 0 (PyTorch's and Keras' alpha); ignored by other
/// activations.</param>
/// <param name="Dropout">Share of this layer's outputs zeroed at random in each training batch (inverted dropout: the
/// kept ones are scaled by <c>1/(1−p)</c>, so evaluation and prediction use the network unchanged); 0 = none, and
/// always 0 on the output layer.</param>
public sealed record LayerSpec(
    int Units,
    ActivationKind Activation,
    double LearningRateMultiplier = LayerSpec.DefaultLearningRateMultiplier,
    double L2 = LayerSpec.DefaultL2,
    double Slope = LayerSpec.DefaultSlope,
    double BiasLearningRateMultiplier = LayerSpec.DefaultBiasLearningRateMultiplier,
    double Alpha = LayerSpec.DefaultAlpha,
    double Dropout = 0.0)
{
    /// <summary>The optimizer's rate unchanged.</summary>
    public const double DefaultLearningRateMultiplier = 1.0;
    /// <summary>No L2 penalty.</summary>
    public const double DefaultL2 = 0.0;
    /// <summary>PyTorch's LeakyReLU negative_slope.</summary>
    public const double DefaultSlope = 0.01;
    /// <summary>Biases at the layer's rate.</summary>
    public const double DefaultBiasLearningRateMultiplier = 1.0;
    /// <summary>PyTorch's and Keras' ELU alpha.</summary>
    public const double DefaultAlpha = 1.0;

    /// <summary>The one activation parameter this layer uses (ELU's α, leaky ReLU's slope), stored in one slot by the
    /// binary formats.</summary>
    internal double ActivationParameter => Activation == ActivationKind.Elu ? Alpha : Slope;

    /// <summary>A layer whose activation parameter is <paramref name="value"/> (ELU's α or otherwise the
    /// slope).</summary>
    internal static LayerSpec WithActivationParameter(int units, ActivationKind activation, double multiplier,
        double l2, double value, double biasMultiplier) => activation == ActivationKind.Elu
            ? new(units, activation, multiplier, l2, BiasLearningRateMultiplier: biasMultiplier, Alpha: value)
            : new(units, activation, multiplier, l2, value, biasMultiplier);
}

/// <summary>A multilayer perceptron: input width, layers in order (the last is the output layer), loss and
/// initialisation.</summary>
/// <param name="InputWidth">Number of input features.</param>
/// <param name="Layers">Hidden layers then the output layer.</param>
/// <param name="Loss">Training objective; must match the output activation (see <see
/// cref="NetworkSpecValidator"/>).</param>
/// <param name="Init">Weight initialisation scheme.</param>
/// <param name="Seed">Seed of every random stream (initial weights, shuffles, validation split).</param>
/// <param name="HuberDelta">Threshold of the Huber loss; ignored by other losses.</param>
/// <param name="InputDropout">Share of input features zeroed at random in each training batch (inverted dropout); 0 =
/// none.</param>
public sealed record NetworkSpec(
    int InputWidth,
    IReadOnlyList<LayerSpec> Layers,
    LossKind Loss,
    InitKind Init = NetworkSpec.DefaultInit,
    ulong Seed = 0,
    double HuberDelta = NetworkSpec.DefaultHuberDelta,
    double InputDropout = 0.0)
{
    /// <summary>Glorot or He per layer by its activation.</summary>
    public const InitKind DefaultInit = InitKind.Auto;
    /// <summary>PyTorch's HuberLoss delta.</summary>
    public const double DefaultHuberDelta = 1.0;

    /// <summary>True when training draws dropout masks (input or any layer).</summary>
    public bool HasDropout => InputDropout > 0 || (Layers?.Any(l => l.Dropout > 0) ?? false);

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
        && HuberDelta.Equals(other.HuberDelta) && InputDropout.Equals(other.InputDropout)
            && Layers.SequenceEqual(other.Layers);
}
