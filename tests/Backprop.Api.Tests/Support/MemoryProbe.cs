using System.Diagnostics;

namespace Backprop.Api.Tests.Support;

/// <summary>Tests that measure this process's memory run alone: no other test allocates while they measure.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryCollection
{
    public const string Name = "Memory";
}

/// <summary>
/// What an action costs this process in memory: bytes allocated on the managed heap (every thread, the test server's
/// included) and the growth of the peak working set. On Linux the peak (VmHWM) is reset first, so the growth is the
/// action's own rather than hidden under an earlier peak.
/// </summary>
public static class MemoryProbe
{
    public const long Megabyte = 1024 * 1024;

    public sealed record Cost(long AllocatedBytes, long PeakWorkingSetGrowth)
    {
        public override string ToString() =>
            $"allocated {AllocatedBytes / Megabyte} MB, peak working set +{PeakWorkingSetGrowth / Megabyte} MB";
    }

    public static async Task<(T Result, Cost Cost)> MeasureAsync<T>(Func<Task<T>> action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        ResetPeak();
        using var process = Process.GetCurrentProcess();
        long before = process.WorkingSet64, allocated = GC.GetTotalAllocatedBytes(precise: true);
        var result = await action();
        long allocatedDuring = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        process.Refresh();
        return (result, new Cost(allocatedDuring, Math.Max(0, process.PeakWorkingSet64 - before)));
    }

    private static void ResetPeak()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        // not Linux: the peak only grows
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException) { }
    }
}
