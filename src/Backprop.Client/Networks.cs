namespace Backprop.Client;

/// <summary>A layer's activation function.</summary>
public enum ActivationKind { Identity, Sigmoid, Tanh, Relu, LeakyRelu, Elu, Softplus, Softmax, Step, Sign }

/// <summary>The loss the network is trained on; the service checks it against the output activation.</summary>
public enum LossKind { MeanSquaredError, BinaryCrossEntropy, CategoricalCrossEntropy, Huber }

/// <summary>One dense layer.</summary>
/// <param name="Units">Neurons in the layer; the last layer's units are the network's outputs.</param>
/// <param name="Activation">Applied to the layer's weighted sums.</param>
/// <param name="Dropout">Fraction of the layer's outputs dropped while training (0 = none).</param>
public sealed record LayerDefinition(int Units, ActivationKind Activation, double? Dropout = null);

/// <summary>A network to store: its input width, layers and loss.</summary>
/// <param name="Name">A name for people; optional.</param>
/// <param name="InputWidth">Features per row (after the service's one-hot encoding for tabular data).</param>
/// <param name="Seed">Seed of the weight initialisation; the service picks one when unset.</param>
public sealed record NetworkDefinition(string? Name, int InputWidth, IReadOnlyList<LayerDefinition> Layers,
    LossKind Loss, ulong? Seed = null);

/// <summary>A stored network.</summary>
public sealed record Network(Guid Id, string? Name, int InputWidth, int OutputWidth,
    IReadOnlyList<LayerDefinition> Layers, LossKind? Loss, long ParameterCount, DateTime CreatedAt);
