using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop.Core.Training;

/// <summary>
/// How each hidden layer's units behaved over an epoch, read from the pre-activations the forward pass already keeps:
/// for the ReLU family, whether a unit's pre-activation was ever positive (a unit that never was is dead: it passes no
/// gradient); for sigmoid and tanh, how many activations sat in the flat tails where <c>f'(z)</c> is under 1 % of its
/// peak. One vectorised pass over <c>z (rows, units)</c> per layer and batch: cheap next to the layer's matrix
/// products.
/// </summary>
internal sealed class UnitActivity
{
    // |z| beyond which an activation is within 1 % of its asymptote: σ(4.595) = 0.99, tanh(2.647) = 0.99.
    internal const float SigmoidTail = 4.595f, TanhTail = 2.647f;

    private readonly int[] _units;
    private readonly float[]?[] _maxZ;   // ReLU family: (units) largest pre-activation seen this epoch
    private readonly float[] _tail;      // sigmoid/tanh: the |z| threshold, else 0
    private readonly long[] _saturated;  // sigmoid/tanh: activations in the tails this epoch
    private long _rows;

    public UnitActivity(NetworkSpec spec)
    {
        int layers = spec.Layers.Count;
        _units = new int[layers];
        _maxZ = new float[]?[layers];
        _tail = new float[layers];
        _saturated = new long[layers];
        for (int l = 0; l < layers - 1; l++) // the output layer's activation is the loss's business
        {
            var layer = spec.Layers[l];
            _units[l] = layer.Units;
            if (IsReluFamily(layer.Activation)) _maxZ[l] = new float[layer.Units];
            _tail[l] = layer.Activation switch { ActivationKind.Sigmoid => SigmoidTail, ActivationKind.Tanh =>
                TanhTail, _ => 0f };
        }
        Reset();
    }

    /// <summary>ReLU, leaky ReLU and ELU: units whose pre-activation is never positive pass (almost) no
    /// gradient.</summary>
    public static bool IsReluFamily(ActivationKind kind) =>
        kind is ActivationKind.Relu or ActivationKind.LeakyRelu or ActivationKind.Elu;

    public void Reset()
    {
        _rows = 0;
        foreach (var max in _maxZ) max?.AsSpan().Fill(float.NegativeInfinity);
        Array.Clear(_saturated);
    }

    /// <summary>Adds one batch; <paramref name="preActivations"/>[l] holds <c>z (rows, units)</c> of layer l.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Observe(float[][] preActivations, int rows)
    {
        _rows += rows;
        for (int l = 0; l < _units.Length; l++)
        {
            int units = _units[l];
            if (_maxZ[l] is { } max) ColumnMax(preActivations[l].AsSpan(0, rows * units), units, max);
            else if (_tail[l] > 0)
            {
                _saturated[l] += CountBeyond(preActivations[l].AsSpan(0, rows * units), _tail[l]);
            }
        }
    }

    /// <summary>Share of the layer's units whose pre-activation was never positive this epoch (ReLU family), else
    /// null.</summary>
    public double? InactiveFraction(int layer)
    {
        if (_maxZ[layer] is not { } max || _rows == 0) return null;
        int dead = 0;
        foreach (var z in max) if (!(z > 0)) dead++;
        return (double)dead / max.Length;
    }

    /// <summary>Share of the layer's activations this epoch within 1 % of an asymptote (sigmoid, tanh), else
    /// null.</summary>
    public double? SaturatedFraction(int layer) =>
        _tail[layer] > 0 && _rows > 0 ? (double)_saturated[layer] / (_rows * _units[layer]) : null;

    /// <summary><c>max[j] = max(max[j], z[r, j])</c> over the rows of <paramref name="z"/> <c>(rows, units)</c>. Column
    /// blocks outside, rows inside: each block's running maximum stays in a register across the batch instead of
    /// being loaded and stored once per row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ColumnMax(ReadOnlySpan<float> z, int units, Span<float> max)
    {
        if (units <= 0 || z.Length % units != 0 || max.Length < units) throw new ArgumentException(
            $"Expected whole rows of {units} values and a maximum per unit.");
        int rows = z.Length / units;
        ref float rz = ref MemoryMarshal.GetReference(z);
        ref float rm = ref MemoryMarshal.GetReference(max);
        int j = 0, lanes = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            // Four blocks per pass over the rows: four independent chains of vmaxps instead of one at a time.
            for (; j + 4 * lanes <= units; j += 4 * lanes)
            {
                ref float m = ref Unsafe.Add(ref rm, j);
                Vector<float> b0 = Vector.LoadUnsafe(ref m), b1 = Vector.LoadUnsafe(ref m, (nuint)lanes);
                Vector<float> b2 = Vector.LoadUnsafe(ref m, (nuint)(2 * lanes)), b3 = Vector.LoadUnsafe(ref m,
                    (nuint)(3 * lanes));
                for (int r = 0; r < rows; r++)
                {
                    ref float row = ref Unsafe.Add(ref rz, r * units + j);
                    b0 = Vector.Max(Vector.LoadUnsafe(ref row), b0);
                    b1 = Vector.Max(Vector.LoadUnsafe(ref row, (nuint)lanes), b1);
                    b2 = Vector.Max(Vector.LoadUnsafe(ref row, (nuint)(2 * lanes)), b2);
                    b3 = Vector.Max(Vector.LoadUnsafe(ref row, (nuint)(3 * lanes)), b3);
                }
                b0.StoreUnsafe(ref m);
                b1.StoreUnsafe(ref m, (nuint)lanes);
                b2.StoreUnsafe(ref m, (nuint)(2 * lanes));
                b3.StoreUnsafe(ref m, (nuint)(3 * lanes));
            }
            for (; j + lanes <= units; j += lanes)
            {
                var block = Vector.LoadUnsafe(ref rm, (nuint)j);
                for (int r = 0; r < rows; r++)
                    block = Vector.Max(Vector.LoadUnsafe(ref rz, (nuint)(r * units + j)), block);
                block.StoreUnsafe(ref rm, (nuint)j);
            }
        }
        for (; j < units; j++)
        {
            float column = Unsafe.Add(ref rm, j);
            for (int r = 0; r < rows; r++) column = MathF.Max(column, Unsafe.Add(ref rz, r * units + j));
            Unsafe.Add(ref rm, j) = column;
        }
    }

    /// <summary>Number of values with |v| &gt; <paramref name="threshold"/>.</summary>
    internal static long CountBeyond(ReadOnlySpan<float> values, float threshold)
    {
        long count = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var limit = new Vector<float>(threshold);
            var counts = Vector<int>.Zero;
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
                // true lanes are -1
                counts -= Vector.GreaterThan(Vector.Abs(new Vector<float>(values.Slice(i))), limit);
            count = Vector.Sum(counts);
        }
        for (; i < values.Length; i++) if (Math.Abs(values[i]) > threshold) count++;
        return count;
    }
}
