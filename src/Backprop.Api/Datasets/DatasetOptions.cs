using System.ComponentModel.DataAnnotations;

namespace Backprop.Api.Datasets;

/// <summary>Upload limits ("Datasets" section), checked at start. Bytes are answered 413; rows, columns and cells
/// 400.</summary>
public sealed class DatasetOptions
{
    public const string Section = "Datasets";

    /// <summary>Largest upload request body in bytes (multipart framing included); it overrides Kestrel's server-wide
    /// body limit for uploads. At most 2 GiB.</summary>
    [Range(1d, int.MaxValue)] public long MaxUploadBytes { get; set; } = 50L * 1024 * 1024;
    /// <summary>Data rows (the CSV header not counted).</summary>
    [Range(1, int.MaxValue)] public int MaxRows { get; set; } = 1_000_000;
    /// <summary>Columns, the target included.</summary>
    [Range(2, 100_000)] public int MaxColumns { get; set; } = 10_000;
    /// <summary>Rows × columns.</summary>
    [Range(2, long.MaxValue)] public long MaxCells { get; set; } = 50_000_000;
    /// <summary>Distinct levels of one categorical column.</summary>
    [Range(2, 1_000_000)] public int MaxLevelsPerColumn { get; set; } = 1000;
    /// <summary>Network inputs of the widest preparation: each column 1 (numeric, boolean) or its levels (categorical),
    /// + 1 where it has missing cells (an indicator or a missing level).</summary>
    [Range(1, 10_000_000)] public int MaxEncodedWidth { get; set; } = 10_000;
}

/// <summary>Fixed limits that are part of the API's contract rather than deployment settings.</summary>
public static class DatasetLimits
{
    public const int MaxNameLength = 200;
    public const int MaxColumnNameLength = 200;
    public const int MaxPreviewRows = 1000;
    /// <summary>A numeric target with at most this many distinct integer values is taken as class labels when no task
    /// is given.</summary>
    public const int MaxInferredClasses = 20;
    /// <summary>Cell problems reported before parsing stops.</summary>
    public const int MaxReportedProblems = 10;
}
