using Backprop.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;

namespace Backprop.Api.Jobs;

/// <summary>
/// Writes a running job's progress: the epochs since the last write as history rows, the job row's losses, the
/// checkpoint and, at the end, the job's new state, all in one short lease-checked transaction, so the history holds
/// every epoch exactly once whatever happens to the process. A periodic checkpoint is written on another thread while
/// training goes on (one write in flight at a time; every other database use waits for it), so it costs the training
/// loop a snapshot copy, not a transaction.
/// </summary>
internal sealed class JobCheckpointWriter(BackpropDbContext db, SqliteWriteGate gate, TrainingJob job, string owner,
    JobOptions options, ILogger logger)
{
    private List<EpochReport> _pending = []; // epochs since the last write handed to the database
    private Task? _inFlight;                 // the periodic checkpoint being written, if any

    /// <summary>The progress of the epochs handed to <see cref="Add"/>, written with the next checkpoint.</summary>
    public JobProgress Progress { get; private set; } = new();

    /// <summary>Told the last epoch the history holds after each write (the live view drops what is stored).</summary>
    public Action<int>? Stored { get; set; }

    /// <summary>The training diagnostics' state, written with the next checkpoint or ending.</summary>
    public Backprop.Core.Diagnostics.DiagnosticsState? Diagnostics { get; set; }

    /// <summary>
    /// False only when the job is known to have no checkpoint row (it found none when it started and has written none
    /// since), so its final write need not delete one.
    /// </summary>
    public bool MayHaveCheckpoint { get; set; } = true;

    /// <summary>True when the checkpoint being written has failed (a lost lease, a database error).</summary>
    public bool Failed => _inFlight is { IsCompleted: true } write && !write.IsCompletedSuccessfully;

    /// <summary>Where the run starts: a fresh job's first epoch, or the progress stored with its checkpoint.</summary>
    public void StartFrom(JobProgress progress) => Progress = progress;

    /// <param name="refit">An epoch of a refit: the best values and epoch stay the selection's.</param>
    public void Add(EpochReport report, (double Value, int Epoch)? monitoredBest, bool refit = false)
    {
        _pending.Add(report);
        Progress = refit ? Progress with { Epoch = report.Epoch, TrainLoss = report.TrainLoss.Finite(),
            ValidationLoss = null } : Progress.After(report, monitoredBest);
    }

    /// <summary>Forgets the epochs not written yet: after a failure nothing more of the run is kept.</summary>
    public void Discard() => _pending.Clear();

    /// <summary>Starts writing a periodic checkpoint on another thread, after the one before it.</summary>
    public async Task BeginCheckpointAsync(byte[] snapshot)
    {
        await WrittenAsync();
        var (rows, progress, diagnostics) = (_pending, Progress, Diagnostics);
        _pending = [];
        _inFlight = Task.Run(() => WriteAsync(snapshot, final: null, rows, progress, diagnostics),
            CancellationToken.None);
    }

    /// <summary>Waits for the checkpoint being written (if any); rethrows its failure, e.g. <see
    /// cref="LeaseLostException"/>.</summary>
    public async Task WrittenAsync()
    {
        if (_inFlight is not { } write) return;
        _inFlight = null;
        await write;
    }

    /// <summary>Waits for the checkpoint being written without rethrowing: before cleaning up after another
    /// failure.</summary>
    public async Task SettleAsync()
    {
        try { await WrittenAsync(); }
        catch (Exception e) { logger.LogDebug(e, "A checkpoint write failed while the job was already stopping."); }
    }

    /// <summary>
    /// Writes everything buffered with the job's new state <paramref name="final"/> (a <see cref="JobTransitions"/>
    /// setter), after any checkpoint still being written (the context is used by one write at a time).
    /// </summary>
    public async Task CommitAsync(byte[]? snapshot, Action<UpdateSettersBuilder<TrainingJob>> final,
        Action? alsoAdd = null)
    {
        await WrittenAsync();
        var rows = _pending;
        _pending = [];
        await WriteAsync(snapshot, final, rows, Progress, Diagnostics, alsoAdd);
    }

    /// <summary>
    /// <see cref="WriteOnceAsync"/>, retried with backoff after a storage failure (disk full, an I/O error, a lock held
    /// past the busy timeout) <see cref="JobOptions.WriteRetries"/> times, then <see cref="StorageWriteException"/>.
    /// The same rows are written on each try, so the history never has a gap.
    /// </summary>
    private async Task WriteAsync(byte[]? snapshot, Action<UpdateSettersBuilder<TrainingJob>>? final,
        List<EpochReport> epochs, JobProgress p, Backprop.Core.Diagnostics.DiagnosticsState? diagnostics,
            Action? alsoAdd = null)
    {
        for (int retry = 0; ; retry++)
        {
            try
            {
                using (await gate.EnterAsync()) await WriteOnceAsync(snapshot, final, epochs, p, diagnostics, alsoAdd);
                return;
            }
            catch (Exception e) when (StorageErrors.IsTransient(e))
            {
                db.ChangeTracker.Clear(); // the transaction rolled back
                if (retry >= options.WriteRetries)
                    throw new StorageWriteException(
                        $"writing epochs up to {p.Epoch} failed {retry + 1} times ({e.Message}).", e);
                var delay = options.WriteRetryDelay * Math.Pow(2, retry);
                logger.LogWarning("Job {JobId}: writing epochs up to {Epoch} failed ({Error}); " +
                    "retry {Retry} of {Retries} in {Delay} ms.",
                    job.Id, p.Epoch, e.Message, retry + 1, options.WriteRetries, delay.TotalMilliseconds);
                await Task.Delay(delay);
            }
        }
    }

    /// <summary>
    /// One short transaction: the job row (lease check and renewal, the progress <paramref name="p"/>, and its new
    /// state when <paramref name="final"/> is given), the history rows of <paramref name="epochs"/>, and the
    /// checkpoint: replaced by <paramref name="snapshot"/>, or dropped when the job ends. When this worker no longer
    /// holds the lease nothing is written and <see cref="LeaseLostException"/> is thrown.
    /// </summary>
    private async Task WriteOnceAsync(byte[]? snapshot, Action<UpdateSettersBuilder<TrainingJob>>? final,
        List<EpochReport> epochs, JobProgress p, Backprop.Core.Diagnostics.DiagnosticsState? diagnostics,
            Action? alsoAdd)
    {
        string? diagnosticsJson = diagnostics is null ? null : JobDiagnostics.Write(diagnostics);
        var now = DateTime.UtcNow;
        var expires = now + options.LeaseDuration;
        bool ends = final is not null && snapshot is null;
        await using var tx = await db.Database.BeginTransactionAsync(CancellationToken.None);
        int held = await db.Set<TrainingJob>().HeldBy(job.Id, owner, now).ExecuteUpdateAsync(s =>
        {
            s.SetProperty(j => j.Epoch, p.Epoch).SetProperty(j => j.TrainLoss, p.TrainLoss)
                .SetProperty(j => j.ValidationLoss, p.ValidationLoss)
                .SetProperty(j => j.BestTrainLoss, p.BestTrainLoss).SetProperty(j => j.BestValidationLoss,
                    p.BestValidationLoss)
                .SetProperty(j => j.BestEpoch, p.BestEpoch);
            if (epochs.Count > 0) s.SetProperty(j => j.HistoryRows, j => j.HistoryRows + epochs.Count);
            if (diagnosticsJson is not null) s.SetProperty(j => j.DiagnosticsJson, diagnosticsJson);
            // A checkpoint is progress, and a job that stops by itself did not crash its worker: either way it is not
            // stalled.
            if (snapshot is not null || final is not null) s.SetProperty(j => j.StalledAttempts, 0);
            if (final is not null) final(s);
            else s.SetProperty(j => j.LeaseExpiresAt, expires);
        }, CancellationToken.None);
        if (held == 0) throw new LeaseLostException(job.Id);

        if (snapshot is not null)
        {
            MayHaveCheckpoint = true; // before the write: a commit whose answer was lost may still have stored it
            int replaced = await db.Set<JobCheckpoint>().Where(c => c.JobId == job.Id).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.Epoch, p.Epoch).SetProperty(c => c.Snapshot, snapshot)
                .SetProperty(c => c.CreatedAt, now), CancellationToken.None);
            if (replaced == 0)
                db.Add(new JobCheckpoint { JobId = job.Id, TenantId = job.TenantId, Epoch = p.Epoch,
                    Snapshot = snapshot, CreatedAt = now });
        }
        else if (ends && MayHaveCheckpoint)
        {
            await db.Set<JobCheckpoint>().Where(c => c.JobId == job.Id).ExecuteDeleteAsync(CancellationToken.None);
        }
        await HistoryInserts.InsertAsync(db, epochs.ConvertAll(e => e.ToEntity(job.Id, job.TenantId)),
            CancellationToken.None);
        alsoAdd?.Invoke();
        await db.SaveChangesAsync(CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
        db.ChangeTracker.Clear();
        Stored?.Invoke(p.Epoch);
    }
}

/// <summary>A write kept failing for a storage reason; the job is given back, to resume from its last
/// checkpoint.</summary>
public sealed class StorageWriteException(string message, Exception inner) : Exception(message, inner);
