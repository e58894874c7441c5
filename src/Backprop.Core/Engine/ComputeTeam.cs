using System.Diagnostics;

namespace Backprop.Core.Engine;

/// <summary>
/// Fork/join for the parallel parts of one training step (SGEMM column chunks, the optimizer pass, the batch gather). A
/// multi-threaded W3 batch forks about six times, a few hundred microseconds apart; <see cref="Parallel.For(int, int,
/// Action{int})"/> wakes a sleeping pool thread each time (~15 µs measured here, several percent of the batch). The
/// team's workers instead spin for a short while after each job, so the next fork of the same step reaches a running
/// thread, and only then block. Part 0 runs on the caller. One caller at a time: a second concurrent caller (another
/// job with threads) falls back to <see cref="Parallel.For(int, int, Action{int})"/>, which gives the same partition
/// and so the same results.
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
    private Job? _job;       // the latest job; workers run part w + 1 of each job with more than w + 1 parts
    private int _generation; // written only by the caller holding the gate

    // Everything a worker needs, published as one object, so a worker never mixes the fields of two jobs. An optional
    // job's workers join it (Pending counts only those that did) until the caller closes it.
    private sealed class Job(Action<int> body, int parts, int generation, bool optional)
    {
        public readonly Action<int> Body = body;
        public readonly int Parts = parts;
        public readonly int Generation = generation;
        public readonly bool Optional = optional;
        public int Pending = optional ? 0 : parts - 1; // workers still running their part
        public volatile bool Closed;
        public Exception? Error;
    }

    /// <summary>A team with <paramref name="workers"/> threads besides the caller's (the shared one has one per extra
    /// core).</summary>
    internal ComputeTeam(int workers)
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

    /// <summary>Runs <paramref name="body"/>(0 … parts − 1), each part once, in parallel; returns when all have
    /// finished.</summary>
    public static void Run(int parts, Action<int> body)
    {
        if (parts <= 1)
        {
            if (parts == 1) body(0);
            return;
        }
        Shared.Value.Execute(parts, body);
    }

    /// <summary>
    /// Runs <paramref name="chunk"/>(0 … chunks − 1), each exactly once, on the caller and up to <paramref
    /// name="threads"/> − 1 workers, each taking the next chunk from a shared counter until none is left. On a busy
    /// machine a worker may not be scheduled for milliseconds: the caller then runs the chunks that worker would have
    /// had instead of waiting for it, and waits only for chunks already started. For work split into independent
    /// pieces (column panels, element ranges), whose results do not depend on who computes which.
    /// </summary>
    public static void ForEachChunk(int threads, int chunks, Action<int> chunk)
    {
        if (threads <= 1 || chunks <= 1)
        {
            for (int i = 0; i < chunks; i++) chunk(i);
            return;
        }
        Shared.Value.ExecuteChunks(threads, chunks, chunk);
    }

    /// <summary><see cref="ForEachChunk"/> on this team.</summary>
    internal void ExecuteChunks(int threads, int chunks, Action<int> chunk) =>
        Execute(Math.Min(threads, chunks), new ChunkQueue(chunks, chunk).Drain, optional: true);

    // The shared counter: every participant drains it.
    private sealed class ChunkQueue(int chunks, Action<int> chunk)
    {
        private int _next = -1;

        public void Drain(int part)
        {
            for (int i = Interlocked.Increment(ref _next); i < chunks; i = Interlocked.Increment(ref _next)) chunk(i);
        }
    }

    /// <summary><see cref="Run"/> on this team.</summary>
    internal void Execute(int parts, Action<int> body) => Execute(parts, body, optional: false);

    private void Execute(int parts, Action<int> body, bool optional)
    {
        if (parts > _wake.Length + 1 || !_gate.TryEnter())
        {
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, body);
            return;
        }
        try
        {
            RunLocked(parts, body, optional);
        }
        finally
        {
            _gate.Exit();
        }
    }

    private void RunLocked(int parts, Action<int> body, bool optional)
    {
        var job = new Job(body, parts, ++_generation, optional);
        Volatile.Write(ref _job, job);
        // the job is visible before the sleep flags are read (a worker fences the other way)
        Interlocked.MemoryBarrier();
        for (int w = 0; w < parts - 1; w++)
            if (Volatile.Read(ref _sleeping[w]) == 1) _wake[w].Set();

        Exception? mine = null;
        try { body(0); }
        catch (Exception e) { mine = e; }
        if (optional)
        {
            // Workers that have not joined by now stay out (a joining worker fences the other way).
            job.Closed = true;
            Interlocked.MemoryBarrier();
        }

        var spinner = new SpinWait();
        while (Volatile.Read(ref job.Pending) > 0) spinner.SpinOnce(sleep1Threshold: -1);
        if ((mine ?? job.Error) is { } failure) throw new AggregateException(failure);
    }

    private void Work(int part)
    {
        int seen = 0, w = part - 1;
        while (true)
        {
            Job? job;
            long spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            while (!IsMine(job = Volatile.Read(ref _job)))
            {
                // a job with fewer parts: not ours, and no reason to stay awake
                if (job is not null) seen = job.Generation;
                if (Stopwatch.GetTimestamp() < spinUntil)
                {
                    Thread.SpinWait(16);
                    continue;
                }
                // Block without missing a job posted meanwhile: announce, then look once more.
                _wake[w].Reset();
                Interlocked.Exchange(ref _sleeping[w], 1);
                if (!IsMine(Volatile.Read(ref _job))) _wake[w].Wait();
                Volatile.Write(ref _sleeping[w], 0);
                spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            }
            seen = job!.Generation;
            if (job.Optional)
            {
                Interlocked.Increment(ref job.Pending);
                if (job.Closed)
                {
                    Interlocked.Decrement(ref job.Pending);
                    continue;
                }
            }
            try { job.Body(part); }
            catch (Exception e) { Interlocked.CompareExchange(ref job.Error, e, null); }
            Interlocked.Decrement(ref job.Pending);
        }

        bool IsMine(Job? job) => job is not null && job.Generation != seen && part < job.Parts;
    }
}
