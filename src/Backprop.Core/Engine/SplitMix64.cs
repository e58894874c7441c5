using System.Runtime.CompilerServices;
namespace Backprop.Core.Engine;

/// <summary>
/// Indexed SplitMix64: <c>Next(seed, i)</c> is the i-th output of a SplitMix64 generator started at <c>seed</c>.
/// Counter-based, so a random stream's whole state is (seed, index) — trivially saved and restored.
/// </summary>
public static class SplitMix64
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;

    /// <summary>The <paramref name="index"/>-th (0-based) output of the generator seeded with <paramref
    /// name="seed"/>.</summary>
    public static ulong Next(ulong seed, ulong index)
    {
        ulong z = unchecked(seed + (index + 1) * Gamma);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public static double NextDouble(ulong seed, ulong index) => (Next(seed, index) >> 11) * (1.0 / (1UL << 53));

    /// <summary>Seed of stream <paramref name="k"/> derived from a user seed: <c>seed·1000 + k</c>.</summary>
    public static ulong Stream(ulong seed, ulong k) => unchecked(seed * 1000 + k);

    /// <summary>Stream numbers used by the core.</summary>
    public static class Streams
    {
        /// <summary>Initial weights, one counter over all layers.</summary>
        public const ulong Init = 1;
        /// <summary>Validation split.</summary>
        public const ulong Split = 5;
        /// <summary>Dropout masks: epoch e's seed is the e-th output of this stream (see <see
        /// cref="DropoutMasks{T}.EpochSeed"/>).</summary>
        public const ulong Dropout = 7;
        /// <summary>Cross-validation folds (seeded by the fold's shuffle seed, not the run's).</summary>
        public const ulong Folds = 9;
        /// <summary>Shuffle of epoch e uses stream <c>ShuffleBase + e</c>.</summary>
        public const ulong ShuffleBase = 100;
    }

    /// <summary>
    /// Writes into <paramref name="order"/> the permutation that sorts the keys <c>Next(seed, i)</c> ascending
    /// (the benchmark workloads' epoch shuffle). <paramref name="keys"/> is scratch of the same length.
    /// </summary>
    public static void Permutation(ulong seed, Span<int> order, Span<ulong> keys) => Permutation(seed, order, keys,
        default, default);

    /// <summary>
    /// As <see cref="Permutation(ulong, Span{int}, Span{ulong})"/>; with two more scratch buffers of the same length
    /// the keys are radix-sorted (linear time: a 100k-row shuffle in a fraction of a comparison sort's time). The keys
    /// of a stream are distinct in practice, so both sorts give the same order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Permutation(ulong seed, Span<int> order, Span<ulong> keys, Span<int> orderScratch,
        Span<ulong> keyScratch)
    {
        if (keys.Length != order.Length) throw new ArgumentException("keys and order must have the same length.");
        for (int i = 0; i < order.Length; i++)
        {
            keys[i] = Next(seed, (ulong)i);
            order[i] = i;
        }
        if (order.Length < RadixMinimum || orderScratch.Length < order.Length || keyScratch.Length < order.Length)
            keys.Sort(order);
        else
            RadixSort(keys, order, keyScratch.Slice(0, keys.Length), orderScratch.Slice(0, order.Length));
    }

    // LSD radix sort on 64-bit keys, 11-bit digits (an 8 KB histogram per pass stays in L1): 6 passes, all histograms
    // counted in one sweep first. An even number of passes leaves the result in the caller's buffers.
    private const int DigitBits = 11, Buckets = 1 << DigitBits, Passes = 6, RadixMinimum = 256;

    [ThreadStatic] private static int[]? t_histograms;

    private static void RadixSort(Span<ulong> keys, Span<int> items, Span<ulong> keys2, Span<int> items2)
    {
        var counts = t_histograms ??= new int[Passes * Buckets];
        Array.Clear(counts);
        foreach (ulong key in keys)
            for (int pass = 0; pass < Passes; pass++)
                counts[pass * Buckets + (int)((key >> (pass * DigitBits)) & (Buckets - 1))]++;
        for (int pass = 0; pass < Passes; pass++)
        {
            var offsets = counts.AsSpan(pass * Buckets, Buckets);
            int sum = 0;
            for (int b = 0; b < Buckets; b++) { int c = offsets[b]; offsets[b] = sum; sum += c; }
            int shift = pass * DigitBits;
            for (int i = 0; i < keys.Length; i++)
            {
                ulong key = keys[i];
                int to = offsets[(int)((key >> shift) & (Buckets - 1))]++;
                keys2[to] = key;
                items2[to] = items[i];
            }
            var k = keys; keys = keys2; keys2 = k;
            var it = items; items = items2; items2 = it;
        }
    }
}
