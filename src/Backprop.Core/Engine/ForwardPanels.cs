namespace Backprop.Core.Engine;

/// <summary>
/// Each layer's weights packed as the blocked forward product reads them (<see cref="Sgemm.PackTransposed"/>: NR-wide
/// panels of Wᵀ), kept by a training run beside the flat parameters so that a forward pass does not repack weights
/// that only the optimizer changes. The optimizer reports each range it has finished (<see cref="Updated"/>) and the
/// panels inside it are packed at once, while those weights are still in cache; <see cref="Complete"/> packs the rest.
/// Layers whose forward product does not go to <see cref="Sgemm"/> for batches of the capacity have no panels.
/// </summary>
public sealed class ForwardPanels
{
    private readonly ParameterLayout _layout;
    private readonly float[]?[] _panels; // per layer: (panels, inputs, NR), or null
    private readonly bool[][] _fresh;    // per layer and panel: packed since Begin
    private readonly int _nr;

    /// <summary>Panels for the layers of <paramref name="layout"/> that batches of <paramref name="capacity"/> rows
    /// multiply through <see cref="Sgemm"/>.</summary>
    public ForwardPanels(ParameterLayout layout, int capacity)
    {
        _layout = layout;
        _nr = Sgemm.PanelWidth;
        _panels = new float[]?[layout.LayerCount];
        _fresh = new bool[layout.LayerCount][];
        for (int l = 0; l < layout.LayerCount; l++)
        {
            var view = layout[l];
            bool packs = DenseGemm.ForwardUsesSgemm<float>(capacity, view.Units, view.Inputs);
            _panels[l] = packs ? new float[Sgemm.PackedLength(Sgemm.ActiveKernel, view.Units, view.Inputs)] : null;
            _fresh[l] = new bool[packs ? (view.Units + _nr - 1) / _nr : 0];
        }
    }

    /// <summary>Floats this keeps for <paramref name="layout"/> at <paramref name="capacity"/> rows (for memory
    /// estimates).</summary>
    public static long Length(ParameterLayout layout, int capacity)
    {
        long total = 0;
        for (int l = 0; l < layout.LayerCount; l++)
            if (DenseGemm.ForwardUsesSgemm<float>(capacity, layout[l].Units, layout[l].Inputs))
                total += Sgemm.PackedLength(Sgemm.ActiveKernel, layout[l].Units, layout[l].Inputs);
        return total;
    }

    /// <summary>True when no layer has panels (every forward product is too small for <see cref="Sgemm"/>).</summary>
    public bool IsEmpty => _panels.All(p => p is null);

    /// <summary>Layer <paramref name="layer"/>'s packed weights, or empty when it has none.</summary>
    public ReadOnlySpan<float> Layer(int layer) => _panels[layer];

    /// <summary>Packs every layer from <paramref name="parameters"/> (flat layout).</summary>
    public void PackAll(ReadOnlySpan<float> parameters)
    {
        Begin();
        Complete(parameters);
    }

    /// <summary>Marks every panel stale: the parameters are about to change.</summary>
    public void Begin()
    {
        foreach (var fresh in _fresh) Array.Clear(fresh);
    }

    /// <summary>Parameters <c>[from, to)</c> (flat layout) hold their final values: packs the panels whose weights all
    /// lie inside. Calls for disjoint ranges may run on different threads at once.</summary>
    public void Updated(ReadOnlySpan<float> parameters, int from, int to)
    {
        for (int l = 0; l < _panels.Length; l++)
        {
            if (_panels[l] is null) continue;
            var view = _layout[l];
            // panel q holds rows (units) [q·NR, q·NR + NR) of W, i.e. flat [offset + q·NR·inputs, ...)
            int stride = _nr * view.Inputs;
            int first = Math.Max(0, (from - view.WeightOffset + stride - 1) / stride);
            for (int q = first; q < _fresh[l].Length; q++)
            {
                long start = view.WeightOffset + (long)q * stride;
                long end = Math.Min(start + stride, view.WeightOffset + (long)view.WeightCount);
                if (end > to) break;
                if (start >= from && !_fresh[l][q]) Pack(parameters, l, q);
            }
        }
    }

    /// <summary>Packs every panel not packed since <see cref="Begin"/>.</summary>
    public void Complete(ReadOnlySpan<float> parameters)
    {
        for (int l = 0; l < _panels.Length; l++)
            for (int q = 0; q < _fresh[l].Length; q++)
                if (!_fresh[l][q]) Pack(parameters, l, q);
    }

    private void Pack(ReadOnlySpan<float> parameters, int layer, int panel)
    {
        var view = _layout[layer];
        Sgemm.PackTransposed(Sgemm.ActiveKernel, parameters.Slice(view.WeightOffset, view.WeightCount), view.Inputs,
            view.Units, view.Inputs, _panels[layer], panel, 1);
        _fresh[layer][panel] = true;
    }
}
