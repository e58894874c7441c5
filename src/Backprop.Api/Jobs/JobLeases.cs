namespace Backprop.Api.Jobs;

/// <summary>This process as a lease owner: unique per process, so a restarted service never mistakes an old lease for
/// its own.</summary>
public sealed class WorkerIdentity
{
    public string Id { get; } =
        $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
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
}
