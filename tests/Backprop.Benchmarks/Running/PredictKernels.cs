using Backprop.Benchmarks.Workloads;

namespace Backprop.Benchmarks.Running;

/// <summary>
/// Rows per second of the packed inference layers alone (<see cref="PackedDense"/>: the W4 and W3 networks' dense
/// products, no activations) with each kernel this CPU runs, interleaved call by call per round, so the ratio between
/// kernels holds on a loaded machine.
/// </summary>
public static class PredictKernels
{
    private static readonly int[] Batches = [1, 32, 1000];

    public static int Run(int rounds, double seconds)
    {
        var kernels = Enum.GetValues<SgemmKernel>().Where(k => k != SgemmKernel.Scalar && Sgemm.IsSupported(k))
            .ToList();
        foreach (string name in new[] { "W4", "W3" })
        {
            var spec = WorkloadNetworks.Spec(WorkloadCatalog.Get(name));
            var parameters = Network<float>.Create(spec).Parameters;
            var layout = new ParameterLayout(spec);
            var layers = Enumerable.Range(0, layout.LayerCount).Select(l => layout[l]).Select(v => new PackedDense(
                parameters.AsSpan(v.WeightOffset, v.WeightCount), parameters.AsSpan(v.BiasOffset, v.Units), v.Units,
                v.Inputs)).ToArray();
            var random = new Random(3);
            var input = new float[Batches.Max() * spec.InputWidth];
            for (int i = 0; i < input.Length; i++) input[i] = random.NextSingle();
            var buffers = layers.Select(l => new float[Batches.Max() * l.Units]).ToArray();
            foreach (int batch in Batches)
                for (int round = 1; round <= rounds; round++)
                {
                    var rates = kernels.Select(kernel => Measure(batch, seconds, () =>
                    {
                        ReadOnlySpan<float> previous = input.AsSpan(0, batch * spec.InputWidth);
                        for (int l = 0; l < layers.Length; l++)
                        {
                            layers[l].Forward(kernel, previous, buffers[l], batch);
                            previous = buffers[l].AsSpan(0, batch * layers[l].Units);
                        }
                    })).ToList();
                    string perKernelCpu = string.Join(",", kernels.Select((k, i) => FormattableString.Invariant(
                        $"\"{k}_rows_per_cpu_sec\":{rates[i].Cpu:F0}")));
                    string perKernel = string.Join(",", kernels.Select((k, i) => FormattableString.Invariant(
                        $"\"{k}_rows_per_sec\":{rates[i].Wall:F0}")));
                    Console.WriteLine(FormattableString.Invariant(
                        $"{{\"benchmark\":\"predict-kernels\",\"workload\":\"{name}\",\"batch\":{batch},")
                        + FormattableString.Invariant($"\"round\":{round},{perKernel},{perKernelCpu},")
                        + FormattableString.Invariant($"\"ratio_last_to_first\":{rates[^1].Wall / rates[0].Wall:F3},")
                        + FormattableString.Invariant(
                            $"\"cpu_ratio_last_to_first\":{rates[^1].Cpu / rates[0].Cpu:F3}}}"));
                }
        }
        return 0;
    }

    private static (double Wall, double Cpu) Measure(int batch, double seconds, Action call)
    {
        for (int i = 0; i < 10; i++) call();
        return CpuClock.Measure(batch, seconds, call);
    }
}
