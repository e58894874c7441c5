using System.ComponentModel.DataAnnotations;

namespace Backprop.Api.Networks;

/// <summary>One dense layer. Defaults mirror the core's.</summary>
/// <param name="Units">Neurons in the layer.</param>
/// <param name="Activation">identity, sigmoid, tanh, relu, leaky_relu, elu, softplus or softmax (output only).</param>
/// <param name="LearningRateMultiplier">Scales the optimizer's learning rate for this layer.</param>
/// <param name="L2">Weight-decay coefficient λ of (λ/2)·‖W‖² for this layer's weights.</param>
/// <param name="Slope">Negative slope of leaky_relu, or alpha of elu.</param>
/// <param name="BiasLearningRateMultiplier">Further scales this layer's rate for its biases only (default 1; 0 keeps the
/// biases fixed, which the frozen_biases diagnostic then reports).</param>
public sealed record LayerDefinition(
    int Units,
    ActivationKind? Activation,
    double LearningRateMultiplier = 1.0,
    double L2 = 0.0,
    double Slope = 0.01,
    double BiasLearningRateMultiplier = 1.0);

/// <summary>A multilayer perceptron: input width, hidden layers then the output layer, loss and initialisation.</summary>
/// <param name="Name">Optional label shown in listings.</param>
/// <param name="InputWidth">Number of input features (dataset feature columns).</param>
/// <param name="Layers">Hidden layers then the output layer.</param>
/// <param name="Loss">mean_squared_error, binary_cross_entropy, categorical_cross_entropy or huber.</param>
/// <param name="Init">auto, glorot_uniform, glorot_normal, he_uniform or he_normal.</param>
/// <param name="Seed">Seed of the initial weights (and, unless a job overrides it, shuffles and the validation split).</param>
/// <param name="HuberDelta">Threshold of the huber loss.</param>
public sealed record NetworkDefinition(
    [property: MaxLength(200)] string? Name,
    int InputWidth,
    IReadOnlyList<LayerDefinition>? Layers,
    LossKind? Loss,
    InitKind Init = InitKind.Auto,
    ulong Seed = 0,
    double HuberDelta = 1.0);

public sealed record NetworkResponse(
    Guid Id,
    string? Name,
    int InputWidth,
    int OutputWidth,
    IReadOnlyList<LayerDefinition> Layers,
    LossKind? Loss,
    InitKind Init,
    ulong Seed,
    double HuberDelta,
    long ParameterCount,
    DateTime CreatedAt);

public sealed record NetworkSummary(Guid Id, string? Name, int InputWidth, int OutputWidth, int LayerCount, long ParameterCount, DateTime CreatedAt);

/// <summary>A problem that prevents training: where (<paramref name="Path"/>), what, and how to fix it.</summary>
public sealed record NetworkProblem(string Path, string Message, string? Fix);

/// <summary>Dry-run answer: problems block storing/training; warnings are advice.</summary>
public sealed record NetworkCheckResponse(bool Valid, IReadOnlyList<NetworkProblem> Problems, IReadOnlyList<string> Warnings, long? ParameterCount);
