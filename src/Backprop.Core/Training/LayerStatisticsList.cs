using System.Collections;
using System.Runtime.CompilerServices;

namespace Backprop.Core.Training;

/// <summary>The per-layer statistics of one epoch, in layer order. Networks of up to
/// <see cref="InlineCapacity"/> layers keep them inside the report itself, so that an epoch allocates nothing: a
/// fresh process meets every new 4 KB of heap as a page fault, and a 10,000-epoch run of a tiny network paid for one
/// every 25 epochs. Deeper networks use an array.</summary>
public readonly struct LayerStatisticsList : IReadOnlyList<LayerStatistics>, IEquatable<LayerStatisticsList>
{
    /// <summary>Most layers held without an array.</summary>
    public const int InlineCapacity = 4;

    // Inline storage, compact because a report is copied a few times on its way out of an epoch: six doubles per
    // layer (the two fractions are NaN when absent, with a bit each in _present), the layer indexes apart.
    private const int ValuesPerLayer = 6;
    private readonly InlineValues _values;
    private readonly InlineIndexes _indexes;
    private readonly byte _present; // bit 2l: InactiveFraction of layer l present; bit 2l + 1: SaturatedFraction
    private readonly LayerStatistics[]? _array;

    /// <summary>Number of layers.</summary>
    public int Count { get; }

    /// <summary>Copies <paramref name="layers"/> (inline when they fit).</summary>
    public LayerStatisticsList(ReadOnlySpan<LayerStatistics> layers)
    {
        Count = layers.Length;
        if (layers.Length > InlineCapacity)
        {
            _array = layers.ToArray();
            return;
        }
        Span<double> values = _values;
        Span<int> indexes = _indexes;
        int present = 0;
        for (int l = 0; l < layers.Length; l++)
        {
            var layer = layers[l];
            var v = values.Slice(l * ValuesPerLayer, ValuesPerLayer);
            v[0] = layer.WeightGradientNorm;
            v[1] = layer.BiasGradientNorm;
            v[2] = layer.UpdateRatio;
            v[3] = layer.BiasUpdateNorm;
            v[4] = layer.InactiveFraction ?? double.NaN;
            v[5] = layer.SaturatedFraction ?? double.NaN;
            indexes[l] = layer.Layer;
            if (layer.InactiveFraction.HasValue) present |= 1 << (2 * l);
            if (layer.SaturatedFraction.HasValue) present |= 2 << (2 * l);
        }
        _present = (byte)present;
    }

    /// <summary>The statistics of layer <paramref name="index"/>.</summary>
    public LayerStatistics this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            if (_array is { } array) return array[index];
            ReadOnlySpan<double> v = ((ReadOnlySpan<double>)_values).Slice(index * ValuesPerLayer, ValuesPerLayer);
            return new LayerStatistics(((ReadOnlySpan<int>)_indexes)[index], v[0], v[1], v[2], v[3],
                (_present & (1 << (2 * index))) != 0 ? v[4] : null,
                (_present & (2 << (2 * index))) != 0 ? v[5] : null);
        }
    }

    /// <summary>A list from an array (copied).</summary>
    public static implicit operator LayerStatisticsList(LayerStatistics[] layers) => new(layers);

    /// <inheritdoc/>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<LayerStatistics> IEnumerable<LayerStatistics>.GetEnumerator()
    {
        for (int l = 0; l < Count; l++) yield return this[l];
    }

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable<LayerStatistics>)this).GetEnumerator();

    /// <summary>Equal when both hold the same statistics in the same order.</summary>
    public bool Equals(LayerStatisticsList other)
    {
        if (Count != other.Count) return false;
        for (int l = 0; l < Count; l++)
            if (!this[l].Equals(other[l])) return false;
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is LayerStatisticsList other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        for (int l = 0; l < Count; l++) hash.Add(this[l]);
        return hash.ToHashCode();
    }

    /// <summary>Equal when both hold the same statistics in the same order.</summary>
    public static bool operator ==(LayerStatisticsList left, LayerStatisticsList right) => left.Equals(right);

    /// <summary>Different when the counts or any layer's statistics differ.</summary>
    public static bool operator !=(LayerStatisticsList left, LayerStatisticsList right) => !left.Equals(right);

    /// <summary>Enumerates the layers in order without allocating.</summary>
    public struct Enumerator
    {
        private readonly LayerStatisticsList _list;
        private int _index;

        internal Enumerator(LayerStatisticsList list) { _list = list; _index = -1; }

        /// <summary>The current layer's statistics.</summary>
        public readonly LayerStatistics Current => _list[_index];

        /// <summary>Advances to the next layer.</summary>
        public bool MoveNext() => ++_index < _list.Count;
    }

    [InlineArray(InlineCapacity * ValuesPerLayer)]
    private struct InlineValues
    {
        private double _first;
    }

    [InlineArray(InlineCapacity)]
    private struct InlineIndexes
    {
        private int _first;
    }
}
