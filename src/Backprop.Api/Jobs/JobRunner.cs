using System.Diagnostics;
using Backprop.Api.Data;
using Backprop.Api.Datasets;
using Backprop.Api.Models;
using Backprop.Api.Networks;
using Backprop.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Jobs;

/// <summary>
/// Runs one job in its own scope: claims the row, loads network and dataset, trains epoch by epoch, buffers the history
/// (written at most every <see cref="JobOptions.ProgressInterval"/> and at the end), and stores the model on success.
/// </summary>
public sealed class JobRunner(BackpropDbContext db, DatasetLoader datasets, JobQueue queue, IOptions<JobOptions> options, ILogger<JobRunner> logger)
{
    private readonly List<EpochRecord> _pending = [];
    private JobProgress _progress = new();

    public async Task RunAsync(Guid jobId, CancellationToken stoppingToken)
    {
        using var cts = queue.Register(jobId, stoppingToken);
        try
        {
            if (!await ClaimAsync(jobId)) return;
            var job = await db.Set<TrainingJob>().AsNoTracking().SingleAsync(j => j.Id == jobId, CancellationToken.None);
            try
            {
                await TrainAsync(job, cts.Token, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The row must not stay "running" forever; the details go to the log, not to the client.
                logger.LogError(e, "Training job {JobId} failed unexpectedly.", jobId);
                _pending.Clear();
                db.ChangeTracker.Clear();
                await FinishAsync(job, JobStatus.Failed, "failed", $"The job failed unexpectedly ({e.GetType().Name}); see the service log.");
            }
        }
        finally
        {
            queue.Unregister(jobId);
        }
    }

    /// <summary>Queued → running, atomically; false when the job was cancelled or another consumer took it.</summary>
    private async Task<bool> ClaimAsync(Guid jobId)
    {
        var now = DateTime.UtcNow;
        int claimed = await db.Set<TrainingJob>().Where(j => j.Id == jobId && j.Status == JobStatus.Queued && !j.CancelRequested)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, JobStatus.Running).SetProperty(j => j.StartedAt, now).SetProperty(j => j.Attempt, j => j.Attempt + 1)
                .SetProperty(j => j.Epoch, 0).SetProperty(j => j.TrainLoss, (double?)null).SetProperty(j => j.ValidationLoss, (double?)null)
                .SetProperty(j => j.BestTrainLoss, (double?)null).SetProperty(j => j.BestValidationLoss, (double?)null).SetProperty(j => j.BestEpoch, (int?)null));
        if (claimed == 0) return false;
        // An earlier attempt interrupted by a shutdown starts over, so its partial history goes.
        await db.Set<EpochRecord>().Where(e => e.JobId == jobId).ExecuteDeleteAsync();
        return true;
    }

    private async Task TrainAsync(TrainingJob job, CancellationToken token, CancellationToken stoppingToken)
    {
        TrainingSession session;
        LoadedDataset dataset;
        var request = job.ReadRequest();
        var definition = NetworkRules.ReadDefinition(job.NetworkJson);
        try
        {
            var loaded = await datasets.LoadAsync(job.DatasetId, token);
            if (loaded is null) { await FinishAsync(job, JobStatus.Failed, "failed", $"Dataset {job.DatasetId} no longer exists."); return; }
            dataset = loaded;
            var warmStart = await LoadWarmStartAsync(job, definition.ToSpec(), request, token);
            session = TrainingSession.Start(definition.ToSpec(), dataset.Data, request.ToOptions(), warmStart);
        }
        catch (Exception e) when (e is InvalidTrainingOptionsException or InvalidNetworkSpecException or InvalidDataException)
        {
            await FinishAsync(job, JobStatus.Failed, "failed", e.Message);
            return;
        }
        catch (OperationCanceledException)
        {
            await StoppedAsync(job, stoppingToken);
            return;
        }

        var clock = Stopwatch.StartNew();
        var lastFlush = TimeSpan.Zero;
        try
        {
            while (!session.IsFinished)
            {
                var report = session.RunEpoch(token);
                if (report is null) break;
                _pending.Add(report.ToRecord(job.Id, job.TenantId));
                _progress = _progress.After(report, session.Best);
                if (clock.Elapsed - lastFlush >= options.Value.ProgressInterval)
                {
                    await FlushAsync(job.Id, null);
                    lastFlush = clock.Elapsed;
                }
            }
        }
        catch (OperationCanceledException)
        {
            await StoppedAsync(job, stoppingToken);
            return;
        }

        if (session.StopReason == StopReason.Diverged)
            await FinishAsync(job, JobStatus.Failed, "diverged", session.StopMessage);
        else
            await SucceedAsync(job, definition, request, session, dataset);
    }

    /// <summary>A shutdown puts the job back in the queue for the next start; a cancel request ends it, keeping its history.</summary>
    private async Task StoppedAsync(TrainingJob job, CancellationToken stoppingToken)
    {
        if (stoppingToken.IsCancellationRequested)
        {
            await db.Set<TrainingJob>().Where(j => j.Id == job.Id && j.Status == JobStatus.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Queued));
            logger.LogInformation("Job {JobId} interrupted by shutdown; queued for the next start.", job.Id);
            return;
        }
        await FinishAsync(job, JobStatus.Cancelled, "cancelled", null);
    }

    private async Task<WarmStart?> LoadWarmStartAsync(TrainingJob job, NetworkSpec spec, TrainingJobRequest request, CancellationToken ct)
    {
        if (job.WarmStartModelId is not { } modelId) return null;
        var blob = await db.Set<ModelBlob>().AsNoTracking().SingleOrDefaultAsync(b => b.ModelId == modelId, ct)
            ?? throw new InvalidDataException($"Warm-start model {modelId} no longer exists.");
        var model = ModelSerializer.FromBinary(blob.Model);
        if (!WarmStarts.SameShape(model.Spec, spec))
            throw new InvalidDataException($"Warm-start model {modelId} has different layer shapes from the network.");
        OptimizerState? state = null;
        if (blob.Snapshot is { } bytes)
        {
            var snapshot = TrainingSnapshot.FromBytes(bytes);
            if (snapshot.Options.Optimizer.Kind == (request.Optimizer?.Kind ?? OptimizerKind.Adam)) state = snapshot.Optimizer;
        }
        return new WarmStart(model.Parameters, state);
    }

    private async Task SucceedAsync(TrainingJob job, NetworkDefinition definition, TrainingJobRequest request, TrainingSession session, LoadedDataset dataset)
    {
        var model = TrainedModel.FromSession(session, dataset.Data) is var m && m.FeatureNames is null ? m with { FeatureNames = dataset.FeatureNames } : m;
        if (model.Task == TaskKind.Classification && model.ClassNames is null && dataset.ClassNames is { } names) model = model with { ClassNames = names };
        var validation = session.ValidationRows > 0;
        var metrics = ModelEvaluation.Evaluate(model, dataset.Data, validation ? session.ValidationIndices : null)
            .ToMetrics(validation ? "validation_split" : "training_data");
        var lineage = new ModelLineage("training", job.Id, job.DatasetId, job.NetworkId, job.WarmStartModelId, job.Seed, session.Epoch);
        var name = $"{definition.Name ?? "network"} on {dataset.Name}";
        var (entity, blob) = ModelRecords.Create(model, job.TenantId, name, lineage, metrics, session.Snapshot().ToBytes());
        db.Add(entity);
        db.Add(blob);
        var stop = session.StopReason == StopReason.EarlyStopped ? "early_stopped" : "completed";
        await FinishAsync(job, JobStatus.Succeeded, stop, null, entity.Id);
    }

    private async Task FinishAsync(TrainingJob job, JobStatus status, string stopReason, string? failure, Guid? modelId = null)
    {
        var now = DateTime.UtcNow;
        await FlushAsync(job.Id, async () => await db.Set<TrainingJob>().Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, status).SetProperty(j => j.StopReason, stopReason).SetProperty(j => j.FailureReason, failure)
            .SetProperty(j => j.ModelId, modelId).SetProperty(j => j.FinishedAt, now)));
        logger.LogInformation("Job {JobId} {Status} after {Epochs} epoch(s).", job.Id, status, _progress.Epoch);
    }

    /// <summary>Writes buffered history, pending entities and progress in one transaction (never cancelled halfway).</summary>
    private async Task FlushAsync(Guid jobId, Func<Task>? also)
    {
        await using var tx = await db.Database.BeginTransactionAsync(CancellationToken.None);
        db.AddRange(_pending);
        await db.SaveChangesAsync(CancellationToken.None);
        _pending.Clear();
        db.ChangeTracker.Clear();
        var p = _progress;
        await db.Set<TrainingJob>().Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Epoch, p.Epoch).SetProperty(j => j.TrainLoss, p.TrainLoss).SetProperty(j => j.ValidationLoss, p.ValidationLoss)
            .SetProperty(j => j.BestTrainLoss, p.BestTrainLoss).SetProperty(j => j.BestValidationLoss, p.BestValidationLoss)
            .SetProperty(j => j.BestEpoch, p.BestEpoch), CancellationToken.None);
        if (also is not null) await also();
        await tx.CommitAsync(CancellationToken.None);
    }
}

/// <summary>Latest and best losses so far (all finite or null).</summary>
internal sealed record JobProgress(int Epoch = 0, double? TrainLoss = null, double? ValidationLoss = null,
    double? BestTrainLoss = null, double? BestValidationLoss = null, int? BestEpoch = null)
{
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
