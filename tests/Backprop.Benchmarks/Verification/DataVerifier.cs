using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Backprop.Benchmarks.Running;
using Backprop.Benchmarks.Workloads;

namespace Backprop.Benchmarks.Verification;

/// <summary>
/// <c>verify-data</c>: regenerates every workload's arrays and compares them with the reference checksums,
/// so that a data bug is caught before it is mistaken for a training difference.
/// Also checks the core's SplitMix64, its initial weights and its epoch-0 shuffle.
/// </summary>
public static class DataVerifier
{
    public static int Run()
    {
        int failures = 0;
        void Check(string what, bool ok, string detail = "")
        {
            Console.WriteLine($"{(ok ? "pass" : "FAIL")}  {what}{(ok || detail == "" ? "" : "  " + detail)}");
            if (!ok) failures++;
        }

        var first3 = Enumerable.Range(0, 3).Select(i => SplitMix64.Next(0, (ulong)i)).ToArray();
        Check("splitmix64 out(0, 0..2)", first3.SequenceEqual(ExpectedChecksums.SplitMix64Seed0),
            string.Join(",", first3));

        foreach (var workload in WorkloadCatalog.All)
        {
            var data = workload.Load();
            if (ExpectedChecksums.Data.TryGetValue(workload.Name, out var expected))
            {
                CheckSplit(Check, $"{workload.Name} train", data.Train, expected.Train, data.ClassCount);
                CheckSplit(Check, $"{workload.Name} test", data.Test, expected.Test, data.ClassCount);
            }
            CheckModel(Check, workload, ExpectedChecksums.Models[workload.Name], data.Train.Rows);
        }
        Console.WriteLine(failures == 0 ? "verify-data: all checks pass" : $"verify-data: {failures} check(s) FAILED");
        return failures == 0 ? 0 : 1;
    }

    private static void CheckSplit(Action<string, bool, string> check, string name, DataSplit split,
        SplitChecksums expected, int classes)
    {
        string x = Sha256(MemoryMarshal.AsBytes(split.Features.AsSpan()));
        string y = Sha256(MemoryMarshal.AsBytes(split.Labels.AsSpan()));
        check($"{name} x sha256 ({split.Rows}×{split.Width} float32)", x == expected.Features, x);
        check($"{name} y sha256 ({split.Rows} int32)", y == expected.Labels, y);
        if (expected.ClassCounts.Length > 0)
        {
            var counts = new int[classes];
            foreach (int label in split.Labels) counts[label]++;
            check($"{name} class counts", counts.SequenceEqual(expected.ClassCounts), string.Join(",", counts));
        }
        if (expected.FirstFeatures.Length > 0)
        {
            var first = split.Features.AsSpan(0, expected.FirstFeatures.Length);
            check($"{name} x[0, 0..3]", first.SequenceEqual(expected.FirstFeatures), string.Join(",", first.ToArray()));
        }
    }

    private static void CheckModel(Action<string, bool, string> check, WorkloadDefinition workload,
        ModelChecksums expected, int trainRows)
    {
        var network = Network<float>.Create(WorkloadNetworks.Spec(workload));
        for (int l = 0; l < network.Layout.LayerCount; l++)
        {
            string hash = Sha256(MemoryMarshal.AsBytes(network.Weights(network.Layout[l])));
            check($"{workload.Name} init W{l} sha256 (core Initializer)", hash == expected.LayerWeights[l], hash);
        }
        var first = network.Weights(network.Layout[0])[..4].ToArray();
        check($"{workload.Name} init W0[0..3]", first.SequenceEqual(expected.FirstWeights), string.Join(",", first));
        if (expected.FirstPermutation is { } perm)
        {
            var order = new int[trainRows];
            SplitMix64.Permutation(SplitMix64.Stream(workload.Seed, SplitMix64.Streams.ShuffleBase), order,
                new ulong[trainRows]);
            check($"{workload.Name} perm_0[0..7] (core Permutation)", order.AsSpan(0, 8).SequenceEqual(perm),
                string.Join(",", order[..8]));
        }
    }

    private static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
