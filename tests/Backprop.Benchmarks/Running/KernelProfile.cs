using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Backprop.Benchmarks.Workloads;

namespace Backprop.Benchmarks.Running;

/// <summary>
/// Where a W3 training step spends its time, on one thread: each of the step's parts (forward, backward, optimizer) and
/// each large product alone, timed over many repetitions, against an in-process FMA probe run between them. Prints the
/// fastest of each (on a busy machine the minimum is the time least inflated by other processes) and each one's
/// GFLOP/s counted honestly (2 FLOP per multiply-add, no input gradient for the first layer).
/// </summary>
public static class KernelProfile
{
    public static int Run(int rounds, int threads)
    {
        Sgemm.SetMaxThreads(threads);
        var workload = WorkloadCatalog.Get("W3");
        var spec = WorkloadNetworks.Spec(workload);
        var network = Network<float>.Create(spec);
        int rows = workload.BatchSize, inputs = spec.InputWidth, outputs = spec.OutputWidth;
        var rng = new Random(3);
        var x = Enumerable.Range(0, rows * inputs).Select(_ => (float)rng.NextDouble()).ToArray();
        var y = new float[rows * outputs];
        for (int r = 0; r < rows; r++) y[r * outputs + r % outputs] = 1;
        var workspace = network.CreateWorkspace(rows);
        var gradient = new float[network.Layout.Count];
        var adam = new OptimizerSettings(OptimizerKind.Adam, LearningRate: 1e-3);
        var optimizer = new Optimizer(adam, spec, network.Layout);
        var squaredNorms = new double[2 * network.Layout.LayerCount];

        long macs = 0, backwardMacs = 0;
        for (int l = 0; l < network.Layout.LayerCount; l++)
        {
            var view = network.Layout[l];
            macs += (long)rows * view.Units * view.Inputs;
            backwardMacs += (long)rows * view.Units * view.Inputs * (l == 0 ? 1 : 2);
        }
        // Setup (untimed) runs before each timed repetition: "after adam" times a forward pass in training's order,
        // with the weights wherever the optimizer's pass over 15 MB has left them.
        (string Name, double Flops, Action Body, Action? Setup)[] parts =
        [
            ("forward", 2.0 * macs, () => network.Forward(workspace, x, rows), null),
            ("forward after adam", 2.0 * macs, () => network.Forward(workspace, x, rows),
                () => optimizer.Apply(network.Parameters, gradient, 1e-9, threads)),
            ("backward", 2.0 * backwardMacs,
                () => network.Backward(workspace, x, y, rows, gradient, accumulate: false), null),
            ("adam step", 0, () => optimizer.Apply(network.Parameters, gradient, 1e-9, threads), null),
            // The epoch's two ways to get the per-layer gradient norms: a pass of their own before the update
            // (clipping, small networks), or summed inside Adam's pass.
            ("norms, then adam", 0, () =>
            {
                for (int part = 0; part < squaredNorms.Length; part++)
                {
                    var view = network.Layout[part / 2];
                    squaredNorms[part] = ElementWise.BlockedSumOfSquares(part % 2 == 0
                        ? gradient.AsSpan(view.WeightOffset, view.WeightCount)
                        : gradient.AsSpan(view.BiasOffset, view.Units));
                }
                optimizer.Apply(network.Parameters, gradient, 1e-9, threads);
            }, null),
            ("adam with norms", 0, () => optimizer.ApplyWithSquaredNorms(network.Parameters, gradient, 1e-9, threads,
                squaredNorms), null),
            ("step", 2.0 * (macs + backwardMacs), () =>
            {
                network.Forward(workspace, x, rows);
                network.Backward(workspace, x, y, rows, gradient, accumulate: false);
                optimizer.ApplyWithSquaredNorms(network.Parameters, gradient, 1e-9, threads, squaredNorms);
            }, null),
            .. Products(rows),
        ];
        var best = new double[parts.Length];
        var total = new double[parts.Length];
        Array.Fill(best, double.MaxValue);
        double bestPeak = 0;
        for (int round = 0; round < rounds; round++)
        {
            for (int rep = 0; rep < 20; rep++) bestPeak = Math.Max(bestPeak, FmaProbe());
            for (int i = 0; i < parts.Length; i++)
            {
                parts[i].Body();
                for (int rep = 0; rep < 20; rep++)
                {
                    parts[i].Setup?.Invoke();
                    long t0 = Stopwatch.GetTimestamp();
                    parts[i].Body();
                    double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                    best[i] = Math.Min(best[i], seconds);
                    total[i] += seconds;
                }
            }
        }
        Console.WriteLine($"W3 step parts (10-unit products run by Gemm in training, shown here through Sgemm), "
            + $"fastest of {rounds}×20, {threads} thread(s), kernel {Sgemm.Kernel}; "
            + $"in-process FMA probe {bestPeak:F1} GFLOP/s");
        for (int i = 0; i < parts.Length; i++)
        {
            double gflops = parts[i].Flops / best[i] / 1e9;
            // the mean beside the fastest: how much of a repetition's time the machine's other work (and a cold
            // cache) adds
            Console.WriteLine($"  {parts[i].Name,-34} {best[i] * 1e6,9:F1} µs {gflops,7:F1} GFLOP/s "
                + $"{gflops / bestPeak * 100,5:F1} % of probe; mean {total[i] / (20.0 * rounds) * 1e6,9:F1} µs");
        }
        return 0;
    }

