namespace Backprop.Core.Spec;

/// <summary>Element-wise (or, for softmax, row-wise) non-linearity applied after <c>z = W a + b</c>.</summary>
public enum ActivationKind
{
    /// <summary><c>f(z) = z</c>.</summary>
    Identity,
    /// <summary><c>f(z) = 1 / (1 + e^-z)</c>.</summary>
    Sigmoid,
    /// <summary><c>f(z) = tanh z</c>.</summary>
    Tanh,
    /// <summary><c>f(z) = max(z, 0)</c>; derivative taken as 0 at z = 0 (as PyTorch does).</summary>
    Relu,
    /// <summary><c>f(z) = z</c> for z &gt; 0, else <c>slope · z</c> (the layer's slope, default 0.01 as
    /// PyTorch).</summary>
    LeakyRelu,
    /// <summary><c>f(z) = z</c> for z &gt; 0, else <c>alpha · (e^z − 1)</c> (the layer's alpha, default 1 as
    /// PyTorch).</summary>
    Elu,
    /// <summary><c>f(z) = ln(1 + e^z)</c>, computed without overflow.</summary>
    Softplus,
    /// <summary>Row-wise <c>e^(z_i − max z) / Σ e^(z_j − max z)</c>; output layer only, with categorical
    /// cross-entropy.</summary>
    Softmax,
    /// <summary>Heaviside step. Always refused: its derivative is zero almost everywhere, so nothing can learn through
    /// it.</summary>
    Step,
    /// <summary>Sign function. Always refused for the same reason as <see cref="Step"/>.</summary>
    Sign,
}

/// <summary>Training objective. Every loss is a mean, so gradients do not grow with the batch size.</summary>
public enum LossKind
{
    /// <summary>Mean over all outputs of the batch of <c>(ŷ − y)²</c> (PyTorch <c>MSELoss</c>, reduction
    /// mean).</summary>
    MeanSquaredError,
    /// <summary>Mean over all outputs of <c>−[y ln ŷ + (1 − y) ln(1 − ŷ)]</c>; sigmoid outputs only (binary or
    /// multi-label). Computed from the logits, so it never takes <c>ln 0</c>.</summary>
    BinaryCrossEntropy,
    /// <summary>Mean over the batch of <c>−Σ_c y_c ln softmax(z)_c</c> (PyTorch <c>CrossEntropyLoss</c>); softmax
    /// outputs only. Computed as log-sum-exp with the row maximum subtracted.</summary>
    CategoricalCrossEntropy,
    /// <summary>Mean over all outputs of the Huber function with threshold <see cref="NetworkSpec.HuberDelta"/>
    /// (PyTorch <c>HuberLoss</c>).</summary>
    Huber,
}

/// <summary>How initial weights are drawn. Biases always start at zero.</summary>
public enum InitKind
{
    /// <summary>Glorot uniform for identity/sigmoid/tanh/softmax/softplus layers, He uniform for the ReLU family (ReLU,
    /// leaky ReLU, ELU).</summary>
    Auto,
    /// <summary>Uniform in ±sqrt(6 / (fan_in + fan_out)).</summary>
    GlorotUniform,
    /// <summary>Normal with standard deviation sqrt(2 / (fan_in + fan_out)).</summary>
    GlorotNormal,
    /// <summary>Uniform in ±sqrt(6 / fan_in).</summary>
    HeUniform,
    /// <summary>Normal with standard deviation sqrt(2 / fan_in).</summary>
    HeNormal,
}
