using System.Collections.Concurrent;
using Backprop.Api.Data;

namespace Backprop.Api.Jobs;

/// <summary>
/// Wake-up calls for this process's idle workers (the job rows are the queue: a woken worker claims the next job
/// itself, see
/// <see cref="JobRunner.RunNextAsync"/>) and the cancellation handles of the jobs running in this process. A job queued
/// or a
/// cancel requested on any replica reaches here through <see cref="ClusterEvents"/>.
/// </summary>
public sealed class JobQueue
{
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();
    private TaskCompletionSource _signal = NewSignal();

    public JobQueue(ClusterEvents events)
    {
        events.On(ClusterEvent.JobQueued, _ => Wake());
        events.On(ClusterEvent.JobCancelRequested, id => { if (Guid.TryParse(id, out var jobId)) Cancel(jobId); });
    }

    /// <summary>
    /// The next wake-up call. Take it before looking for work, and wait on it only when none was found: a wake-up sent
    /// in
    /// between completes the task already taken, so it is never missed.
    /// </summary>
    public Task NextWakeUp => Volatile.Read(ref _signal).Task;

    /// <summary>Wakes every idle worker of this process; each tries to claim a job.</summary>
    public void Wake() => Interlocked.Exchange(ref _signal, NewSignal()).TrySetResult();

    /// <summary>Registers a job about to run; the token fires on a cancel request, a lost lease or at host
    /// shutdown.</summary>
    public CancellationTokenSource Register(Guid jobId, CancellationToken stopping)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _running[jobId] = cts;
        return cts;
    }

    public void Unregister(Guid jobId, CancellationTokenSource cts) => _running.TryRemove(KeyValuePair.Create(jobId,
        cts));

    /// <summary>Whether a worker of this process runs the job (its lease may have expired without it knowing
    /// yet).</summary>
    public bool IsRunning(Guid jobId) => _running.ContainsKey(jobId);

    /// <summary>Signals a running job to stop; false when it isn't running in this process.</summary>
    public bool Cancel(Guid jobId)
    {
        if (!_running.TryGetValue(jobId, out var cts)) return false;
        try { cts.Cancel(); } catch (ObjectDisposedException) { return false; }
        return true;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
