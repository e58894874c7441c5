using System.Diagnostics;

namespace Backprop.Core;

/// <summary>
/// Fork/join for the parallel parts of one training step (SGEMM column slabs, the optimizer pass, the batch gather).
/// A multi-threaded W3 batch forks about six times, a few hundred microseconds apart; <see cref="Parallel.For(int, int, Action{int})"/>
/// wakes a sleeping pool thread each time (~15 µs measured here, several percent of the batch). The team's workers
/// instead spin for a short while after each job, so the next fork of the same step reaches a running thread, and only
/// then block. Part 0 runs on the caller. One caller at a time: a second concurrent caller (another job with threads)
/// falls back to <see cref="Parallel.For(int, int, Action{int})"/>, which gives the same partition and so the same results.
/// </summary>
internal sealed class ComputeTeam
{
    // How long an idle worker keeps spinning for the next job before it blocks: longer than the serial gaps inside a
    // training step, short enough that a finished run does not keep a core busy.
    private static readonly long SpinTicks = Stopwatch.Frequency / 2000; // 0.5 ms

    private static readonly Lazy<ComputeTeam> Shared = new(() => new ComputeTeam(Environment.ProcessorCount - 1));

    private readonly ManualResetEventSlim[] _wake;
    private readonly int[] _sleeping;
    private readonly Lock _gate = new();
    private int _generation; // incremented per job; workers run each generation once
    private int _pending;    // workers still running the current job
    private Action<int>? _body;
    private int _parts;
    private Exception? _error;

    private ComputeTeam(int workers)
    {
        _wake = new ManualResetEventSlim[Math.Max(0, workers)];
        _sleeping = new int[_wake.Length];
        for (int w = 0; w < _wake.Length; w++)
        {
            _wake[w] = new ManualResetEventSlim(false);
            int part = w + 1;
            new Thread(() => Work(part)) { IsBackground = true, Name = $"Backprop compute {part}" }.Start();
        }
    }

    /// <summary>Runs <paramref name="body"/>(0 … parts − 1), each part once, in parallel; returns when all have finished.</summary>
    public static void Run(int parts, Action<int> body)
    {
        if (parts <= 1)
        {
            if (parts == 1) body(0);
            return;
        }
        var team = Shared.Value;
        if (parts > team._wake.Length + 1 || !team._gate.TryEnter())
        {
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, body);
            return;
        }
        try
        {
            team.RunLocked(parts, body);
        }
        finally
        {
            team._gate.Exit();
        }
    }

    private void RunLocked(int parts, Action<int> body)
    {
        _body = body;
        _parts = parts;
        _error = null;
        Volatile.Write(ref _pending, _wake.Length);
        Interlocked.Increment(ref _generation); // full fence: publishes the job before any worker can see the new generation
        for (int w = 0; w < _wake.Length; w++)
            if (Volatile.Read(ref _sleeping[w]) == 1) _wake[w].Set();

        Exception? mine = null;
        try { body(0); }
        catch (Exception e) { mine = e; }

        var spinner = new SpinWait();
        while (Volatile.Read(ref _pending) > 0) spinner.SpinOnce(sleep1Threshold: -1);
        _body = null;
        if ((mine ?? _error) is { } failure) throw new AggregateException(failure);
    }

    private void Work(int part)
    {
        int seen = 0, w = part - 1;
        while (true)
        {
            int generation;
            long spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            while ((generation = Volatile.Read(ref _generation)) == seen)
            {
                if (Stopwatch.GetTimestamp() < spinUntil)
                {
                    Thread.SpinWait(16);
                    continue;
                }
                // Block, without missing a job posted meanwhile: announce, then look once more (the caller increments
                // the generation before it reads the flag; both sides use full fences).
                _wake[w].Reset();
                Interlocked.Exchange(ref _sleeping[w], 1);
                if (Volatile.Read(ref _generation) == seen) _wake[w].Wait();
                Volatile.Write(ref _sleeping[w], 0);
                spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            }
            seen = generation;
            if (part < _parts)
            {
                try { _body!(part); }
                catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
            }
            Interlocked.Decrement(ref _pending);
        }
    }
}
