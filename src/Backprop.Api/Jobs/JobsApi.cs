using Backprop.Api.Data;
using Backprop.Api.Datasets;
using Backprop.Api.Jobs.Live;
using Backprop.Api.Models;
using Backprop.Api.Networks;
using Backprop.Api.Security;
using Backprop.Api.Selection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Jobs;

/// <summary>/api/jobs: training jobs, run in the background; their status, per-epoch history and
/// cancellation.</summary>
public static class JobsApi
{
    /// <summary>Most epochs in one page of history.</summary>
    public const int MaxHistoryPage = 1000;

    public static RouteGroupBuilder MapJobsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/jobs").WithTags("Training jobs");
        group.MapPost("/", Create).WithName("StartTrainingJob")
            .WithSummary(
                "Queue a training job (202 with the job's Location; poll it until succeeded, failed or cancelled)")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimits.Jobs);
        group.MapGet("/", List).WithName("ListTrainingJobs")
            .WithSummary("List training jobs, newest first, optionally by status");
        group.MapGet("/{id:guid}", Get).WithName("GetTrainingJob")
            .WithSummary("Status, progress, losses, timing and the resulting model");
        group.MapGet("/{id:guid}/history", History).WithName("GetTrainingHistory")
            .WithSummary($"Every epoch's report (losses, metrics, learning rate, per-layer gradient norms, " +
                $"duration), in pages of up to {MaxHistoryPage} epochs with the total and a next link (as CSV with " +
                "Accept: text/csv)")
            .WithCsv();
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteTrainingJob")
            .WithSummary(
                "Delete a finished job with its history (409 while it is queued or running; its model, if any, stays)")
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{id:guid}/cancel", Cancel).WithName("CancelTrainingJob")
            .WithSummary("Cancel a job: a queued job is cancelled at once (200), a running one at its next batch (202)")
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapJobEvents();
        api.MapPost("/models/{id:guid}/continue", Continue).WithTags("Training jobs").WithName("ContinueTraining")
            .WithSummary("Train a trained model for more epochs as a new job, its optimizer state, " +
                "schedule and shuffle position carried on (202)")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimits.Jobs);
        return group;
    }

    private static async Task<Results<Accepted<JobResponse>, ProblemHttpResult, ValidationProblem>> Create(
        TrainingJobRequest request, BackpropDbContext db, ICurrentTenant tenant, DatasetLoader datasets, JobQueue queue,
            ClusterEvents events,
        IOptions<LimitsOptions> limits, IOptions<JobOptions> jobOptions, IOptions<TenancyOptions> tenancy,
            TenantQuotas quotas, JobSubmissions submissions, JobMemoryBudget memory, CancellationToken ct)
    {
        var required = new ProblemErrors();
        if (request.NetworkId == Guid.Empty) required.Add("networkId",
            "networkId is required: the id of a stored network (POST /api/networks).");
        if (request.DatasetId == Guid.Empty) required.Add("datasetId",
            "datasetId is required: the id of a stored dataset (POST /api/datasets).");
        if (required.Any) return TypedResults.ValidationProblem(required.ToDictionary());
        if (request.Epochs > limits.Value.MaxEpochs)
            return TypedResults.ValidationProblem(ProblemErrors.Single("epochs",
                $"This service runs at most {limits.Value.MaxEpochs} epochs per job, got {request.Epochs}.")
                    .ToDictionary());
        var network = await db.Set<NetworkEntity>().OwnedBy(tenant).AsNoTracking().SingleOrDefaultAsync(n =>
            n.Id == request.NetworkId, ct);
        if (network is null) return NotFound($"Network {request.NetworkId} does not exist.");
        // Validated from the dataset's summary: the worker decodes the rows once, to train.
        var dataset = await datasets.GetSummaryAsync(request.DatasetId, ct);
        if (dataset is null) return NotFound($"Dataset {request.DatasetId} does not exist.");
        var definition = NetworkMapping.ReadDefinition(network.DefinitionJson);
        var spec = definition.ToSpec();
        ulong seed = request.Seed ?? spec.Seed;
        var cv = request.CrossValidation is { } asked ? asked with { ShuffleSeed = asked.ShuffleSeed ?? seed } : null;
        request = request with { CrossValidation = cv };
        // A whole cross-validation is checked as its first fold; each fold differs only in which rows it holds out.
        var checkedRequest = cv is { Fold: null } ? request with { CrossValidation = cv with { Fold = 0 } } : request;
        // Refused before the dataset is decoded (below, for a prepared table): over quota, or over the per-job memory
        // limit (estimated from stored sizes). Every job's quotas are checked again where it is stored.
        if (dataset.Prepared && await TenantQuotas.CheckJobsAsync(db, tenant, tenancy.Value, ct) is { } overQuota)
            return overQuota;
        var estimate = JobMemory.Estimate(spec, request, dataset.RowCount, dataset.FeatureCount);
        if (request.BatchSize > 0 && JobMemory.OverLimit(estimate, jobOptions.Value.MaxJobMemoryBytes) is { } tooBig)
            return TypedResults.ValidationProblem(tooBig.ToDictionary());

        var errors = new ProblemErrors();
        ClassWeightsRequest.Read(request.ClassWeights, dataset.ClassNames, errors);
        var options = request.ToOptions(dataset.ClassNames);
        errors.AddRange(checkedRequest.ToOptions(dataset.ClassNames).Validate(dataset.RowCount, dataset.Task))
            .AddRange(dataset.Shape.CompatibilityWith(spec));
        if (request.Diagnostics is { } thresholds)
            foreach (var (property, message) in thresholds.ToThresholds().Validate()) errors.Add("diagnostics."
                + property, message);
        RefitErrors(request, options, errors);
        // A table with categories or gaps: the input width follows from the preparation fitted on this job's split, so
        // its rows are read.
        if (!errors.Any && dataset.Prepared && await datasets.LoadAsync(request.DatasetId,
            ct) is { } loaded) PreparedWidthErrors(loaded, options, spec, errors);
        if (request.WarmStartModelId is { } modelId)
        {
            var model = await db.Set<ModelEntity>().OwnedBy(tenant).AsNoTracking().SingleOrDefaultAsync(m =>
                m.Id == modelId, ct);
            if (model is null) return NotFound($"Model {modelId} does not exist.");
            if (!WarmStarts.SameShape(NetworkMapping.ReadDefinition(model.ArchitectureJson).ToSpec(), spec))
                errors.Add("warmStartModelId", "The model's layer shapes differ from the network's; " +
                    "warm-start needs the same input width and units per layer.");
        }
        if (errors.Any) return TypedResults.ValidationProblem(errors.ToDictionary());

        var job = TrainingJob.Queued(tenant.Id, network.Id, request.DatasetId, network.DefinitionJson,
            request.ToStored(), seed, options.Epochs);
        job.WarmStartModelId = request.WarmStartModelId;
        if (cv is { Fold: null }) return await CreateCrossValidationAsync(job, network, cv, db, tenant, queue, events,
            quotas, ct);
        // a refit adds up to as many epochs again
        if (await submissions.SubmitAsync(job, options.Epochs * (job.Request.Refit ? 2 : 1),
            TenantQuotas.ModelBytesOf(network.ParameterCount)) is { } refused) return refused;
        memory.Remember(job.Id, estimate.TotalBytes);
        return TypedResults.Accepted($"/api/jobs/{job.Id}", job.ToResponse(DateTime.UtcNow));
    }

    /// <summary>refit: true needs a validation split that chooses the epochs, and a fresh initialisation to start
    /// from twice.</summary>
    private static void RefitErrors(TrainingJobRequest request, TrainingOptions options, ProblemErrors errors)
    {
        if (request.Refit is not true) return;
        if (request.CrossValidation is not null)
            errors.Add("refit", "A cross-validation fold's score must not train on its own rows; leave refit out (a " +
                "cross-validation's final model is crossValidation.trainFinalModel).");
        else if (request.WarmStartModelId is not null)
            errors.Add("refit", "A refit starts again from the first training's initial weights, which a warm start " +
                "takes from a model that may be gone by then; leave refit out or warmStartModelId.");
        else if (!options.SelectsEpochsOnValidation)
            errors.Add("refit", "A refit trains for the epoch count a validation split chose: give " +
                "validationFraction > 0 and earlyStopping monitoring validation_loss or validation_accuracy, or " +
                "omit epochs to get both by default.");
    }

    /// <summary>Wakes this process's idle workers at once and every other replica's through the database.</summary>
    private static async Task QueuedAsync(BackpropDbContext db, JobQueue queue, ClusterEvents events,
        ICurrentTenant tenant)
    {
        queue.Wake();
        await events.PublishAsync(db, ClusterEvent.JobQueued, tenant.Id, CancellationToken.None);
    }

    /// <summary>The parent (running at once; no worker claims it) and one queued child job per fold, in one transaction
    /// within the quota.</summary>
    private static async Task<Results<Accepted<JobResponse>, ProblemHttpResult,
        ValidationProblem>> CreateCrossValidationAsync(
        TrainingJob parent, NetworkEntity network, CrossValidationRequest cv, BackpropDbContext db,
            ICurrentTenant tenant, JobQueue queue,
        ClusterEvents events, TenantQuotas quotas, CancellationToken ct)
    {
        parent.Status = JobStatus.Running;
        parent.StartedAt = parent.CreatedAt;
        parent.FoldCount = cv.Folds;
        var folds = CrossValidation.CreateFolds(parent);
        db.Add(parent);
        db.AddRange(folds);
        // Each fold (and the final training) writes its own history and model.
        int trainings = folds.Count + (cv.TrainFinalModel ? 1 : 0);
        long modelBytes = TenantQuotas.ModelBytesOf(network.ParameterCount) * trainings;
        if (await quotas.CreateWithinAsync(q => TenantQuotas.FirstExceededAsync(
                () => DatasetGoneAsync(db, tenant, parent.DatasetId, ct),
                () => TenantQuotas.CheckJobsAsync(db, tenant, q, ct, adding: folds.Count),
                () => TenantQuotas.CheckHistoryRowsAsync(db, tenant, parent.Epochs * trainings, q, ct),
                () => TenantQuotas.CheckModelBytesAsync(db, tenant, modelBytes, q, ct)), () => db.SaveChangesAsync(ct),
                    ct) is { } exceeded)
            return exceeded;
        await QueuedAsync(db, queue, events, tenant);
        return TypedResults.Accepted($"/api/jobs/{parent.Id}", parent.ToResponse(DateTime.UtcNow,
            await CrossValidation.SummarizeAsync(db, parent, ct)));
    }

    private static async Task<Results<Accepted<JobResponse>, ProblemHttpResult, ValidationProblem>> Continue(
        Guid id, ContinueTrainingRequest request, BackpropDbContext db, ICurrentTenant tenant, JobQueue queue,
            ClusterEvents events, IOptions<LimitsOptions> limits,
        TenantQuotas quotas, CancellationToken ct)
    {
        if (request.Epochs < 1 || request.Epochs > limits.Value.MaxEpochs)
            return TypedResults.ValidationProblem(ProblemErrors.Single("epochs",
                $"Epochs must be between 1 and {limits.Value.MaxEpochs}, got {request.Epochs}.").ToDictionary());
        var model = await db.Set<ModelEntity>().OwnedBy(tenant).AsNoTracking().SingleOrDefaultAsync(m => m.Id == id,
            ct);
        if (model is null) return NotFound($"Model {id} does not exist.");
        var source = model.JobId is { } jobId ? await db.Set<TrainingJob>().OwnedBy(tenant).AsNoTracking()
            .SingleOrDefaultAsync(j => j.Id == jobId, ct) : null;
        if (source is null || !await db.Set<ModelBlob>().AnyAsync(b => b.ModelId == id && b.Snapshot != null, ct))
            return Conflict($"Model {id} has no training run to continue (it was imported); " +
                "start a job with warmStartModelId instead.");
        if (!await db.Set<DatasetEntity>().OwnedBy(tenant).AnyAsync(d => d.Id == source.DatasetId, ct))
            return Conflict($"Dataset {source.DatasetId}, which the model was trained on, no longer exists.");

        int trained = model.Epochs ?? source.Epoch;
        // The model's run carries on: a refit's trained every row, with no split and no early stopping.
        var continued = (source.RefitFromEpoch is null ? source.Request
            : source.Request with { ValidationFraction = 0, EarlyStopping = null })
            with { Epochs = request.Epochs, WarmStartModelId = null, Refit = false };
        var job = TrainingJob.Queued(tenant.Id, source.NetworkId, source.DatasetId, source.NetworkJson, continued,
            source.Seed, trained + request.Epochs);
        job.ContinuesModelId = id;
        job.InitialEpoch = job.Epoch = trained;
        db.Add(job);
        long modelBytes = TenantQuotas.ModelBytesOf(model.ParameterCount);
        if (await quotas.CreateWithinAsync(q => TenantQuotas.FirstExceededAsync(
                () => DatasetGoneAsync(db, tenant, job.DatasetId, ct),
                () => TenantQuotas.CheckJobsAsync(db, tenant, q, ct),
                () => TenantQuotas.CheckHistoryRowsAsync(db, tenant, request.Epochs, q, ct),
                () => TenantQuotas.CheckModelBytesAsync(db, tenant, modelBytes, q, ct)), () => db.SaveChangesAsync(ct),
                    ct) is { } exceeded)
            return exceeded;
        await QueuedAsync(db, queue, events, tenant);
        return TypedResults.Accepted($"/api/jobs/{job.Id}", job.ToResponse(DateTime.UtcNow));
    }

    private static async Task<Results<Ok<Paged<JobSummary>>, ValidationProblem>> List(
        BackpropDbContext db, ICurrentTenant tenant, IOptions<LimitsOptions> limits, LiveJobs live,
            CancellationToken ct,
        string? status = null, int page = 1, int pageSize = 20)
    {
        if (Paging.Check(page, pageSize, limits.Value) is { } errors) return TypedResults.ValidationProblem(errors);
        var query = db.Set<TrainingJob>().OwnedBy(tenant).AsNoTracking();
        if (status is not null)
        {
            if (JsonNames.TryParse<JobStatus>(status) is not { } wanted)
                return TypedResults.ValidationProblem(ProblemErrors.Single("status",
                    $"Unknown status '{status}'; use queued, running, succeeded, failed or cancelled.").ToDictionary());
            query = query.Where(j => j.Status == wanted);
        }
        var ordered = query.OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id).Select(JobMapping.Summary);
        return TypedResults.Ok(await ordered.ToPageAsync(page, pageSize, j => j.WithLive(live), ct));
    }

    private static async Task<Results<Ok<JobResponse>, NotFound>> Get(Guid id, BackpropDbContext db,
        ICurrentTenant tenant, LiveJobs live, CancellationToken ct)
    {
        if (await Find(db, tenant, id, ct) is not { } job) return TypedResults.NotFound();
        var folds = job.FoldCount is not null ? await CrossValidation.SummarizeAsync(db, job, ct) : null;
        return TypedResults.Ok(job.ToResponse(DateTime.UtcNow, folds).WithLive(live));
    }

    private static async Task<Results<Ok<JobHistoryResponse>, NotFound, ValidationProblem>> History(
        Guid id, BackpropDbContext db, ICurrentTenant tenant, CancellationToken ct, int fromEpoch = 1,
            int limit = MaxHistoryPage)
    {
        if (limit is < 1 or > MaxHistoryPage)
            return TypedResults.ValidationProblem(ProblemErrors.Single("limit", $"limit must be between 1 and " +
                $"{MaxHistoryPage}, got {limit}; follow the response's next link for more.").ToDictionary());
        if (await Find(db, tenant, id, ct) is not { } job) return TypedResults.NotFound();
        if (job.FoldCount is not null)
        {
            // A cross-validation's history is its folds' mean per epoch.
            var (averaged, count) = await CrossValidation.HistoryAsync(db, id, fromEpoch, limit + 1, ct);
            string? nextPage = averaged.Count > limit
                ? $"/api/jobs/{id}/history?fromEpoch={averaged[limit].Epoch}&limit={limit}" : null;
            return TypedResults.Ok(new JobHistoryResponse(id, job.Status, averaged.Take(limit).ToList(), [], count,
                nextPage));
        }
        var history = db.Set<EpochEntity>().AsNoTracking().Where(e => e.JobId == id);
        int total = await history.CountAsync(ct);
        // One row past the page tells whether there is a next page.
        var epochs = await history.Where(e => e.Epoch >= fromEpoch).OrderBy(e => e.Epoch).Take(limit + 1)
            .ToListAsync(ct);
        string? next = epochs.Count > limit ? $"/api/jobs/{id}/history?fromEpoch={epochs[limit].Epoch}&limit={limit}"
            : null;
        return TypedResults.Ok(new JobHistoryResponse(id, job.Status, epochs.Take(limit).Select(e => e.ToResponse()
            with { Phase = JobMapping.PhaseOf(job.Request.Refit, job.RefitFromEpoch, e.Epoch) })
            .ToList(), JobDiagnostics.Findings(job.DiagnosticsJson), total, next));
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> Delete(Guid id, BackpropDbContext db,
        ICurrentTenant tenant, CancellationToken ct)
    {
        if (await Find(db, tenant, id, ct) is not { } job) return TypedResults.NotFound();
        if (!job.Status.IsFinished())
            return Conflict($"The job is {JsonNames.Of(job.Status)}; cancel it (POST /api/jobs/{id}/cancel) and " +
                "delete it once it has stopped.");
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Set<EpochEntity>().Where(e => e.JobId == id).ExecuteDeleteAsync(ct);
        await db.Set<JobCheckpoint>().Where(c => c.JobId == id).ExecuteDeleteAsync(ct);
        // Only a finished job is deleted: a cancel or a worker that got there first leaves the row (and answers 409 on
        // retry).
        int deleted = await db.Set<TrainingJob>().OwnedBy(tenant)
            .Where(j => j.Id == id && (j.Status == JobStatus.Succeeded
            || j.Status == JobStatus.Failed || j.Status == JobStatus.Cancelled)).ExecuteDeleteAsync(ct);
        if (deleted == 0) return Conflict("The job changed state while it was being deleted; read it again.");
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<JobResponse>, Accepted<JobResponse>, NotFound, ProblemHttpResult>> Cancel(
        Guid id, BackpropDbContext db, ICurrentTenant tenant, JobQueue queue, ClusterEvents events,
            CancellationToken ct)
    {
        if (await Find(db, tenant, id, ct) is not { } job) return TypedResults.NotFound();
        if (job.FoldCount is not null)
        {
            if (job.Status.IsFinished())
                return TypedResults.Problem($"The job has already finished ({JsonNames.Of(job.Status)}).",
                    statusCode: StatusCodes.Status409Conflict, title: "Job finished");
            await CrossValidation.CancelAsync(db, events, id, ct);
            var parent = (await Find(db, tenant, id, ct))!;
            return TypedResults.Ok(parent.ToResponse(DateTime.UtcNow, await CrossValidation.SummarizeAsync(db, parent,
                ct)));
        }
        bool cancelled = await JobTransitions.CancelQueuedAsync(db, id, ct);
        if (!cancelled)
        {
            if (!await JobTransitions.RequestCancelAsync(db, id, ct))
                return TypedResults.Problem($"The job has already finished ({JsonNames.Of(job.Status)}).",
                    statusCode: StatusCodes.Status409Conflict, title: "Job finished");
            // Stops it within a batch on whichever replica runs it (the lease heartbeat also polls for the request).
            if (!queue.Cancel(id)) await events.PublishAsync(db, ClusterEvent.JobCancelRequested, id.ToString(), ct);
        }
        var fresh = (await Find(db, tenant, id, ct))!.ToResponse(DateTime.UtcNow);
        return cancelled ? TypedResults.Ok(fresh) : TypedResults.Accepted($"/api/jobs/{id}", fresh);
    }

    /// <summary>A dataset with column kinds is encoded by a preparation fitted on the training split: the network must
    /// take its width.</summary>
    private static void PreparedWidthErrors(LoadedDataset dataset, TrainingOptions options, NetworkSpec spec,
        ProblemErrors errors)
    {
        if (TrainingSession.FitPreparation(dataset.Data, options, options.Seed
            ?? spec.Seed) is not { } preparation) return;
        if (preparation.EncodedWidth == spec.InputWidth) return;
        errors.Add("network.inputWidth", $"The dataset's prepared inputs are {preparation.EncodedWidth} wide ("
            + string.Join(", ", preparation.Columns.Select(c => $"{c.Name}: {c.Width}"))
            + $") but the network expects {spec.InputWidth}; "
            + $"set inputWidth to {preparation.EncodedWidth} (categorical columns give one input per training "
            + "level, plus (other) and (missing) where they apply).");
    }

    /// <summary>
    /// Checked again under the tenant's lock, just before the job is stored: DELETE /api/datasets/{id} takes the same
    /// lock, so
    /// a dataset deleted since the request read it is answered 404 here, and a job stored first makes that delete
    /// answer 409.
    /// </summary>
    private static async Task<ProblemHttpResult?> DatasetGoneAsync(BackpropDbContext db, ICurrentTenant tenant,
        Guid datasetId, CancellationToken ct) =>
        await db.Set<DatasetEntity>().OwnedBy(tenant).AnyAsync(d => d.Id == datasetId,
            ct) ? null : NotFound($"Dataset {datasetId} does not exist.");

    private static Task<TrainingJob?> Find(BackpropDbContext db, ICurrentTenant tenant, Guid id,
        CancellationToken ct) =>
        db.Set<TrainingJob>().OwnedBy(tenant).AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, ct);

    private static ProblemHttpResult Conflict(string detail) => TypedResults.Problem(detail,
        statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    private static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(detail,
        statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
