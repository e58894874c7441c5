using Backprop.Api.Jobs.Live;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Backprop.Api.Data;
using Backprop.Api.Datasets;
using Backprop.Api.Models;
using Backprop.Api.Networks;
using Backprop.Api.Security;
using Backprop.Api.Selection;
using Backprop.Api.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Backprop.Core.Diagnostics;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Jobs;

/// <summary>
/// Runs one job in its own scope: claims its lease, loads network and dataset as the job's tenant, resumes from the
/// last checkpoint (or starts), trains epoch by epoch, and checkpoints every <see
/// cref="JobOptions.CheckpointEveryEpochs"/> epochs or <see cref="JobOptions.CheckpointInterval"/> through its <see
/// cref="JobCheckpointWriter"/>, and ends it with one of the <see cref="JobTransitions"/>.
/// </summary>
public sealed partial class JobRunner(BackpropDbContext db, TenantContext tenant, DatasetLoader datasets,
    JobQueue queue, WorkerIdentity worker,
    ClusterEvents events, JobMemoryBudget memory, IServiceScopeFactory scopes, IOptions<JobOptions> options,
    SelectionSignal selection, LiveJobs liveJobs, SqliteWriteGate gate, BackpropMetrics metrics,
    IOptions<TelemetryOptions> telemetry,
    ILogger<JobRunner> logger)
{
    private JobCheckpointWriter _writer = null!; // set once the job is claimed
    private TrainingDiagnostics? _diagnostics;    // set once the session is open
    private string _owner = null!;               // this claim's lease owner
    private LiveJob? _live;                       // what readers in this process see of the job between checkpoints
    private JobTrace _trace = null!;              // set once the job is claimed
    private int _epochOffset;                     // 0, or in a refit the selection's last epoch (history numbering)
    // Where a job's time outside its epochs goes, logged at Debug when it ends: since this runner began looking for
    // work, the milliseconds at which the claim succeeded, the session was ready and the last epoch ended.
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _claimedMs, _loadedMs, _trainedMs;

    /// <summary>
    /// Claims the next job in fair order (<see cref="JobLeases.NextCandidatesAsync"/>) whose working memory fits beside
    /// the running
    /// jobs' (<see cref="JobMemoryBudget"/>), and runs it; false when there was none to claim. A candidate that does
    /// not fit stays
    /// queued and is woken on a release. When other workers keep taking the candidates first it answers true, so the
    /// caller
    /// looks again at once.
    /// </summary>
    public async Task<bool> RunNextAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        for (int round = 0; round < 4; round++)
        {
            // A job still running here, whose lease ran out under load, is left to its own worker unless another
            // process takes it.
            var candidates = (await JobLeases.NextCandidatesAsync(db, 8, stoppingToken))
                .Where(id => !queue.IsRunning(id)).ToList();
            if (candidates.Count == 0) return false;
            bool anyFitted = false;
            foreach (var jobId in candidates)
            {
                if (memory.Holds(jobId)) continue; // another worker of this process is claiming it
                long estimate = await memory.EstimateAsync(db, jobId, stoppingToken) ?? 0;
                if (!memory.TryReserve(jobId, estimate))
                {
                    logger.LogInformation("Job {JobId} waits in the queue: it needs ~{Needed:N0} bytes and "
                        + "running jobs hold {Used:N0} of {Budget:N0} (Jobs:MemoryBudgetBytes).",
                        jobId, estimate, memory.UsedBytes, o.MemoryBudgetBytes);
                    continue;
                }
                anyFitted = true;
                try
                {
                    var owner = worker.NextLeaseOwner();
                    ClaimOutcome claim;
                    using (await gate.EnterAsync(stoppingToken))
                        claim = await JobTransitions.ClaimAsync(db, jobId, owner, o.LeaseDuration, o.MaxAttempts);
                    if (claim == ClaimOutcome.GaveUp)
                    {
                        logger.LogError("Job {JobId} failed: started {Attempts} times in a row without reaching "
                            + "a checkpoint.",
                            jobId, o.MaxAttempts);
                    }
                    if (claim != ClaimOutcome.Claimed) continue;
                    _claimedMs = _clock.Elapsed.TotalMilliseconds;
                    await RunClaimedAsync(jobId, owner, stoppingToken);
                    return true;
                }
                finally
                {
                    memory.Release(jobId);
                }
            }
            // Every candidate waits for memory: the next release wakes the worker.
            if (!anyFitted) return false;
        }
        return true;
    }

    // Compiled once per model: the job path runs it for every job, and EF Core otherwise re-walks the query's expression
    // each time. A compiled query refuses any model but the one it first ran on, and one process can hold several (the
    // SQLite and PostgreSQL contexts' models differ), so each model gets its own.
    private static readonly ConditionalWeakTable<IModel, Func<BackpropDbContext, Guid, Task<TrainingJob>>> LoadJobs =
        new();

    private Task<TrainingJob> LoadJobAsync(Guid id) => LoadJobs.GetValue(db.Model, static _ => EF.CompileAsyncQuery(
        (BackpropDbContext c, Guid jobId) => c.Set<TrainingJob>().AsNoTracking().Single(j => j.Id == jobId)))(db, id);

    private async Task RunClaimedAsync(Guid jobId, string owner, CancellationToken stoppingToken)
    {
        var o = options.Value;
        var job = await LoadJobAsync(jobId);
        tenant.Set(job.TenantId);
        logger.LogInformation("Job {JobId} claimed by worker {Worker}, attempt {Attempt}.", jobId, owner, job.Attempt);
        _owner = owner;
        _writer = new JobCheckpointWriter(db, gate, job, owner, o, logger);
        _live = liveJobs.Start(job);
        _writer.Stored = epoch => _live?.Stored(epoch);
        using var trace = _trace = JobTrace.Start(job, telemetry.Value.MaxEpochEventsPerJob);

        using var cts = queue.Register(jobId, stoppingToken);
        var heartbeat = LeaseHeartbeat.Start(scopes, jobId, owner, o, cts, logger);
        try
        {
            await TrainAsync(job, heartbeat, cts.Token, stoppingToken);
        }
        catch (LeaseLostException)
        {
            _trace.Interrupted("lease_lost");
            logger.LogWarning("Job {JobId} lost its lease (attempt {Attempt}); stopped without writing, " +
                "another worker resumes it.", jobId, job.Attempt);
        }
        catch (StorageWriteException e)
        {
            // Nothing more can be written now: give the job back so it resumes from its last checkpoint once storage
            // recovers.
            _trace.Interrupted("storage_failure");
            logger.LogWarning(e.InnerException, "Job {JobId} gives up its lease (attempt {Attempt}): {Message}", jobId,
                job.Attempt, e.Message);
            await _writer.SettleAsync();
            await TryReleaseAsync(job);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The row must not stay "running" forever; the details go to the log, not to the client.
            logger.LogError(e, "Training job {JobId} failed unexpectedly.", jobId);
            await _writer.SettleAsync();
            _writer.Discard();
            db.ChangeTracker.Clear();
            try { await FailAsync(job, JobStopReason.Failed,
                $"The job failed unexpectedly ({e.GetType().Name}); see the service log."); }
            catch (LeaseLostException) { }
        }
        finally
        {
            await _writer.SettleAsync();
            await heartbeat.DisposeAsync();
            queue.Unregister(jobId, cts);
            liveJobs.End(_live);
        }
    }

    private async Task TrainAsync(TrainingJob job, LeaseHeartbeat heartbeat, CancellationToken token,
        CancellationToken stoppingToken)
    {
        var request = job.Request;
        var definition = NetworkMapping.ReadDefinition(job.NetworkJson);
        _trace.Network(definition);
        _writer.StartFrom(JobProgress.Of(job)); // what the row holds, until a session says otherwise
        TrainingSession session;
        LoadedDataset dataset;
        try
        {
            if (TestFaultInterceptor.Of(db) is { } faults) await faults.JobLoadAsync(token);
            dataset = await datasets.LoadAsync(job.DatasetId, token) ?? throw new InvalidDataException(
                $"Dataset {job.DatasetId} no longer exists.");
            session = await OpenSessionAsync(job, definition.ToSpec(), request, dataset, token);
        }
        catch (Exception e) when (
            e is InvalidTrainingOptionsException or InvalidNetworkSpecException or InvalidDataException)
        {
            await FailAsync(job, JobStopReason.Failed, e.Message);
            return;
        }
        catch (OperationCanceledException)
        {
            await StoppedBeforeSessionAsync(job, heartbeat, stoppingToken);
            return;
        }

        // A resumed job reads on from the state stored with its checkpoint; the epochs before it are not observed
        // twice. The findings describe the selection: a refit's epochs are not observed.
        int observed = _epochOffset > 0 ? _epochOffset : session.Epoch;
        _diagnostics = new TrainingDiagnostics(session.Spec, session.Options, request.Diagnostics,
            observed > 0 && JobDiagnostics.Read(job.DiagnosticsJson) is { } saved && saved.Epoch == observed
                ? saved : null);
        bool pruned = false;
        try
        {
            var pruner = await TrialPruner.ForAsync(db, job, token);
            _loadedMs = _clock.Elapsed.TotalMilliseconds;
            pruned = await RunEpochsAsync(job, session, pruner, token);
            if (!pruned && _epochOffset == 0 && request.Refit && session.SelectedEpochs is { } chosen)
            {
                session = await StartRefitAsync(job, session, chosen, dataset);
                await RunEpochsAsync(job, session, null, token);
            }
            _trainedMs = _clock.Elapsed.TotalMilliseconds;
        }
        catch (OperationCanceledException)
        {
            await StoppedAsync(job, session, heartbeat, stoppingToken);
            return;
        }

        if (session.StopReason == StopReason.Diverged)
        {
            _diagnostics.ObserveDivergence(_epochOffset + session.Epoch + 1,
                session.StopMessage ?? "a value became non-finite.");
            await FailAsync(job, JobStopReason.Diverged, _epochOffset == 0 ? session.StopMessage
                : $"The refit on every row {session.StopMessage} Or set refit to false to keep the model the " +
                    "validation split chose.");
        }
        else
        {
            // A refit runs the epochs its selection chose; the job stopped early if the selection did.
            JobStopReason? stop = pruned ? JobStopReason.Pruned
                : _epochOffset > 0 ? (_epochOffset < request.Epochs ? JobStopReason.EarlyStopped
                    : JobStopReason.Completed)
                : null;
            await SucceedAsync(job, definition, session, dataset, stop);
        }
    }

    /// <summary>
    /// Trains until the session finishes, publishing each epoch (numbered on from <see cref="_epochOffset"/>) and
    /// checkpointing every <see cref="JobOptions.CheckpointEveryEpochs"/> epochs or <see
    /// cref="JobOptions.CheckpointInterval"/>; true when a search's rule pruned the trial.
    /// </summary>
    private async Task<bool> RunEpochsAsync(TrainingJob job, TrainingSession session, TrialPruner? pruner,
        CancellationToken token)
    {
        var o = options.Value;
        var sinceCheckpoint = Stopwatch.StartNew();
        int checkpointEpoch = session.Epoch;
        var diagnostics = _diagnostics!;
        int publishedFindings = 0; // a resumed run publishes the findings it restored with its first epoch
        bool refit = _epochOffset > 0;
        while (!session.IsFinished)
        {
            if (session.RunEpoch(token) is not { } report) break;
            if (refit) report = report with { Epoch = _epochOffset + report.Epoch };
            _writer.Add(report, session.Best, refit);
            if (!refit) diagnostics.Observe(report);
            _trace.Epoch(report);
            metrics.EpochCompleted(report.Duration, session.TrainRows);
            if (diagnostics.Version != publishedFindings)
            {
                publishedFindings = diagnostics.Version;
                _live!.PublishFindings(diagnostics.Findings.Select(f => f.ToResponse()).ToList());
            }
            _live!.Publish(report, _writer.Progress);
            if (_writer.Failed)
                // a lost lease (or a database error) stops the run now, not at the next checkpoint
                await _writer.WrittenAsync();
            pruner?.Observe(report);
            if (pruner is not null && pruner.Decides(session.Epoch, job.Epochs))
            {
                await _writer.WrittenAsync(); // the context serves one use at a time
                if (await pruner.ShouldStopAsync(db, job.Id, report, token)) return true;
            }
            if (!session.IsFinished && (session.Epoch - checkpointEpoch >= o.CheckpointEveryEpochs
                || sinceCheckpoint.Elapsed >= o.CheckpointInterval))
            {
                _writer.Diagnostics = diagnostics.State;
                await _writer.BeginCheckpointAsync(session.Snapshot().ToBytes());
                checkpointEpoch = session.Epoch;
                sinceCheckpoint.Restart();
            }
        }
        return false;
    }

    /// <summary>
    /// The selection chose <paramref name="chosen"/> epochs: a fresh session trains that many on every row from the
    /// same initial weights. Its starting state is the checkpoint, written with the selection's last epochs and the
    /// job's new epoch count in one transaction, so a crash from here on resumes the refit, and one before it replays
    /// the selection from its last checkpoint to the same choice.
    /// </summary>
    private async Task<TrainingSession> StartRefitAsync(TrainingJob job, TrainingSession selection, int chosen,
        LoadedDataset dataset)
    {
        int from = selection.Epoch;
        var refit = TrainingSession.Start(selection.Spec, dataset.Data, selection.Options.ForRefit(chosen));
        var lease = DateTime.UtcNow + options.Value.LeaseDuration;
        _writer.Diagnostics = _diagnostics!.State;
        await _writer.CommitAsync(refit.Snapshot().ToBytes(), s => s.SetProperty(j => j.RefitFromEpoch, from)
            .SetProperty(j => j.Epochs, from + chosen).SetProperty(j => j.LeaseExpiresAt, lease));
        (_epochOffset, job.RefitFromEpoch, job.Epochs) = (from, from, from + chosen);
        _live!.StartRefit(from, from + chosen);
        _trace.Refit(from, chosen, refit.TrainRows);
        logger.LogInformation("Job {JobId}: the validation split chose {Chosen} epochs after {From}; refitting on all "
            + "{Rows} rows.", job.Id, chosen, from, refit.TrainRows);
        return refit;
    }

    /// <summary>From the job's checkpoint if it has one; else a continued model's final state, a warm start, or a fresh
    /// initialisation.</summary>
    private async Task<TrainingSession> OpenSessionAsync(TrainingJob job, NetworkSpec spec,
        StoredTrainingRequest request, LoadedDataset dataset, CancellationToken ct)
    {
        // Only a lease holder writes a checkpoint, so a job on its first claim has none to look for.
        var checkpoint = job.Attempt > 1 ? await db.Set<JobCheckpoint>().AsNoTracking()
            .SingleOrDefaultAsync(c => c.JobId == job.Id, ct) : null;
        _writer.MayHaveCheckpoint = checkpoint is not null;
        if (checkpoint is not null)
        {
            _writer.StartFrom(JobProgress.Of(job));
            // a refit's checkpoint holds the refit's session, numbered from 0
            _epochOffset = job.RefitFromEpoch ?? 0;
            logger.LogInformation("Job {JobId} resumes from its checkpoint at epoch {Epoch} (attempt {Attempt}).",
                job.Id, checkpoint.Epoch, job.Attempt);
            return TrainingSession.Restore(TrainingSnapshot.FromBytes(checkpoint.Snapshot), dataset.Data);
        }
        if (job.RefitFromEpoch is not null) throw new InvalidDataException(
            $"Job {job.Id} was refitting but its checkpoint is gone.");
        _writer.StartFrom(new JobProgress(job.InitialEpoch));
        if (job.ContinuesModelId is { } modelId) return await ContinueAsync(job, modelId, dataset, ct);
        var warmStart = await LoadWarmStartAsync(job, spec, request, ct);
        return TrainingSession.Start(spec, dataset.Data, request.ToOptions(dataset.ClassNames), warmStart);
    }

    /// <summary>
    /// The model's final snapshot with more epochs: weights, optimizer moments and step, schedule and RNG position
    /// carry on, so the continued run is the longer run it would have been (an early stop's patience starts afresh).
    /// </summary>
    private async Task<TrainingSession> ContinueAsync(TrainingJob job, Guid modelId, LoadedDataset dataset,
        CancellationToken ct)
    {
        var bytes = await db.Set<ModelBlob>().AsNoTracking().Where(b => b.ModelId == modelId).Select(b => b.Snapshot)
            .SingleOrDefaultAsync(ct)
            ?? throw new InvalidDataException(
                $"Model {modelId} no longer exists or has no training state to continue.");
        var final = TrainingSnapshot.FromBytes(bytes);
        if (final.Epoch != job.InitialEpoch) throw new InvalidDataException(
            $"Model {modelId} was trained for {final.Epoch} epochs, the job expected {job.InitialEpoch}.");
        var more = final with
        {
            Options = final.Options with { Epochs = job.Epochs },
            StopReason = null,
            StopMessage = null,
            EarlyStopping = final.EarlyStopping is { } e ? e with { BadEpochs = 0 } : null,
        };
        return TrainingSession.Restore(more, dataset.Data);
    }

    private async Task<WarmStart?> LoadWarmStartAsync(TrainingJob job, NetworkSpec spec, StoredTrainingRequest request,
        CancellationToken ct)
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
            if (snapshot.Options.Optimizer.Kind == (request.Optimizer?.Kind ?? OptimizerKind.Adam)) state =
                snapshot.Optimizer;
        }
        return new WarmStart(model.Parameters, state);
    }
}
