namespace Backprop.Benchmarks.Workloads;

/// <summary>W1: the classic XOR samples; the third column is a constant input that acts as a bias.</summary>
public static class XorData
{
    public static WorkloadData Create()
    {
        float[] features = [0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1]; // (4, 3)
        int[] labels = [0, 1, 1, 0];
        var split = new DataSplit(features, labels, Rows: 4, Width: 3);
        return new WorkloadData(split, split, ClassCount: 2);
    }
}