    // The large products of a W3 step with the shapes and transposes the layers use.
    private static IEnumerable<(string, double, Action, Action?)> Products(int rows)
    {
        var rng = new Random(1);
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        foreach (var (units, inputs) in new[] { (512, 784), (256, 512), (10, 256) })
        {
            float[] a = Fill(rows * inputs), w = Fill(units * inputs), bias = Fill(units), z = new float[rows * units];
            float[] delta = Fill(rows * units), dW = new float[units * inputs], dA = new float[rows * inputs];
            double flops = 2.0 * rows * units * inputs;
            yield return ($"forward {inputs}->{units}", flops,
                () => Sgemm.Multiply(a, inputs, false, w, inputs, true, z, units, rows, units, inputs, false, bias),
                null);
            // The same product as Zᵀ = W·Aᵀ (packs the batch, reads the weights in place), after a pass over 16 MB
            // that leaves the weights where the optimizer does; and the usual one after the same pass.
            yield return ($"forward {inputs}->{units} transposed, cold W", flops,
                () => Sgemm.MultiplyTransposedOutput(a, inputs, w, inputs, z, units, rows, units, inputs, bias),
                Evict);
            yield return ($"forward {inputs}->{units}, cold W", flops,
                () => Sgemm.Multiply(a, inputs, false, w, inputs, true, z, units, rows, units, inputs, false, bias),
                Evict);
            yield return ($"weight gradient {units}x{inputs}", flops,
                () => Sgemm.Multiply(delta, units, true, a, inputs, false, dW, inputs, units, inputs, rows, false),
                null);
            yield return ($"input gradient {rows}x{inputs}", flops,
                () => Sgemm.Multiply(delta, units, false, w, inputs, false, dA, inputs, rows, inputs, units, false),
                null);
        }
    }

    private static readonly float[] s_evictor = new float[4 << 20];

    // Writes 16 MB, about what an Adam step streams, so that a product's operands come back from L3.
    private static void Evict()
    {
        for (int i = 0; i < s_evictor.Length; i += 16) s_evictor[i] += 1;
    }

    // One core's FMA rate: 16 independent chains of the widest vector FMA, as ../shared/bench/peak/fma.c does.
    private static double FmaProbe()
    {
        const int steps = 100_000; // about a millisecond, like the products
        long t0 = Stopwatch.GetTimestamp();
        float sink = Chains(steps);
        double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        if (sink == 42) Console.Write(""); // keeps the chains alive
        return steps * 16.0 * 32 / seconds / 1e9;
    }

    // No call inside, so the JIT keeps all 16 chains in registers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Chains(int steps)
    {
        var b = Vector512.Create(0.999999f);
        var c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(0.1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        Vector512<float> a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
        for (int i = 0; i < steps; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, b, c); a1 = Vector512.FusedMultiplyAdd(a1, b, c);
            a2 = Vector512.FusedMultiplyAdd(a2, b, c); a3 = Vector512.FusedMultiplyAdd(a3, b, c);
            a4 = Vector512.FusedMultiplyAdd(a4, b, c); a5 = Vector512.FusedMultiplyAdd(a5, b, c);
            a6 = Vector512.FusedMultiplyAdd(a6, b, c); a7 = Vector512.FusedMultiplyAdd(a7, b, c);
            a8 = Vector512.FusedMultiplyAdd(a8, b, c); a9 = Vector512.FusedMultiplyAdd(a9, b, c);
            a10 = Vector512.FusedMultiplyAdd(a10, b, c); a11 = Vector512.FusedMultiplyAdd(a11, b, c);
            a12 = Vector512.FusedMultiplyAdd(a12, b, c); a13 = Vector512.FusedMultiplyAdd(a13, b, c);
            a14 = Vector512.FusedMultiplyAdd(a14, b, c); a15 = Vector512.FusedMultiplyAdd(a15, b, c);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15);
    }
}
