using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Jobs.Live;

/// <summary>
/// The jobs running in this process as their runners report them after every epoch (see <see cref="LiveJob"/>), and the
/// event streams that watch them. A job running in another process is not here: readers fall back to its row.
/// </summary>
public sealed class LiveJobs(IOptions<LiveOptions> options)
{
    private readonly ConcurrentDictionary<Guid, LiveJob> _jobs = new();
    private readonly object _gate = new();
    private TaskCompletionSource? _jobsChanged, _subscribersChanged;
    private int _subscribers;

    /// <summary>Event streams open now, in this process.</summary>
    public int Subscribers => Volatile.Read(ref _subscribers);

    internal LiveJob? Find(Guid id) => _jobs.TryGetValue(id, out var job) ? job : null;

    /// <summary>A job this process has just claimed (its row says running).</summary>
    internal LiveJob Start(TrainingJob job)
    {
        var live = new LiveJob(job, options.Value.EtaWindowEpochs);
        _jobs[job.Id] = live;
        Signal(ref _jobsChanged);
        return live;
    }

    /// <summary>The runner is done with the job: finished (its row has the final state) or detached.</summary>
    internal void End(LiveJob job)
    {
        if (!job.Read().Status.IsFinished()) job.Detach();
        _jobs.TryRemove(new KeyValuePair<Guid, LiveJob>(job.Id, job));
        Signal(ref _jobsChanged);
    }

    /// <summary>Completes when a job starts or ends in this process.</summary>
    public Task JobsChanged() => Waiter(ref _jobsChanged);

    /// <summary>Counts an open event stream until disposed.</summary>
    public IDisposable Subscribe()
    {
        Interlocked.Increment(ref _subscribers);
        Signal(ref _subscribersChanged);
        return new Subscription(this);
    }

    /// <summary>Completes once <see cref="Subscribers"/> equals <paramref name="count"/>.</summary>
    public async Task WaitForSubscribersAsync(int count, CancellationToken ct)
    {
        while (true)
        {
            var changed = Waiter(ref _subscribersChanged);
            if (Subscribers == count) return;
            await changed.WaitAsync(ct);
        }
    }

    private Task Waiter(ref TaskCompletionSource? slot)
    {
        lock (_gate) return (slot ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))
            .Task;
    }

    private void Signal(ref TaskCompletionSource? slot)
    {
        TaskCompletionSource? waiting;
        lock (_gate)
        {
            waiting = slot;
            slot = null;
        }
        waiting?.TrySetResult();
    }

    private sealed class Subscription(LiveJobs owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            Interlocked.Decrement(ref owner._subscribers);
            owner.Signal(ref owner._subscribersChanged);
        }
    }
}
