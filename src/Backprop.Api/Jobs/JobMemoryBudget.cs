using System.Collections.Concurrent;
using Backprop.Api.Data;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Jobs;

/// <summary>
/// The estimated working memory of the jobs running in this process, kept under Jobs:MemoryBudgetBytes. A job that does
/// not fit is not claimed: it stays queued, and is woken again when a running job gives its share back. A job runs
/// alone whatever its estimate, so none waits forever.
/// </summary>
public sealed class JobMemoryBudget(IOptions<JobOptions> options, JobQueue queue)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, long> _held = [];
    private readonly HashSet<Guid> _waiting = [];
    private long _used;
    // A queued job's network, request and dataset sizes never change: its estimate is read once, not at every claim.
    private readonly ConcurrentDictionary<Guid, long> _estimates = new();
    private const int MaxRememberedEstimates = 10_000;

    /// <summary>Bytes held by running jobs.</summary>
    public long UsedBytes { get { lock (_lock) return _used; } }

    /// <summary>The job's estimated working memory (<see cref="JobMemory.EstimateAsync"/>), remembered per job; null when
    /// the job or its dataset is gone.</summary>
    public async Task<long?> EstimateAsync(BackpropDbContext db, Guid jobId, CancellationToken ct)
    {
        if (_estimates.TryGetValue(jobId, out long known)) return known;
        if ((await JobMemory.EstimateAsync(db, jobId, ct))?.TotalBytes is not { } bytes) return null;
        Remember(jobId, bytes);
        return bytes;
    }

    /// <summary>
    /// Notes the estimate of a job this process has just stored (from what its submission already read), so that a
    /// local worker claims it without reading job and dataset again; another replica reads it as before.
    /// </summary>
    public void Remember(Guid jobId, long bytes)
    {
        if (_estimates.Count >= MaxRememberedEstimates) _estimates.Clear();
        _estimates[jobId] = bytes;
    }

    /// <summary>True while a worker of this process holds the job's share (it is claiming or running it).</summary>
    public bool Holds(Guid jobId) { lock (_lock) return _held.ContainsKey(jobId); }

    /// <summary>True while the job waits for running jobs to give memory back.</summary>
    public bool IsWaiting(Guid jobId) { lock (_lock) return _waiting.Contains(jobId); }

    /// <summary>Holds <paramref name="bytes"/> for the job, or (false) notes it as waiting for the next
    /// release.</summary>
    public bool TryReserve(Guid jobId, long bytes)
    {
        lock (_lock)
        {
            if (_held.ContainsKey(jobId)) return false; // already running here
            if (_used > 0 && _used + bytes > options.Value.MemoryBudgetBytes)
            {
                _waiting.Add(jobId);
                return false;
            }
            _held[jobId] = bytes;
            _used += bytes;
            return true;
        }
    }

    /// <summary>Gives the job's share back and wakes every job that waited for memory.</summary>
    public void Release(Guid jobId)
    {
        bool wake;
        lock (_lock)
        {
            if (_held.Remove(jobId, out long bytes)) _used -= bytes;
            wake = _waiting.Count > 0;
            _waiting.Clear();
        }
        if (wake) queue.Wake();
    }
}
