namespace Backprop.Core.Engine;

/// <summary>
/// Inverted-dropout masks for one batch: per masked layer (and the input) a <c>(rows, units)</c> buffer of 0 or
/// <c>1/(1−p)</c>, and the masked activations the next layer reads. Drawn from a counter-based stream, so a batch's
/// masks are a function of (seed, counter) alone and a resumed run draws the same ones. Training only: evaluation and
/// prediction pass no masks, and because the kept units are scaled up during training the plain network is the expected
/// value.
/// </summary>
public sealed class DropoutMasks<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly double _inputRate;
    private readonly double[] _rates;
    private readonly T[]? _inputMask, _inputDropped; // (rows, inputs)
    private readonly T[]?[] _masks, _dropped;        // per layer (rows, units); null where the layer has no dropout

    /// <summary>Buffers for batches of up to <paramref name="capacity"/> rows of <paramref name="spec"/>.</summary>
    public DropoutMasks(NetworkSpec spec, int capacity)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity), "Capacity must be positive.");
        Capacity = capacity;
        _inputRate = spec.InputDropout;
        if (_inputRate > 0)
        {
            _inputMask = new T[capacity * spec.InputWidth];
            _inputDropped = new T[capacity * spec.InputWidth];
        }
        _rates = spec.Layers.Select(l => l.Dropout).ToArray();
        _masks = new T[]?[_rates.Length];
        _dropped = new T[]?[_rates.Length];
        for (int l = 0; l < _rates.Length; l++)
        {
            if (_rates[l] <= 0) continue;
            _masks[l] = new T[capacity * spec.Layers[l].Units];
            _dropped[l] = new T[capacity * spec.Layers[l].Units];
        }
    }

    /// <summary>Maximum rows per batch.</summary>
    public int Capacity { get; }

    /// <summary>
    /// Draws fresh masks for <paramref name="rows"/> rows: element i (input first, then layers in order, row-major) is
    /// kept when the i-th uniform of the stream, from <paramref name="counter"/> on, is at least the rate. Advances the
    /// counter.
    /// </summary>
    public void Draw(ulong seed, ref ulong counter, int rows)
    {
        if (rows <= 0 || rows > Capacity) throw new ArgumentOutOfRangeException(nameof(rows),
            $"Rows must be in 1..{Capacity}, got {rows}.");
        if (_inputMask is not null) Fill(_inputMask.AsSpan(0, rows * (_inputMask.Length / Capacity)), _inputRate, seed,
            ref counter);
        for (int l = 0; l < _masks.Length; l++)
            if (_masks[l] is { } mask) Fill(mask.AsSpan(0, rows * (mask.Length / Capacity)), _rates[l], seed,
                ref counter);
    }

    private static void Fill(Span<T> mask, double rate, ulong seed, ref ulong counter)
    {
        T kept = T.CreateTruncating(1.0 / (1.0 - rate));
        for (int i = 0; i < mask.Length; i++)
            mask[i] = SplitMix64.NextDouble(seed, counter++) >= rate ? kept : T.Zero;
    }

    internal Span<T> InputMask(int count) => _inputMask is null ? default : _inputMask.AsSpan(0, count);
    internal Span<T> InputDropped(int count) => _inputDropped is null ? default : _inputDropped.AsSpan(0, count);
    internal bool HasInput => _inputMask is not null;
    internal bool Has(int layer) => _masks[layer] is not null;
    internal Span<T> Mask(int layer, int count) => _masks[layer].AsSpan(0, count);
    internal Span<T> Dropped(int layer, int count) => _dropped[layer].AsSpan(0, count);

    /// <summary>The seed of epoch <paramref name="epoch"/>'s masks in a run seeded with <paramref name="runSeed"/> (the
    /// counter restarts at 0 each epoch).</summary>
    public static ulong EpochSeed(ulong runSeed, int epoch) => SplitMix64.Next(SplitMix64.Stream(runSeed,
        SplitMix64.Streams.Dropout), (ulong)epoch);
}
