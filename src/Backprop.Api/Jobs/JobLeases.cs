using Backprop.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Jobs;

/// <summary>This process as a lease owner: unique per process, so a restarted service never mistakes an old lease for
/// its own.</summary>
public sealed class WorkerIdentity
{
    private long _claims;

    public string Id { get; } =
        $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>
    /// The owner name of one claim (<see cref="Id"/>:n): unique per claim, so that when a lease expires and another
    /// worker of
    /// this same process claims the job, the first one's writes are fenced off like any other worker's.
    /// </summary>
    public string NextLeaseOwner() => $"{Id}:{Interlocked.Increment(ref _claims)}";
}

/// <summary>The lease of a running job was taken over or expired: the worker must stop and write nothing
/// more.</summary>
public sealed class LeaseLostException(Guid jobId) : Exception($"The lease on job {jobId} was lost.");

/// <summary>
/// Which job rows a worker may write. Every write of a running job is conditional on <c>LeaseOwner == me &amp;&amp;
/// LeaseExpiresAt &gt; now</c>, so a worker that lost its lease cannot change the job (or its history) any more, and no
/// two workers ever advance one job. The changes themselves are <see cref="JobTransitions"/>.
/// </summary>
public static class JobLeases
{
    /// <summary>The job, if this worker still holds its lease.</summary>
    public static IQueryable<TrainingJob> HeldBy(this IQueryable<TrainingJob> jobs, Guid jobId, string owner,
        DateTime now) =>
        jobs.Where(j => j.Id == jobId && j.LeaseOwner == owner && j.LeaseExpiresAt > now);

    /// <summary>Queued, or running under a lease that has expired (its worker died or hangs). Never a cross-validation
    /// parent: its folds train.</summary>
    public static IQueryable<TrainingJob> Claimable(this IQueryable<TrainingJob> jobs, DateTime now) =>
        jobs.Where(j => j.FoldCount == null && (j.Status == JobStatus.Queued
            || (j.Status == JobStatus.Running && (j.LeaseExpiresAt == null || j.LeaseExpiresAt <= now))));

    /// <summary>
    /// The next claimable jobs in fair order, so that one tenant cannot occupy every worker: first the tenants with the
    /// fewest jobs running (on any replica), among those the tenant whose last job started longest ago (never, first),
    /// then that tenant's oldest job (tenants equal on both: their jobs oldest first). Each worker claims the first of
    /// these it can (<see cref="JobTransitions.ClaimAsync"/> is conditional, so when workers race for one job exactly
    /// one gets it and the others try the next). The order is taken per tenant with waiting work, then their jobs are
    /// read, so the cost grows with the jobs, not with their square.
    /// </summary>
    public static async Task<List<Guid>> NextCandidatesAsync(BackpropDbContext db, int count, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        var jobs = db.Set<TrainingJob>();
        var waiting = jobs.Claimable(now).Where(j => !j.CancelRequested);
        var tenants = await waiting.Select(j => j.TenantId).Distinct()
            .Select(t => new
            {
                Tenant = t,
                Running = jobs.Count(r => r.TenantId == t && r.Status == JobStatus.Running && r.LeaseExpiresAt > now),
                LastStart = jobs.Where(r => r.TenantId == t).Max(r => r.StartedAt),
            })
            .ToListAsync(ct);
        var candidates = new List<Guid>(count);
        foreach (var equal in tenants.GroupBy(t => (t.Running, t.LastStart))
            .OrderBy(g => g.Key.Running).ThenBy(g => g.Key.LastStart is null ? 0 : 1).ThenBy(g => g.Key.LastStart))
        {
            var ids = equal.Select(t => t.Tenant).ToList();
            candidates.AddRange(await waiting.Where(j => ids.Contains(j.TenantId)).OrderBy(j => j.CreatedAt)
                .ThenBy(j => j.Id).Select(j => j.Id).Take(count - candidates.Count).ToListAsync(ct));
            if (candidates.Count == count) break;
        }
        return candidates;
    }
}
