using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
namespace Backprop.Core.Engine;

/// <summary>
/// A multilayer perceptron with its parameters in one flat buffer (<see cref="ParameterLayout"/>). Generic over the
/// element type: training runs on <c>float</c>; the gradient check runs the same code on <c>double</c>. Batches are
/// row-major <c>(rows, width)</c>; all scratch lives in a <see cref="Workspace{T}"/> the caller owns, so a
/// forward/backward pass allocates nothing.
/// </summary>
public sealed class Network<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Activation<T>[] _activations;
    private readonly T[] _l2; // per layer; λ of (λ/2)‖W‖²

    private Network(NetworkSpec spec, T[] parameters)
    {
        Spec = spec;
        Layout = new ParameterLayout(spec);
        if (parameters.Length != Layout.Count)
            throw new ArgumentException($"Expected {Layout.Count} parameters for this spec, got {parameters.Length}.",
                nameof(parameters));
        Parameters = parameters;
        _activations = spec.Layers.Select(Activation<T>.Create).ToArray();
        _l2 = spec.Layers.Select(l => T.CreateTruncating(l.L2)).ToArray();
        HasL2 = spec.Layers.Any(l => l.L2 > 0);
        Loss = Loss<T>.Create(spec);
        InputWidth = spec.InputWidth;
        OutputWidth = spec.OutputWidth;
    }

    /// <summary>A new network with weights drawn as the spec says (validated first).</summary>
    public static Network<T> Create(NetworkSpec spec)
    {
        spec.EnsureValid();
        var network = new Network<T>(spec, new T[new ParameterLayout(spec).Count]);
        Initializer.Initialize<T>(spec, network.Layout, network.Parameters);
        return network;
    }

    /// <summary>A network with explicit parameters in the flat layout (warm start, import from another
    /// framework).</summary>
    public static Network<T> FromParameters(NetworkSpec spec, ReadOnlySpan<T> parameters)
    {
        spec.EnsureValid();
        return new Network<T>(spec, parameters.ToArray());
    }

    /// <summary>The specification this network was built from.</summary>
    public NetworkSpec Spec { get; }

    /// <summary>Where each layer's weights and biases live in <see cref="Parameters"/>.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>All weights and biases, flat; owned by the network and updated in place by training.</summary>
    public T[] Parameters { get; }

    /// <summary>The training objective.</summary>
    public Loss<T> Loss { get; }

    /// <summary>Number of input features.</summary>
    public int InputWidth { get; }

    /// <summary>Number of outputs.</summary>
    public int OutputWidth { get; }

    /// <summary>True when any layer has an L2 penalty.</summary>
    public bool HasL2 { get; }

    /// <summary>Scratch buffers for batches of up to <paramref name="maxRows"/> rows.</summary>
    public Workspace<T> CreateWorkspace(int maxRows) => new(Layout, maxRows, withDeltas: true);

    /// <summary>Scratch for <see cref="Forward"/> and <see cref="Predict"/> only: no delta buffers (a predictor never
    /// runs backward).</summary>
    public Workspace<T> CreateInferenceWorkspace(int maxRows) => new(Layout, maxRows, withDeltas: false);

    /// <summary>
    /// Forward pass; returns the output activations <c>(rows, outputs)</c>, a view into the workspace. With <paramref
    /// name="dropout"/> (training) the input and each masked layer's activations are multiplied by their mask before
    /// the next layer reads them; without it (evaluation, prediction) nothing is masked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<T> Forward(Workspace<T> workspace, ReadOnlySpan<T> inputs, int rows,
        DropoutMasks<T>? dropout = null)
    {
        workspace.EnsureCapacity(rows);
        if (inputs.Length < rows * InputWidth) throw new ArgumentException(
            $"Expected {rows}×{InputWidth} inputs, got {inputs.Length} values.", nameof(inputs));
        ReadOnlySpan<T> previous = inputs.Slice(0, rows * InputWidth);
        if (dropout is { HasInput: true })
        {
            var dropped = dropout.InputDropped(rows * InputWidth);
            TensorPrimitives.Multiply(previous, dropout.InputMask(rows * InputWidth), dropped);
            previous = dropped;
        }
        for (int l = 0; l < Layout.LayerCount; l++)
        {
            var view = Layout[l];
            var z = workspace.Z[l].AsSpan(0, rows * view.Units);
            var a = workspace.A[l].AsSpan(0, rows * view.Units);
            // z = a_prev·Wᵀ + b
            DenseGemm.Forward(previous, Weights(view), Biases(view), z, rows, view.Units, view.Inputs);
            _activations[l].Forward(z, a, view.Units);
            previous = a;
            if (dropout is not null && dropout.Has(l))
            {
                var dropped = dropout.Dropped(l, a.Length);
                TensorPrimitives.Multiply(a, dropout.Mask(l, a.Length), dropped); // a ⊙ m; a itself stays for f'(z)
                previous = dropped;
            }
        }
        return previous;
    }

    /// <summary>Mean data loss of the last <see cref="Forward"/> against <paramref name="targets"/> <c>(rows,
    /// outputs)</c> (no L2 term); with <paramref name="rowWeights"/> <c>(rows)</c> the weighted mean <c>(1/rows) Σ_r
    /// w_r ℓ_r</c> (see <see cref="Loss{T}.WeightedValue"/>).</summary>
    public double ComputeLoss(Workspace<T> workspace, ReadOnlySpan<T> targets, int rows,
        ReadOnlySpan<T> rowWeights = default)
    {
        int last = Layout.LayerCount - 1, n = rows * OutputWidth;
        var z = workspace.Z[last].AsSpan(0, n);
        var a = workspace.A[last].AsSpan(0, n);
        return rowWeights.IsEmpty
            ? Loss.Value(z, a, targets.Slice(0, n), rows, OutputWidth)
            : Loss.WeightedValue(z, a, targets.Slice(0, n), rows, OutputWidth, rowWeights);
    }

    /// <summary>The L2 penalty <c>Σ_l (λ_l/2)‖W_l‖²</c> of the current weights.</summary>
    public double L2Penalty()
    {
        double total = 0;
        for (int l = 0; l < Layout.LayerCount; l++)
        {
            if (_l2[l] == T.Zero) continue;
            double sq = 0;
            foreach (var w in Weights(Layout[l])) sq += double.CreateTruncating(w * w);
            total += 0.5 * double.CreateTruncating(_l2[l]) * sq;
        }
        return total;
    }

    /// <summary>
    /// Backward pass after <see cref="Forward"/> on the same inputs: <b>adds</b> <c>dL/dθ</c> (data loss + L2 penalty)
    /// into <paramref name="gradient"/> (flat layout), or with <paramref name="accumulate"/> false writes it there
    /// (every element; no zeroing pass over a large buffer first). Per layer, from the output down: <c>dW +=
    /// δᵀ·a_prev</c>, <c>db += Σ_rows δ</c>, <c>δ_prev = (δ·W) ⊙ f'(z_prev)</c>; with <paramref name="dropout"/> (the
    /// masks of the forward pass) <c>a_prev</c> is the masked activation and <c>δ_prev = (δ·W) ⊙ m_prev ⊙
    /// f'(z_prev)</c>.
    /// </summary>
    /// <remarks>Per-row loss weights <c>rowWeights</c> <c>(rows)</c> scale each row's output delta, as for <see
    /// cref="ComputeLoss"/>; empty = unweighted.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Backward(Workspace<T> workspace, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int rows,
        Span<T> gradient, bool accumulate = true, DropoutMasks<T>? dropout = null, ReadOnlySpan<T> rowWeights = default)
    {
        if (gradient.Length != Layout.Count) throw new ArgumentException(
            $"Gradient must have {Layout.Count} elements.", nameof(gradient));
        if (!workspace.HasDeltas) throw new ArgumentException("The workspace is for inference only " +
            "(CreateInferenceWorkspace); backward needs CreateWorkspace.", nameof(workspace));
        int last = Layout.LayerCount - 1;
        int outN = rows * OutputWidth;
        if (targets.Length < outN) throw new ArgumentException(
            $"Expected {rows}×{OutputWidth} targets, got {targets.Length} values.", nameof(targets));
        var delta = workspace.DeltaA.AsSpan(0, outN);
        Loss.OutputDelta(workspace.Z[last].AsSpan(0, outN), workspace.A[last].AsSpan(0, outN), targets.Slice(0, outN),
            rows, OutputWidth, _activations[last], delta);
        if (!rowWeights.IsEmpty) Loss<T>.ScaleRows(delta, rowWeights, rows, OutputWidth);

        for (int l = last; l >= 0; l--)
        {
            var view = Layout[l];
            int previousCount = rows * view.Inputs;
            ReadOnlySpan<T> activation = l == 0 ? inputs.Slice(0, previousCount) : workspace.A[l - 1]
                .AsSpan(0, previousCount);
            ReadOnlySpan<T> previous = dropout is null ? activation
                : l == 0 ? (dropout.HasInput ? dropout.InputDropped(previousCount) : activation)
                : dropout.Has(l - 1) ? dropout.Dropped(l - 1, previousCount) : activation;
            var dW = gradient.Slice(view.WeightOffset, view.WeightCount);
            // (units, inputs) += δᵀ (units, rows) · a_prev (rows, inputs)
            DenseGemm.WeightGradient(delta, previous, dW, rows, view.Units, view.Inputs, accumulate);
            var db = gradient.Slice(view.BiasOffset, view.Units);
            if (!accumulate) db.Clear();
            Gemm.AccumulateColumnSums<T>(delta, db, rows, view.Units); // db = Σ_rows δ, never times a
            if (_l2[l] != T.Zero)
            {
                var w = Weights(view);
                for (int i = 0; i < dW.Length; i++) dW[i] += _l2[l] * w[i];
            }
            if (l == 0) break;
            var previousDelta = (l % 2 == last % 2 ? workspace.DeltaB : workspace.DeltaA).AsSpan(0, rows * view.Inputs);
            // dA_prev = δ·W
            DenseGemm.InputGradient(delta, Weights(view), previousDelta, rows, view.Units, view.Inputs);
            if (dropout is not null && dropout.Has(l - 1))
                TensorPrimitives.Multiply(previousDelta, dropout.Mask(l - 1, previousCount), previousDelta);
            _activations[l - 1].Backward(workspace.Z[l - 1].AsSpan(0, previousCount), activation, previousDelta,
                view.Inputs);
            delta = previousDelta;
        }
    }

    /// <summary>Forward, then backward into <paramref name="gradient"/> (accumulating); returns the mean data
    /// loss.</summary>
    public double ForwardBackward(Workspace<T> workspace, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int rows,
        Span<T> gradient, DropoutMasks<T>? dropout = null)
    {
        Forward(workspace, inputs, rows, dropout);
        double loss = ComputeLoss(workspace, targets, rows);
        Backward(workspace, inputs, targets, rows, gradient, dropout: dropout);
        return loss;
    }

    /// <summary>Outputs <c>(rows, outputs)</c> for any number of rows, in chunks of the workspace's capacity.</summary>
    public void Predict(Workspace<T> workspace, ReadOnlySpan<T> inputs, int rows, Span<T> outputs)
    {
        if (outputs.Length < rows * OutputWidth) throw new ArgumentException(
            $"Outputs need {rows}×{OutputWidth} elements.", nameof(outputs));
        for (int start = 0; start < rows; start += workspace.Capacity)
        {
            int count = Math.Min(workspace.Capacity, rows - start);
            Forward(workspace, inputs.Slice(start * InputWidth, count * InputWidth), count)
                .CopyTo(outputs.Slice(start * OutputWidth, count * OutputWidth));
        }
    }

    /// <summary>Weights <c>(units, inputs)</c> of a layer.</summary>
    public Span<T> Weights(LayerView view) => Parameters.AsSpan(view.WeightOffset, view.WeightCount);

    /// <summary>Biases <c>(units)</c> of a layer.</summary>
    public Span<T> Biases(LayerView view) => Parameters.AsSpan(view.BiasOffset, view.Units);
}

