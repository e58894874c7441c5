using Backprop.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Jobs;

/// <summary>This process as a lease owner: unique per process, so a restarted service never mistakes an old lease for its own.</summary>
public sealed class WorkerIdentity
{
    public string Id { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
}

/// <summary>The lease of a running job was taken over or expired: the worker must stop and write nothing more.</summary>
public sealed class LeaseLostException(Guid jobId) : Exception($"The lease on job {jobId} was lost.");

public enum ClaimOutcome { Claimed, Unavailable, GaveUp }

/// <summary>
/// Set-based lease operations on job rows. Every write of a running job is conditional on
/// <c>LeaseOwner == me &amp;&amp; LeaseExpiresAt &gt; now</c>, so a worker that lost its lease cannot change the job (or its history)
/// any more, and no two workers ever advance one job.
/// </summary>
public static class JobLeases
{
    /// <summary>The job, if this worker still holds its lease.</summary>
    public static IQueryable<TrainingJob> HeldBy(this IQueryable<TrainingJob> jobs, Guid jobId, string owner, DateTime now) =>
        jobs.Where(j => j.Id == jobId && j.LeaseOwner == owner && j.LeaseExpiresAt > now);

    /// <summary>Queued, or running under a lease that has expired (its worker died or hangs).</summary>
    private static IQueryable<TrainingJob> Claimable(this IQueryable<TrainingJob> jobs, DateTime now) =>
        jobs.Where(j => j.Status == JobStatus.Queued || (j.Status == JobStatus.Running && (j.LeaseExpiresAt == null || j.LeaseExpiresAt <= now)));

    /// <summary>
    /// Takes the job for this worker (running, lease, attempt + 1), atomically. A job claimed <paramref name="maxAttempts"/> times in a row
    /// without reaching a checkpoint fails instead: it most likely kills its worker.
    /// </summary>
    public static async Task<ClaimOutcome> ClaimAsync(BackpropDbContext db, Guid jobId, string owner, TimeSpan lease, int maxAttempts)
    {
        var now = DateTime.UtcNow;
        var candidates = db.Set<TrainingJob>().Where(j => j.Id == jobId && !j.CancelRequested).Claimable(now);
        int claimed = await candidates.Where(j => j.StalledAttempts < maxAttempts).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, JobStatus.Running)
            .SetProperty(j => j.LeaseOwner, owner).SetProperty(j => j.LeaseExpiresAt, now + lease)
            .SetProperty(j => j.Attempt, j => j.Attempt + 1).SetProperty(j => j.StalledAttempts, j => j.StalledAttempts + 1)
            .SetProperty(j => j.StartedAt, j => j.StartedAt ?? now));
        if (claimed > 0) return ClaimOutcome.Claimed;
        int failed = await candidates.ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, JobStatus.Failed).SetProperty(j => j.StopReason, "failed")
            .SetProperty(j => j.FailureReason, $"The job was started {maxAttempts} times in a row without reaching a checkpoint; see the service log.")
            .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null).SetProperty(j => j.FinishedAt, now));
        return failed > 0 ? ClaimOutcome.GaveUp : ClaimOutcome.Unavailable;
    }

    /// <summary>Extends this worker's lease; false when it is no longer this worker's.</summary>
    public static async Task<bool> RenewAsync(BackpropDbContext db, Guid jobId, string owner, TimeSpan lease, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        return await db.Set<TrainingJob>().HeldBy(jobId, owner, now).ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresAt, now + lease), ct) > 0;
    }

    /// <summary>
    /// The next claimable jobs in fair order, so that one tenant cannot occupy every worker: first the tenants with the fewest
    /// jobs running (on any replica), among those the tenant whose last job started longest ago (never, first), then that
    /// tenant's oldest job. Each worker claims the first of these it can (<see cref="ClaimAsync"/> is conditional, so when
    /// workers race for one job exactly one gets it and the others try the next).
    /// </summary>
    public static Task<List<Guid>> NextCandidatesAsync(BackpropDbContext db, int count, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        var jobs = db.Set<TrainingJob>();
        return jobs.Claimable(now).Where(j => !j.CancelRequested)
            .OrderBy(j => jobs.Count(r => r.TenantId == j.TenantId && r.Status == JobStatus.Running && r.LeaseExpiresAt > now))
            .ThenBy(j => jobs.Where(r => r.TenantId == j.TenantId).Max(r => r.StartedAt) == null ? 0 : 1)
            .ThenBy(j => jobs.Where(r => r.TenantId == j.TenantId).Max(r => r.StartedAt))
            .ThenBy(j => j.CreatedAt).ThenBy(j => j.Id)
            .Select(j => j.Id).Take(count).ToListAsync(ct);
    }

    /// <summary>
    /// Housekeeping for any worker: running jobs whose lease expired go back to queued (cancelled, if a cancel was requested
    /// meanwhile), as do queued jobs with a cancel request nobody acted on. Returns how many leases had expired and whether
    /// any job is waiting.
    /// </summary>
    public static async Task<(int Expired, bool AnyQueued)> SweepAsync(BackpropDbContext db, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        var orphaned = db.Set<TrainingJob>().Claimable(now);
        await orphaned.Where(j => j.CancelRequested).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, JobStatus.Cancelled).SetProperty(j => j.StopReason, "cancelled").SetProperty(j => j.FinishedAt, now)
            .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), ct);
        int expired = await orphaned.Where(j => j.Status == JobStatus.Running).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, JobStatus.Queued)
            .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), ct);
        return (expired, await db.Set<TrainingJob>().AnyAsync(j => j.Status == JobStatus.Queued, ct));
    }
}
