using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Backprop.Benchmarks.Running;

/// <summary>
/// This process's CPU time (Linux <c>CLOCK_PROCESS_CPUTIME_ID</c>, every thread: a peer's helper threads count too):
/// time it ran, leaving out the time it waited for a core. On a machine shared with other work, rates per CPU-second
/// of a single-threaded measurement move far less than rates per wall-clock second, so benchmarks report both.
/// Elsewhere it reads NaN.
/// </summary>
internal static partial class CpuClock
{
    private const int ProcessCpuTimeId = 2;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>Seconds of CPU time this process has used.</summary>
    public static double Seconds()
    {
        if (!OperatingSystem.IsLinux()) return double.NaN;
        return ClockGetTime(ProcessCpuTimeId, out var t) == 0 ? t.Seconds + t.Nanoseconds * 1e-9 : double.NaN;
    }

    /// <summary>Rows per wall-clock second and per CPU-second of calls repeated for <paramref
    /// name="seconds"/>.</summary>
    public static (double Wall, double Cpu) Measure(int batch, double seconds, Action call)
    {
        long limit = (long)(seconds * Stopwatch.Frequency), calls = 0;
        double cpuStarted = Seconds();
        long started = Stopwatch.GetTimestamp(), now;
        do
        {
            call();
            calls++;
        } while ((now = Stopwatch.GetTimestamp()) - started < limit);
        double rows = calls * (double)batch;
        return (rows * Stopwatch.Frequency / (now - started), rows / (Seconds() - cpuStarted));
    }
}
