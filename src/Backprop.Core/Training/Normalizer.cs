using System.Runtime.CompilerServices;
namespace Backprop.Core.Training;

/// <summary>How input columns (and regression targets) are scaled before training.</summary>
public enum NormalizationKind
{
    /// <summary><c>(x − mean) / std</c> with the population std.</summary>
    ZScore,
    /// <summary><c>(x − min) / (max − min)</c> into [0, 1].</summary>
    MinMax,
    /// <summary>Values used as given.</summary>
    None,
}

/// <summary>
/// Per-column affine map <c>x' = (x − offset) / scale</c>, fitted on the training split only and stored with the model.
/// A column with zero spread keeps scale 1 (left unscaled) instead of dividing by zero.
/// </summary>
public sealed record Normalizer(NormalizationKind Kind, double[] Offsets, double[] Scales)
{
    /// <summary>Number of columns.</summary>
    public int Width => Offsets.Length;

    /// <summary>The identity map over <paramref name="width"/> columns.</summary>
    public static Normalizer Identity(int width) => new(NormalizationKind.None, new double[width],
        Enumerable.Repeat(1.0, width).ToArray());

    /// <summary>Fits <paramref name="kind"/> on the listed rows of a row-major <c>(rows, width)</c> matrix, in double
    /// precision.</summary>
    public static Normalizer Fit(NormalizationKind kind, ReadOnlySpan<float> values, int width, ReadOnlySpan<int> rows)
    {
        if (kind == NormalizationKind.None || rows.Length == 0) return Identity(width) with { Kind = kind };
        var offsets = new double[width];
        var scales = new double[width];
        if (kind == NormalizationKind.ZScore)
        {
            var sum = new double[width];
            foreach (int r in rows) for (int c = 0; c < width; c++) sum[c] += values[r * width + c];
            for (int c = 0; c < width; c++) offsets[c] = sum[c] / rows.Length;
            var sq = new double[width];
            foreach (int r in rows)
                for (int c = 0; c < width; c++) { double d = values[r * width + c] - offsets[c]; sq[c] += d * d; }
            for (int c = 0; c < width; c++) scales[c] = Math.Sqrt(sq[c] / rows.Length);
        }
        else
        {
            var min = Enumerable.Repeat(double.PositiveInfinity, width).ToArray();
            var max = Enumerable.Repeat(double.NegativeInfinity, width).ToArray();
            foreach (int r in rows)
                for (int c = 0; c < width; c++) { double v = values[r * width + c]; min[c] = Math.Min(min[c],
                    v); max[c] = Math.Max(max[c], v); }
            for (int c = 0; c < width; c++) { offsets[c] = min[c]; scales[c] = max[c] - min[c]; }
        }
        for (int c = 0; c < width; c++)
            // constant column: shift only, never divide by ~0
            if (!(scales[c] > 1e-12 * Math.Max(1, Math.Abs(offsets[c])))) scales[c] = 1;
        return new Normalizer(kind, offsets, scales);
    }

    /// <summary>Writes <c>(x − offset) / scale</c> for a row-major block of whole rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(ReadOnlySpan<float> raw, Span<float> normalized)
    {
        if (raw.Length % Width != 0 || normalized.Length < raw.Length) throw new ArgumentException(
            "Buffers must hold whole rows.");
        var offsets = Offsets.AsSpan(0, Width);
        var scales = Scales.AsSpan(0, Width);
        for (int row = 0; row < raw.Length; row += Width)
        {
            var source = raw.Slice(row, Width);
            var target = normalized.Slice(row, Width);
            for (int c = 0; c < source.Length; c++) target[c] = (float)((source[c] - offsets[c]) / scales[c]);
        }
    }

    /// <summary>Writes <c>x · scale + offset</c> (back to raw units) for a row-major block of whole rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Invert(ReadOnlySpan<float> normalized, Span<float> raw)
    {
        if (normalized.Length % Width != 0 || raw.Length < normalized.Length) throw new ArgumentException(
            "Buffers must hold whole rows.");
        var offsets = Offsets.AsSpan(0, Width);
        var scales = Scales.AsSpan(0, Width);
        for (int row = 0; row < normalized.Length; row += Width)
        {
            var source = normalized.Slice(row, Width);
            var target = raw.Slice(row, Width);
            for (int c = 0; c < source.Length; c++) target[c] = (float)(source[c] * scales[c] + offsets[c]);
        }
    }
}
