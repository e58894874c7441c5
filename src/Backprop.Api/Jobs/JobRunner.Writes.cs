using Backprop.Api.Data;
using Backprop.Api.Datasets;
using Backprop.Api.Models;
using Backprop.Api.Networks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;

namespace Backprop.Api.Jobs;

public sealed partial class JobRunner
{
    /// <summary>
    /// A shutdown checkpoints and puts the job back in the queue for the next start (lease released); a cancel request ends it,
    /// keeping the history of the epochs it completed; a lost lease writes nothing.
    /// </summary>
    private async Task StoppedAsync(TrainingJob job, TrainingSession? session, LeaseHeartbeat heartbeat, CancellationToken stoppingToken)
    {
        if (heartbeat.LeaseLost) throw new LeaseLostException(job.Id);
        if (!stoppingToken.IsCancellationRequested)
        {
            await FinishAsync(job, JobStatus.Cancelled, "cancelled", null);
            return;
        }
        // The core rolled the interrupted epoch back, so the session is at its last completed epoch.
        await CommitAsync(job, session?.Snapshot().ToBytes(), s => s
            .SetProperty(j => j.Status, JobStatus.Queued)
            .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null));
        logger.LogInformation("Job {JobId} checkpointed at epoch {Epoch} by shutdown; queued for the next start.", job.Id, _progress.Epoch);
        // Another replica, if there is one, resumes it now rather than at its next sweep.
        try { await events.PublishAsync(db, ClusterEvent.JobQueued, job.TenantId); }
        catch (Exception e) { logger.LogWarning(e, "Could not announce job {JobId} to the other replicas; their sweep finds it.", job.Id); }
    }

    private async Task SucceedAsync(TrainingJob job, NetworkDefinition definition, TrainingSession session, LoadedDataset dataset)
    {
        var model = TrainedModel.FromSession(session, dataset.Data) is var m && m.FeatureNames is null ? m with { FeatureNames = dataset.FeatureNames } : m;
        if (model.Task == TaskKind.Classification && model.ClassNames is null && dataset.ClassNames is { } names) model = model with { ClassNames = names };
        var validation = session.ValidationRows > 0;
        var metrics = ModelEvaluation.Evaluate(model, dataset.Data, validation ? session.ValidationIndices : null)
            .ToMetrics(validation ? "validation_split" : "training_data");
        var lineage = new ModelLineage("training", job.Id, job.DatasetId, job.NetworkId, job.WarmStartModelId ?? job.ContinuesModelId, job.Seed, session.Epoch);
        var name = $"{definition.Name ?? "network"} on {dataset.Name}";
        var (entity, blob) = ModelRecords.Create(model, job.TenantId, name, lineage, metrics, session.Snapshot().ToBytes());
        var stop = session.StopReason == StopReason.EarlyStopped ? "early_stopped" : "completed";
        await FinishAsync(job, JobStatus.Succeeded, stop, null, entity.Id, () => { db.Add(entity); db.Add(blob); });
    }

    private async Task FinishAsync(TrainingJob job, JobStatus status, string stopReason, string? failure, Guid? modelId = null, Action? alsoAdd = null)
    {
        var now = DateTime.UtcNow;
        await CommitAsync(job, null, s => s
            .SetProperty(j => j.Status, status).SetProperty(j => j.StopReason, stopReason).SetProperty(j => j.FailureReason, failure)
            .SetProperty(j => j.ModelId, modelId).SetProperty(j => j.FinishedAt, now)
            .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), alsoAdd);
        logger.LogInformation("Job {JobId} {Status} after {Epochs} epoch(s).", job.Id, status, _progress.Epoch);
    }

    /// <summary>Waits for the checkpoint being written (if any); rethrows its failure, e.g. <see cref="LeaseLostException"/>.</summary>
    private async Task CheckpointWrittenAsync()
    {
        if (_checkpointWrite is not { } write) return;
        _checkpointWrite = null;
        await write;
    }

    /// <summary>Waits for the checkpoint being written without rethrowing: before cleaning up after another failure.</summary>
    private async Task SettleCheckpointWriteAsync()
    {
        try { await CheckpointWrittenAsync(); }
        catch (Exception e) { logger.LogDebug(e, "A checkpoint write failed while the job was already stopping."); }
    }

    /// <summary>Writes everything buffered, after any checkpoint still being written (the context is used by one write at a time).</summary>
    private async Task CommitAsync(TrainingJob job, byte[]? snapshot, Action<UpdateSettersBuilder<TrainingJob>>? final, Action? alsoAdd = null)
    {
        await CheckpointWrittenAsync();
        var rows = _pending;
        _pending = [];
        await WriteAsync(job, snapshot, final, rows, _progress, alsoAdd);
    }

    /// <summary>
    /// One short transaction: the job row (lease check and renewal, the progress <paramref name="p"/>, and its new state when
    /// <paramref name="final"/> is given), the history rows of <paramref name="epochs"/>, and the checkpoint: replaced by
    /// <paramref name="snapshot"/>, or dropped when the job ends. When this worker no longer holds the lease nothing is
    /// written and <see cref="LeaseLostException"/> is thrown.
    /// </summary>
    private async Task WriteAsync(TrainingJob job, byte[]? snapshot, Action<UpdateSettersBuilder<TrainingJob>>? final,
        List<EpochReport> epochs, JobProgress p, Action? alsoAdd = null)
    {
        var now = DateTime.UtcNow;
        var expires = now + options.Value.LeaseDuration;
        bool ends = final is not null && snapshot is null;
        await using var tx = await db.Database.BeginTransactionAsync(CancellationToken.None);
        int held = await db.Set<TrainingJob>().HeldBy(job.Id, worker.Id, now).ExecuteUpdateAsync(s =>
        {
            s.SetProperty(j => j.Epoch, p.Epoch).SetProperty(j => j.TrainLoss, p.TrainLoss).SetProperty(j => j.ValidationLoss, p.ValidationLoss)
                .SetProperty(j => j.BestTrainLoss, p.BestTrainLoss).SetProperty(j => j.BestValidationLoss, p.BestValidationLoss)
                .SetProperty(j => j.BestEpoch, p.BestEpoch);
            // A checkpoint is progress, and a job that stops by itself did not crash its worker: either way it is not stalled.
            if (snapshot is not null || final is not null) s.SetProperty(j => j.StalledAttempts, 0);
            if (final is not null) final(s);
            else s.SetProperty(j => j.LeaseExpiresAt, expires);
        }, CancellationToken.None);
        if (held == 0) throw new LeaseLostException(job.Id);

        if (snapshot is not null)
        {
            int replaced = await db.Set<JobCheckpoint>().Where(c => c.JobId == job.Id).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.Epoch, p.Epoch).SetProperty(c => c.Snapshot, snapshot).SetProperty(c => c.CreatedAt, now), CancellationToken.None);
            if (replaced == 0) db.Add(new JobCheckpoint { JobId = job.Id, TenantId = job.TenantId, Epoch = p.Epoch, Snapshot = snapshot, CreatedAt = now });
        }
        else if (ends)
        {
            await db.Set<JobCheckpoint>().Where(c => c.JobId == job.Id).ExecuteDeleteAsync(CancellationToken.None);
        }
        foreach (var epoch in epochs) db.Add(epoch.ToRecord(job.Id, job.TenantId));
        alsoAdd?.Invoke();
        await db.SaveChangesAsync(CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
        db.ChangeTracker.Clear();
    }
}

