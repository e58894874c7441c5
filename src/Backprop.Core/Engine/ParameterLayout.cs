namespace Backprop.Core.Engine;

/// <summary>Where one layer's weights <c>W (units, inputs)</c> row-major and biases <c>b (units)</c> sit in the flat
/// parameter buffer.</summary>
public readonly record struct LayerView(int Inputs, int Units, int WeightOffset, int BiasOffset)
{
    /// <summary>Number of weights, <c>Units · Inputs</c>.</summary>
    public int WeightCount => Units * Inputs;
}

/// <summary>
/// Flat layout of all parameters: for each layer in order, <c>W (units, inputs)</c> row-major (PyTorch's layout), then
/// <c>b (units)</c>. Gradients and optimizer moments use the same layout, so an optimizer step is one loop over one
/// buffer.
/// </summary>
public sealed class ParameterLayout
{
    private readonly LayerView[] _layers;

    /// <summary>Builds the layout of a spec (which must have positive sizes).</summary>
    public ParameterLayout(NetworkSpec spec)
    {
        _layers = new LayerView[spec.Layers.Count];
        long offset = 0;
        int fanIn = spec.InputWidth;
        for (int l = 0; l < _layers.Length; l++)
        {
            int units = spec.Layers[l].Units;
            long weights = (long)units * fanIn;
            if (offset + weights + units > Array.MaxLength)
                throw new ArgumentException($"The network has more than {Array.MaxLength} parameters.");
            _layers[l] = new LayerView(fanIn, units, (int)offset, (int)(offset + weights));
            offset += weights + units;
            fanIn = units;
        }
        Count = (int)offset;
        MaxWidth = Math.Max(spec.InputWidth, spec.Layers.Max(l => l.Units));
    }

    /// <summary>Number of layers.</summary>
    public int LayerCount => _layers.Length;

    /// <summary>Total parameter count.</summary>
    public int Count { get; }

    /// <summary>Largest of the input width and every layer's width.</summary>
    public int MaxWidth { get; }

    /// <summary>The view of layer <paramref name="layer"/>.</summary>
    public LayerView this[int layer] => _layers[layer];
}
