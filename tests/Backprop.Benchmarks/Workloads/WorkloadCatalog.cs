namespace Backprop.Benchmarks.Workloads;

/// <summary>A benchmark workload: the seed of every stream, the layer sizes and the schedule.</summary>
/// <param name="Sizes">Input width, hidden widths, output width (e.g. 32-64-64-10).</param>
public sealed record WorkloadDefinition(string Name, ulong Seed, int[] Sizes, int Epochs, int BatchSize,
    Func<WorkloadData> Load)
{
    /// <summary>W1 is the sigmoid/MSE/plain-SGD XOR net; the others are ReLU/softmax/Adam classifiers.</summary>
    public bool IsXor => Name == "W1";

    public long ParameterCount => Sizes.Zip(Sizes.Skip(1), (a, b) => (long)a * b + b).Sum();
}

public static class WorkloadCatalog
{
    public static readonly IReadOnlyList<WorkloadDefinition> All =
    [
        new("W1", 1, [3, 4, 1], Epochs: 10_000, BatchSize: 4, XorData.Create),
        new("W2", 2, [32, 64, 64, 10], Epochs: 3, BatchSize: 256,
            () => Synthetic(seed: 2, width: 32, symmetric: true, trainRows: 100_000)),
        new("W3", 3, [784, 512, 256, 10], Epochs: 1, BatchSize: 128,
            () => Synthetic(seed: 3, width: 784, symmetric: false, trainRows: 60_000)),
        new("W4", 4, [64, 64, 10], Epochs: 50, BatchSize: 32,
            () => CsvData.Load(Path.Combine(AppContext.BaseDirectory, "data", "digits"), classCount: 10)),
    ];

    /// <summary>Environment variable that overrides a workload's epoch count (set by <c>--epochs</c>; inherited by
    /// child runs).</summary>
    public const string EpochsVariable = "BACKPROP_BENCH_EPOCHS";

    public static WorkloadDefinition Get(string name)
    {
        var workload = All.FirstOrDefault(w => string.Equals(w.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown workload '{name}' (expected W1..W4).");
        return int.TryParse(Environment.GetEnvironmentVariable(EpochsVariable), out int epochs) && epochs > 0
            ? workload with { Epochs = epochs } : workload;
    }

    /// <summary>W2/W3: 10 classes, a 32-unit teacher, 10,000 test rows.</summary>
    public static WorkloadData Synthetic(ulong seed, int width, bool symmetric, int trainRows)
    {
        var teacher = new TeacherData(seed, width, classes: 10, teacherHidden: 32, symmetric);
        return new WorkloadData(teacher.Generate(streamK: 3, trainRows), teacher.Generate(streamK: 4, 10_000),
            ClassCount: 10);
    }
}
