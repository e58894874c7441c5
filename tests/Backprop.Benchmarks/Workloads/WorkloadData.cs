namespace Backprop.Benchmarks.Workloads;

/// <summary>One split of a classification workload: features <c>(Rows, Width)</c> row-major float32, labels
/// <c>(Rows)</c>.</summary>
public sealed record DataSplit(float[] Features, int[] Labels, int Rows, int Width);

/// <summary>The train and test splits of a workload (W1 uses the same 4 samples for both).</summary>
public sealed record WorkloadData(DataSplit Train, DataSplit Test, int ClassCount);