/// <summary>Latest and best losses so far (all finite or null).</summary>
internal sealed record JobProgress(int Epoch = 0, double? TrainLoss = null, double? ValidationLoss = null,
    double? BestTrainLoss = null, double? BestValidationLoss = null, int? BestEpoch = null)
{
    /// <summary>The progress stored with the job's last checkpoint.</summary>
    public static JobProgress Of(TrainingJob j) => new(j.Epoch, j.TrainLoss, j.ValidationLoss, j.BestTrainLoss, j.BestValidationLoss, j.BestEpoch);

    public JobProgress After(EpochReport r, (double Value, int Epoch)? monitoredBest)
    {
        double? train = r.TrainLoss.Finite(), validation = r.ValidationLoss.Finite();
        double? bestTrain = train is { } t && !(BestTrainLoss <= t) ? t : BestTrainLoss;
        double? bestValidation = validation is { } v && !(BestValidationLoss <= v) ? v : BestValidationLoss;
        int? bestEpoch = monitoredBest?.Epoch
            ?? (validation is not null ? (bestValidation == validation ? r.Epoch : BestEpoch) : (bestTrain == train ? r.Epoch : BestEpoch));
        return new(r.Epoch, train, validation, bestTrain, bestValidation, bestEpoch);
    }
}

internal static class WarmStarts
{
    public static bool SameShape(NetworkSpec a, NetworkSpec b) =>
        a.InputWidth == b.InputWidth && a.Layers.Count == b.Layers.Count && a.Layers.Zip(b.Layers).All(p => p.First.Units == p.Second.Units);
}
