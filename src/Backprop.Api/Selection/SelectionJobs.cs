using Backprop.Api.Data;
using Backprop.Api.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Backprop.Api.Selection;

/// <summary>Operations on the many jobs of a cross-validation or a search.</summary>
public static class SelectionJobs
{
    /// <summary>Cancels the unfinished jobs among <paramref name="jobs"/>: queued ones at once, running ones at their
    /// next batch.</summary>
    public static async Task CancelManyAsync(BackpropDbContext db, ClusterEvents events, IQueryable<TrainingJob> jobs,
        CancellationToken ct)
    {
        var cancel = JobTransitions.Cancel(DateTime.UtcNow);
        await jobs.Where(j => j.Status == JobStatus.Queued).ExecuteUpdateAsync(s =>
            cancel(s.SetProperty(j => j.CancelRequested, true)), ct);
        var running = await jobs.Where(j => j.Status == JobStatus.Running && j.FoldCount == null).Select(j => j.Id)
            .ToListAsync(ct);
        if (running.Count == 0) return;
        await db.Set<TrainingJob>().Where(j => running.Contains(j.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequested, true), ct);
        // Whichever replica runs each one stops it within a batch (its lease heartbeat also polls for the request).
        foreach (var id in running) await events.PublishAsync(db, ClusterEvent.JobCancelRequested, id.ToString(), ct);
    }
}