/// <summary>
/// Per-layer scratch for batches of up to <see cref="Capacity"/> rows: pre-activations, activations and, for training,
/// two delta buffers of <c>capacity × max width</c> (the input width included), which inference does without.
/// </summary>
public sealed class Workspace<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal Workspace(ParameterLayout layout, int capacity, bool withDeltas)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity), "Capacity must be positive.");
        Capacity = capacity;
        Z = new T[layout.LayerCount][];
        A = new T[layout.LayerCount][];
        for (int l = 0; l < layout.LayerCount; l++)
        {
            Z[l] = new T[(long)capacity * layout[l].Units]; // (rows, units)
            A[l] = new T[(long)capacity * layout[l].Units]; // (rows, units)
        }
        HasDeltas = withDeltas;
        DeltaA = withDeltas ? new T[(long)capacity * layout.MaxWidth] : [];
        DeltaB = withDeltas ? new T[(long)capacity * layout.MaxWidth] : [];
    }

    /// <summary>False for an inference-only workspace.</summary>
    public bool HasDeltas { get; }

    /// <summary>Maximum rows per pass.</summary>
    public int Capacity { get; }

    internal T[][] Z { get; }
    internal T[][] A { get; }
    internal T[] DeltaA { get; }
    internal T[] DeltaB { get; }

    internal void EnsureCapacity(int rows)
    {
        if (rows <= 0 || rows > Capacity) throw new ArgumentOutOfRangeException(nameof(rows),
            $"Rows must be in 1..{Capacity}, got {rows}.");
    }
}
