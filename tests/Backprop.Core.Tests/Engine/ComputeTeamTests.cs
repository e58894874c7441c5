namespace Backprop.Core.Tests.Engine;

/// <summary>The fork/join team behind multi-threaded training steps: every part exactly once, errors surfaced,
/// concurrent callers served.</summary>
public class ComputeTeamTests
{
    [Fact]
    public void ManyJobsInARow_RunEveryPartExactlyOnce()
    {
        // Thousands of back-to-back forks exercise the spin/block hand-over; a lost or doubled part shows in the
        // counts.
        var counts = new int[3];
        for (int job = 0; job < 5000; job++)
        {
            int parts = job % 3 + 1;
            ComputeTeam.Run(parts, part => Interlocked.Increment(ref counts[part]));
            if (job % 1000 == 999) Thread.Sleep(2); // let the workers go to sleep, then wake them
        }
        int expected0 = 5000, expected1 = 5000 * 2 / 3, expected2 = 5000 / 3;
        Assert.Equal([expected0, expected1, expected2], counts);
    }

    [Fact]
    public void JobsWithFewerPartsThanWorkers_LeaveTheOthersOut()
    {
        // A big machine's team has more workers than a 2-thread job needs: only parts 1 … parts − 1 run, each once,
        // and a worker skipped by one job still takes its part in the next.
        var team = new ComputeTeam(workers: 3);
        var counts = new int[4];
        var expected = new int[4];
        for (int job = 0; job < 4000; job++)
        {
            int parts = job % 4 + 1;
            team.Execute(parts, part => Interlocked.Increment(ref counts[part]));
            for (int p = 0; p < parts; p++) expected[p]++;
            if (job % 1000 == 999) Thread.Sleep(2); // workers fall asleep, then must be woken
        }
        Assert.Equal(expected, counts);
    }

    [Fact]
    public void AFailingPart_IsRethrownToTheCallerAndTheTeamStaysUsable()
    {
        var error = Assert.Throws<AggregateException>(() => ComputeTeam.Run(2, part =>
        {
            if (part == Math.Min(1, Environment.ProcessorCount - 1)) throw new InvalidOperationException("part failed");
        }));
        Assert.Contains(error.Flatten().InnerExceptions, e =>
            e is InvalidOperationException { Message: "part failed" });
        int ran = 0;
        ComputeTeam.Run(2, _ => Interlocked.Increment(ref ran));
        Assert.Equal(2, ran);
    }

    [Fact]
    public void ConcurrentCallers_EachGetAllTheirParts()
    {
        // Two training runs with threads at once: one uses the team, the other falls back to the thread pool.
        var totals = new long[4];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, caller =>
        {
            for (int job = 0; job < 500; job++)
                ComputeTeam.Run(2, part => Interlocked.Add(ref totals[caller], part + 1));
        });
        Assert.All(totals, t => Assert.Equal(500 * 3, t));
    }

    [Fact]
    public void ForEachChunk_ManyJobsInARow_RunEveryChunkExactlyOnceBeforeReturning()
    {
        // Workers join each job from a shared counter, or arrive after the caller has taken every chunk and closed
        // it (then they must run nothing); sleeps let them fall asleep and be woken late.
        var team = new ComputeTeam(workers: 2);
        int late = 0;
        for (int job = 0; job < 3000; job++)
        {
            int chunks = job % 7 + 1, threads = job % 3 + 1;
            var counts = new int[chunks];
            bool returned = false;
            team.ExecuteChunks(threads, chunks, chunk =>
            {
                if (Volatile.Read(ref returned)) Interlocked.Increment(ref late);
                Interlocked.Increment(ref counts[chunk]);
            });
            Volatile.Write(ref returned, true);
            Assert.All(counts, count => Assert.Equal(1, count));
            if (job % 500 == 499) Thread.Sleep(2);
        }
        Assert.Equal(0, Volatile.Read(ref late));
    }

    [Fact]
    public void ForEachChunk_AFailingChunk_IsRethrownAndTheTeamStaysUsable()
    {
        var team = new ComputeTeam(workers: 1);
        var error = Assert.Throws<AggregateException>(() => team.ExecuteChunks(2, 8, chunk =>
        {
            if (chunk == 5) throw new InvalidOperationException("chunk failed");
        }));
        Assert.Contains(error.Flatten().InnerExceptions,
            e => e is InvalidOperationException { Message: "chunk failed" });
        int ran = 0;
        team.ExecuteChunks(2, 8, _ => Interlocked.Increment(ref ran));
        Assert.Equal(8, ran);
    }

    [Fact]
    public void MultiThreadedSgemm_EqualsSingleThreadedBitForBit()
    {
        // Column chunks keep every element's summation order, so the team changes speed, not results.
        var rng = new Random(3);
        int m = 96, n = 200, k = 300;
        var a = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var single = new float[m * n];
        var multi = new float[m * n];
        Sgemm.Multiply(a, k, false, b, n, false, single, n, m, n, k, accumulate: false);
        int previous = Sgemm.SetMaxThreads(2);
        try
        {
            for (int repeat = 0; repeat < 20; repeat++)
                Sgemm.Multiply(a, k, false, b, n, false, multi, n, m, n, k, accumulate: false);
        }
        finally
        {
            Sgemm.SetMaxThreads(previous);
        }
        Assert.Equal(single, multi);
    }
}
