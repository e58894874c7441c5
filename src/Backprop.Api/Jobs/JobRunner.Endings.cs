using Backprop.Api.Data;
using Backprop.Api.Datasets;
using Backprop.Api.Models;
using Backprop.Api.Networks;
using Microsoft.EntityFrameworkCore.Query;

namespace Backprop.Api.Jobs;

public sealed partial class JobRunner
{
    /// <summary>
    /// A shutdown checkpoints and puts the job back in the queue for the next start (lease released); a cancel request
    /// ends it, keeping the history of the epochs it completed; a lost lease writes nothing.
    /// </summary>
    private async Task StoppedAsync(TrainingJob job, TrainingSession session, LeaseHeartbeat heartbeat,
        CancellationToken stoppingToken)
    {
        if (heartbeat.LeaseLost) throw new LeaseLostException(job.Id);
        if (!stoppingToken.IsCancellationRequested)
        {
            await FinishAsync(job, JobStatus.Cancelled, JobTransitions.Cancel(DateTime.UtcNow),
                live: (JobStopReason.Cancelled, null, null));
            return;
        }
        // The core rolled the interrupted epoch back, so the session is at its last completed epoch.
        if (_diagnostics is not null) _writer.Diagnostics = _diagnostics.State;
        await _writer.CommitAsync(session.Snapshot().ToBytes(), JobTransitions.Release);
        _trace.Interrupted("shutdown");
        logger.LogInformation("Job {JobId} checkpointed at epoch {Epoch} by shutdown; queued for the next start.",
            job.Id, _writer.Progress.Epoch);
        // Another replica, if there is one, resumes it now rather than at its next sweep.
        try { await events.PublishAsync(db, ClusterEvent.JobQueued, job.TenantId, CancellationToken.None); }
        catch (Exception e) { logger.LogWarning(e,
            "Could not announce job {JobId} to the other replicas; their sweep finds it.", job.Id); }
    }

    /// <summary>
    /// Stopped while loading, before there is a session to checkpoint: a shutdown only gives the lease back, leaving
    /// progress, checkpoint and history as they are, so the next start resumes where the job was; a cancel request ends
    /// the job.
    /// </summary>
    private async Task StoppedBeforeSessionAsync(TrainingJob job, LeaseHeartbeat heartbeat,
        CancellationToken stoppingToken)
    {
        if (heartbeat.LeaseLost) throw new LeaseLostException(job.Id);
        if (!stoppingToken.IsCancellationRequested)
        {
            await FinishAsync(job, JobStatus.Cancelled, JobTransitions.Cancel(DateTime.UtcNow),
                live: (JobStopReason.Cancelled, null, null));
            return;
        }
        if (!await JobTransitions.ReleaseHeldAsync(db, job.Id, _owner,
            CancellationToken.None)) throw new LeaseLostException(job.Id);
        _trace.Interrupted("shutdown");
        logger.LogInformation("Job {JobId} stopped by shutdown before training resumed; "
            + "queued for the next start at epoch {Epoch}.",
            job.Id, job.Epoch);
    }

    /// <summary>Gives the job back after a storage failure; if even that cannot be written, the lease expires and the
    /// sweep re-queues it.</summary>
    private async Task TryReleaseAsync(TrainingJob job)
    {
        _writer.Discard();
        db.ChangeTracker.Clear();
        try { await JobTransitions.ReleaseHeldAsync(db, job.Id, _owner, CancellationToken.None); }
        catch (Exception e) when (StorageErrors.IsTransient(e))
        {
            logger.LogWarning("Job {JobId}: releasing its lease failed too ({Error}); " +
                "it is re-queued when the lease expires.", job.Id, e.Message);
        }
    }

    /// <param name="stopReason">Pruned when the search's early-termination rule stopped the trial; else from the
    /// session.</param>
    private async Task SucceedAsync(TrainingJob job, NetworkDefinition definition, TrainingSession session,
        LoadedDataset dataset, JobStopReason? stopReason = null)
    {
        var model = TrainedModel.FromSession(session, dataset.Data) is var m && m.FeatureNames is null
            ? m with { FeatureNames = dataset.FeatureNames }
            : m;
        if (model.Task == TaskKind.Classification && model.ClassNames is null && dataset.ClassNames is { } names)
            model = model with { ClassNames = names };
        var validation = session.ValidationRows > 0;
        var metrics = ModelEvaluation.Evaluate(model, dataset.Data, validation ? session.ValidationIndices : null,
            session.ClassWeights)
            .ToMetrics(validation ? "validation_split" : "training_data");
        var lineage = new ModelLineage("training", job.Id, job.DatasetId, job.NetworkId,
            job.WarmStartModelId ?? job.ContinuesModelId, job.Seed, session.Epoch);
        var name = $"{definition.Name ?? "network"} on {dataset.Name}";
        var (entity, blob) = ModelMapping.Create(model, job.TenantId, name, lineage, metrics, session.Snapshot()
            .ToBytes());
        var stop = stopReason ?? (session.StopReason == StopReason.EarlyStopped ? JobStopReason.EarlyStopped
            : JobStopReason.Completed);
        await FinishAsync(job, JobStatus.Succeeded, JobTransitions.Succeed(stop, entity.Id, DateTime.UtcNow),
            () => { db.Add(entity); db.Add(blob); }, (stop, null, entity.Id));
    }

    private Task FailAsync(TrainingJob job, JobStopReason reason, string? message) =>
        FinishAsync(job, JobStatus.Failed, JobTransitions.Fail(reason, message, DateTime.UtcNow),
            live: (reason, message, null));

    private async Task FinishAsync(TrainingJob job, JobStatus status,
        Action<UpdateSettersBuilder<TrainingJob>> transition,
        Action? alsoAdd = null, (JobStopReason Reason, string? Failure, Guid? ModelId)? live = null)
    {
        if (_diagnostics is not null) _writer.Diagnostics = _diagnostics.State;
        await _writer.CommitAsync(null, transition, alsoAdd);
        // Streams, the job's span and the metrics see the ending at once, with the row's words for it.
        if (live is { } end)
        {
            var reason = JsonNames.Of(end.Reason);
            _live?.Finish(status, reason, end.Failure, end.ModelId);
            _trace.Finished(JsonNames.Of(status), reason, end.Failure);
            metrics.JobFinished(JsonNames.Of(status), reason);
        }
        logger.LogInformation("Job {JobId} {Status} after {Epochs} epoch(s).", job.Id, status, _writer.Progress.Epoch);
        if (_trainedMs > 0 && logger.IsEnabled(LogLevel.Debug))
            logger.LogDebug("Job {JobId} took {Claim:F1} ms to find and claim, {Load:F1} ms to load, {Train:F1} ms "
                + "to train and {End:F1} ms to end.", job.Id, _claimedMs, _loadedMs - _claimedMs,
                _trainedMs - _loadedMs, _clock.Elapsed.TotalMilliseconds - _trainedMs);
        // its cross-validation or search moves on now
        if (job.ParentJobId is not null || job.SearchId is not null) selection.Notify();
    }
}
