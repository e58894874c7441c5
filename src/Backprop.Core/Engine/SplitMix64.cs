using System.Runtime.CompilerServices;
namespace Backprop.Core;

/// <summary>
/// Indexed SplitMix64: <c>Next(seed, i)</c> is the i-th output of a SplitMix64 generator started at <c>seed</c>.
/// Counter-based, so a random stream's whole state is (seed, index) — trivially saved and restored.
/// </summary>
public static class SplitMix64
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;

    /// <summary>The <paramref name="index"/>-th (0-based) output of the generator seeded with <paramref name="seed"/>.</summary>
    public static ulong Next(ulong seed, ulong index)
    {
        ulong z = unchecked(seed + (index + 1) * Gamma);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public static double NextDouble(ulong seed, ulong index) => (Next(seed, index) >> 11) * (1.0 / (1UL << 53));

    /// <summary>Seed of stream <paramref name="k"/> derived from a user seed: <c>seed·1000 + k</c> (see bench/WORKLOADS.md).</summary>
    public static ulong Stream(ulong seed, ulong k) => unchecked(seed * 1000 + k);

    /// <summary>Stream numbers used by the core.</summary>
    public static class Streams
    {
        /// <summary>Initial weights, one counter over all layers.</summary>
        public const ulong Init = 1;
        /// <summary>Validation split.</summary>
        public const ulong Split = 5;
        /// <summary>Shuffle of epoch e uses stream <c>ShuffleBase + e</c>.</summary>
        public const ulong ShuffleBase = 100;
    }

    /// <summary>
    /// Writes into <paramref name="order"/> the permutation that sorts the keys <c>Next(seed, i)</c> ascending
    /// (the epoch shuffle of WORKLOADS.md). <paramref name="keys"/> is scratch of the same length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Permutation(ulong seed, Span<int> order, Span<ulong> keys)
    {
        if (keys.Length != order.Length) throw new ArgumentException("keys and order must have the same length.");
        for (int i = 0; i < order.Length; i++)
        {
            keys[i] = Next(seed, (ulong)i);
            order[i] = i;
        }
        keys.Sort(order);
    }
}
