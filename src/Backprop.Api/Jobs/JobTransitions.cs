using Backprop.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;

namespace Backprop.Api.Jobs;

public enum ClaimOutcome { Claimed, Unavailable, GaveUp }

/// <summary>
/// The job's state machine, each transition written once as a set-based update and used by the API, the leases and the
/// runner:
/// <code>
/// queued ──claim──▶ running ──succeed──▶ succeeded
///   ▲  │              │ │ └────fail───▶ failed   (also: claimed too often without a checkpoint)
///   │  │              │ └─────cancel──▶ cancelled
///   │  └───cancel─────┼───────────────▶ cancelled
///   └──release────────┘ (shutdown, or an expired lease swept)
/// </code>
/// The runner's endings (<see cref="Release"/>, <see cref="Succeed"/>, <see cref="Fail"/>, <see cref="Cancel"/>) are
/// setters applied inside its lease-checked write, so they land in one transaction with the last history rows.
/// </summary>
public static class JobTransitions
{
    /// <summary>
    /// Takes the job for this worker (running, lease, attempt + 1), atomically. A job claimed <paramref
    /// name="maxAttempts"/> times in a row without reaching a checkpoint fails instead: it most likely kills its
    /// worker.
    /// </summary>
    public static async Task<ClaimOutcome> ClaimAsync(BackpropDbContext db, Guid jobId, string owner, TimeSpan lease,
        int maxAttempts)
    {
        var now = DateTime.UtcNow;
        var candidates = db.Set<TrainingJob>().Where(j => j.Id == jobId && !j.CancelRequested).Claimable(now);
        int claimed = await candidates.Where(j => j.StalledAttempts < maxAttempts).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, JobStatus.Running)
            .SetProperty(j => j.LeaseOwner, owner).SetProperty(j => j.LeaseExpiresAt, now + lease)
            .SetProperty(j => j.Attempt, j => j.Attempt + 1).SetProperty(j => j.StalledAttempts, j => j.StalledAttempts
                + 1)
            .SetProperty(j => j.StartedAt, j => j.StartedAt ?? now));
        if (claimed > 0) return ClaimOutcome.Claimed;
        var reason =
            $"The job was started {maxAttempts} times in a row without reaching a checkpoint; see the service log.";
        int failed = await candidates.ExecuteUpdateAsync(Fail(JobStopReason.Failed, reason, now));
        return failed > 0 ? ClaimOutcome.GaveUp : ClaimOutcome.Unavailable;
    }

    /// <summary>Extends this worker's lease; false when it is no longer this worker's.</summary>
    public static async Task<bool> RenewAsync(BackpropDbContext db, Guid jobId, string owner, TimeSpan lease,
        CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        return await db.Set<TrainingJob>().HeldBy(jobId, owner, now)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresAt, now + lease), ct) > 0;
    }

    /// <summary>
    /// Gives a job this worker holds back to the queue without touching its progress, checkpoint or history (a shutdown
    /// before training resumed, or storage that kept failing); not a crash, so that claim does not count as a stalled
    /// attempt. False when the lease was no longer this worker's.
    /// </summary>
    public static async Task<bool> ReleaseHeldAsync(BackpropDbContext db, Guid jobId, string owner,
        CancellationToken ct) =>
        await db.Set<TrainingJob>().HeldBy(jobId, owner, DateTime.UtcNow).ExecuteUpdateAsync(s =>
        {
            Release(s);
            s.SetProperty(j => j.StalledAttempts, j => j.StalledAttempts > 0 ? j.StalledAttempts - 1 : 0);
        }, ct) > 0;

    /// <summary>Cancels a queued job at once; false when the job is not queued.</summary>
    public static async Task<bool> CancelQueuedAsync(BackpropDbContext db, Guid jobId, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        var cancel = Cancel(now);
        return await db.Set<TrainingJob>().Where(j => j.Id == jobId && j.Status == JobStatus.Queued)
            .ExecuteUpdateAsync(s => cancel(s.SetProperty(j => j.CancelRequested, true)), ct) > 0;
    }

    /// <summary>Asks the worker running the job to stop at its next batch; false when the job is not running.</summary>
    public static async Task<bool> RequestCancelAsync(BackpropDbContext db, Guid jobId, CancellationToken ct) =>
        await db.Set<TrainingJob>().Where(j => j.Id == jobId && j.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequested, true), ct) > 0;

    /// <summary>
    /// Housekeeping for any worker: running jobs whose lease expired go back to queued (cancelled, if a cancel was
    /// requested meanwhile), as do queued jobs with a cancel request nobody acted on. Returns how many leases had
    /// expired
    /// and whether any job is waiting.
    /// </summary>
    public static async Task<(int Expired, bool AnyQueued)> SweepAsync(BackpropDbContext db, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        var orphaned = db.Set<TrainingJob>().Claimable(now);
        await orphaned.Where(j => j.CancelRequested).ExecuteUpdateAsync(Cancel(now), ct);
        int expired = await orphaned.Where(j => j.Status == JobStatus.Running).ExecuteUpdateAsync(Release, ct);
        return (expired, await db.Set<TrainingJob>().AnyAsync(j => j.Status == JobStatus.Queued, ct));
    }

    /// <summary>Back to the queue with no lease, for the next worker to resume from the checkpoint.</summary>
    public static void Release(UpdateSettersBuilder<TrainingJob> s) => s.SetProperty(j => j.Status, JobStatus.Queued)
        .FreeLease();

    /// <summary>Finished with a model: <paramref name="reason"/> is completed or early_stopped.</summary>
    public static Action<UpdateSettersBuilder<TrainingJob>> Succeed(JobStopReason reason, Guid modelId, DateTime now) =>
        s => s.Finish(JobStatus.Succeeded, reason, null, modelId, now);

    /// <summary>Finished without a model; <paramref name="message"/> is shown to the client.</summary>
    public static Action<UpdateSettersBuilder<TrainingJob>> Fail(JobStopReason reason, string? message, DateTime now) =>
        s => s.Finish(JobStatus.Failed, reason, message, null, now);

    /// <summary>Cancelled: the history of the epochs it completed stays.</summary>
    public static Action<UpdateSettersBuilder<TrainingJob>> Cancel(DateTime now) =>
        s => s.Finish(JobStatus.Cancelled, JobStopReason.Cancelled, null, null, now);

    private static UpdateSettersBuilder<TrainingJob> Finish(this UpdateSettersBuilder<TrainingJob> s,
        JobStatus status, JobStopReason reason, string? failure, Guid? modelId, DateTime now) => s
        .SetProperty(j => j.Status, status).SetProperty(j => j.StopReason, reason)
        .SetProperty(j => j.FailureReason, failure).SetProperty(j => j.ModelId, modelId)
        .SetProperty(j => j.FinishedAt, now).FreeLease();

    private static UpdateSettersBuilder<TrainingJob> FreeLease(this UpdateSettersBuilder<TrainingJob> s) => s
        .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null);
}
