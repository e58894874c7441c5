using System.ComponentModel.DataAnnotations;

namespace Backprop.Api.Infrastructure;

/// <summary>Size limits that keep one request from exhausting the service ("Limits" section).</summary>
public sealed class LimitsOptions
{
    public const string Section = "Limits";

    /// <summary>Layers per network.</summary>
    [Range(1, 10_000)] public int MaxLayers { get; set; } = 64;
    /// <summary>Input width (features) of a network or an imported model.</summary>
    [Range(1, int.MaxValue)] public int MaxInputWidth { get; set; } = 10_000;
    /// <summary>Units in any one layer.</summary>
    [Range(1, int.MaxValue)] public int MaxUnitsPerLayer { get; set; } = 65_536;
    /// <summary>Trainable parameters (weights + biases) per network.</summary>
    [Range(1, long.MaxValue)] public long MaxParameters { get; set; } = 50_000_000;
    /// <summary>Epochs per training job.</summary>
    [Range(1, int.MaxValue)] public int MaxEpochs { get; set; } = 100_000;
    /// <summary>Rows per prediction request.</summary>
    [Range(1, 1_000_000)] public int MaxPredictionRows { get; set; } = 10_000;
    /// <summary>
    /// Values one prediction request may hold: rows × max(input width, outputs, classes), checked before any buffer is
    /// sized (4,194,304 floats = 16 MiB per buffer).
    /// </summary>
    [Range(1, long.MaxValue)] public long MaxPredictionValues { get; set; } = 4L << 20;
    /// <summary>Rows a gradient check may use (each costs two forward passes per parameter).</summary>
    [Range(1, 1_000)] public int MaxGradientCheckRows { get; set; } = 16;
    /// <summary>Work of one gradient check, parameters² × rows multiply-adds (about 1 s of one core at the
    /// default).</summary>
    [Range(1, long.MaxValue)] public long MaxGradientCheckCost { get; set; } = 2_000_000_000;
    /// <summary>Parameters a gradient check may perturb.</summary>
    [Range(1, long.MaxValue)] public long MaxGradientCheckParameters { get; set; } = 100_000;
    /// <summary>Multiply-adds a sanity check may spend (about 3 × parameters × rows × epochs).</summary>
    [Range(1d, double.MaxValue)] public double MaxSanityCheckCost { get; set; } = 5e9;
    /// <summary>Largest request body in bytes (dataset uploads included).</summary>
    [Range(1024, long.MaxValue)] public long MaxRequestBodyBytes { get; set; } = 64 * 1024 * 1024;
    /// <summary>Slowest acceptable request body, after <see cref="RequestBodyGracePeriod"/> (slower → 408).</summary>
    [Range(1d, double.MaxValue)] public double MinRequestBodyBytesPerSecond { get; set; } = 240;
    [Range(typeof(TimeSpan), "00:00:02", "00:10:00")] public TimeSpan RequestBodyGracePeriod { get; set; } =
        TimeSpan.FromSeconds(5);
    /// <summary>Time a client has to send all request headers.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")] public TimeSpan RequestHeadersTimeout { get; set; } =
        TimeSpan.FromSeconds(30);
    /// <summary>Largest page of a listing.</summary>
    [Range(1, 10_000)] public int MaxPageSize { get; set; } = 100;
}
