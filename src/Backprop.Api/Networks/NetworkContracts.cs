using System.ComponentModel.DataAnnotations;

namespace Backprop.Api.Networks;

/// <summary>One dense layer, z = W·a + b then a = f(z). Defaults are the core's (<see cref="LayerSpec"/>).</summary>
/// <param name="Units">Neurons in the layer (at least 1); the output layer's units are the number of classes (softmax),
/// 1 (sigmoid for two classes) or the number of regression targets.</param>
/// <param name="Activation">f: identity, sigmoid, tanh, relu, leaky_relu, elu, softplus, or softmax (output layer only,
/// with categorical_cross_entropy).</param>
/// <param name="LearningRateMultiplier">Multiplies the optimizer's (scheduled) learning rate for this layer's weights
/// and biases.</param>
/// <param name="L2">λ of the penalty (λ/2)·‖W‖² on this layer's weights (never biases). It is in the gradient, but not
/// in the reported trainLoss and validationLoss (the gradient check's loss includes it).</param>
/// <param name="Slope">leaky_relu's negative slope (PyTorch's negative_slope); ignored by other activations.</param>
/// <param name="BiasLearningRateMultiplier">Further scales this layer's rate for its biases only (0 keeps the
/// biases fixed, which the frozen_biases diagnostic then reports).</param>
/// <param name="Alpha">elu's α in α·(e^z − 1) for z ≤ 0 (PyTorch's and Keras' alpha); ignored by other
/// activations.</param>
/// <param name="Dropout">Share of this layer's outputs zeroed at random in each training batch (inverted dropout, so
/// evaluation and prediction are unchanged); 0 = none; must be 0 on the output layer.</param>
public sealed record LayerDefinition(
    int Units,
    ActivationKind? Activation,
    double LearningRateMultiplier = LayerSpec.DefaultLearningRateMultiplier,
    double L2 = LayerSpec.DefaultL2,
    double Slope = LayerSpec.DefaultSlope,
    double BiasLearningRateMultiplier = LayerSpec.DefaultBiasLearningRateMultiplier,
    double Alpha = LayerSpec.DefaultAlpha,
    double Dropout = 0.0);

/// <summary>A multilayer perceptron: input width, hidden layers then the output layer, loss and initialisation.
/// POST /api/networks/suggest proposes one for a dataset.</summary>
/// <param name="Name">Optional label shown in listings (at most 200 characters).</param>
/// <param name="InputWidth">Number of input features: the dataset's feature columns.</param>
/// <param name="Layers">Hidden layers then the output layer (at least one layer).</param>
/// <param name="Loss">mean_squared_error or huber (regression), binary_cross_entropy (sigmoid output),
/// categorical_cross_entropy (softmax output).</param>
/// <param name="Init">Initial weights: auto (glorot_uniform for identity, sigmoid, tanh, softplus and softmax layers;
/// he_uniform for relu, leaky_relu and elu), glorot_uniform, glorot_normal, he_uniform or he_normal. Biases start at
/// 0.</param>
/// <param name="Seed">Seed of the initial weights (and, unless a job gives its own, of the shuffles and the validation
/// split).</param>
/// <param name="HuberDelta">Threshold δ of the huber loss; ignored by other losses.</param>
/// <param name="InputDropout">Share of input features zeroed at random in each training batch (inverted dropout); 0 =
/// none.</param>
public sealed record NetworkDefinition(
    [property: MaxLength(200)] string? Name,
    int InputWidth,
    IReadOnlyList<LayerDefinition>? Layers,
    LossKind? Loss,
    InitKind Init = NetworkSpec.DefaultInit,
    ulong Seed = 0,
    double HuberDelta = NetworkSpec.DefaultHuberDelta,
    double InputDropout = 0.0);

/// <summary>Ask for a network that fits a dataset.</summary>
/// <param name="DatasetId">The dataset (POST /api/datasets) the network is for.</param>
/// <param name="Seed">Seed of the proposed network's initial weights; omitted = 0.</param>
public sealed record SuggestNetworkRequest(Guid DatasetId, ulong? Seed = null);

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
    double InputDropout,
    long ParameterCount,
    DateTime CreatedAt);

public sealed record NetworkSummary(Guid Id, string? Name, int InputWidth, int OutputWidth, int LayerCount,
    long ParameterCount, DateTime CreatedAt);

/// <summary>A problem that prevents training: where (<paramref name="Path"/>), what, and how to fix it.</summary>
public sealed record NetworkProblem(string Path, string Message, string? Fix);

/// <summary>Dry-run answer: problems block storing/training; warnings are advice.</summary>
public sealed record NetworkCheckResponse(bool Valid, IReadOnlyList<NetworkProblem> Problems,
    IReadOnlyList<string> Warnings, long? ParameterCount);
