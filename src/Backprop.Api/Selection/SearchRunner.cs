using System.Text.Json;
using Backprop.Api.Data;
using Backprop.Api.Datasets;
using Backprop.Api.Jobs;
using Backprop.Api.Networks;
using Backprop.Api.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Selection;

/// <summary>A trial's network and job, ready to store, or what is wrong with them.</summary>
public sealed record TrialPlan(NetworkDefinition? Network, NetworkSpec? Spec, TrainingJobRequest? Job,
    ProblemErrors Errors);

/// <summary>
/// One search's steps (scoped, as the search's tenant): start trials while the budget, the concurrency limit and the
/// tenant's quota allow; end the search when its trials are done, its wall time is up, or it was cancelled.
/// </summary>
public sealed class SearchRunner(BackpropDbContext db, TenantContext tenant, DatasetLoader datasets,
    ClusterEvents events, TenantQuotas quotas,
    IOptions<LimitsOptions> limits, IOptions<SelectionOptions> selection, ILogger<SearchRunner> logger)
{
    /// <summary>Trial <paramref name="trial"/>'s network and job request, checked as POST /api/networks and POST
    /// /api/jobs check them (from the dataset's summary, without decoding its rows).</summary>
    public static TrialPlan Plan(SearchSpace space, int trial, DatasetSummary data, LimitsOptions limits)
    {
        var errors = new ProblemErrors();
        var (networkJson, jobJson, pathError) = space.Apply(trial);
        if (pathError is not null) return new(null, null, null, errors.Add("space", pathError));
        NetworkDefinition? network;
        TrainingJobRequest? job;
        try
        {
            network = networkJson.Deserialize<NetworkDefinition>(StoredJson.Options);
            job = jobJson.Deserialize<TrainingJobRequest>(StoredJson.Options);
        }
        catch (JsonException e)
        {
            return new(null, null, null, errors.Add(e.Path is { } p ? p.Replace("$", "trial") : "space",
                $"Trial {trial}'s template does not read: {e.Message}"));
        }
        if (network is null || job is null) return new(null, null, null, errors.Add("network",
            "The network and job templates must be objects."));
        foreach (var unknown in space.UnknownPaths(JsonSerializer.SerializeToNode(network, StoredJson.Options)!,
            JsonSerializer.SerializeToNode(job, StoredJson.Options)!))
            errors.Add($"space[{unknown}]", "The path names no property of the network definition or the job " +
                "request; check its spelling (e.g. job.optimizer.learningRate).");
        var outcome = NetworkValidation.Check(network, limits);
        foreach (var problem in outcome.Problems) errors.Add("network." + problem.Path, problem.Fix is null
            ? problem.Message : $"{problem.Message} {problem.Fix}");
        if (job.Epochs > limits.MaxEpochs) errors.Add("job.epochs",
            $"This service runs at most {limits.MaxEpochs} epochs per job, got {job.Epochs}.");
        if (job.CrossValidation is not null) errors.Add("job.crossValidation",
            "A search's trials are single trainings; leave crossValidation out of the job template.");
        if (job.WarmStartModelId is not null) errors.Add("job.warmStartModelId",
            "A search's trials start from scratch; leave warmStartModelId out of the job template.");
        if (job.Refit is true) errors.Add("job.refit",
            "A search ranks its trials by their validation split, which a refit would train on; leave refit out of " +
            "the job template.");
        var weightErrors = new ProblemErrors();
        ClassWeightsRequest.Read(job.ClassWeights, data.ClassNames, weightErrors);
        foreach (var (key, messages) in weightErrors.ToDictionary())
            foreach (var message in messages) errors.Add("job." + key, message);
        errors.AddRange(job.ToOptions(data.ClassNames).Validate(data.RowCount, data.Task), "job.");
        if (job.Diagnostics is { } thresholds)
            foreach (var (property, message) in thresholds.ToThresholds().Validate()) errors.Add("job.diagnostics."
                + property, message);
        if (outcome.Spec is { } spec) errors.AddRange(data.Shape.CompatibilityWith(spec));
        return new(network, outcome.Spec, job, errors);
    }

    public async Task AdvanceAsync(Guid searchId, CancellationToken ct)
    {
        var search = await db.Set<SearchEntity>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == searchId
            && s.Status == JobStatus.Running, ct);
        if (search is null) return;
        tenant.Set(search.TenantId);
        var request = Read(search);
        var trials = await db.Set<TrainingJob>().AsNoTracking().Where(j => j.SearchId == searchId)
            .Select(j => new { j.TrialNumber, j.Status }).ToListAsync(ct);
        var now = DateTime.UtcNow;
        if (request.MaxWallSeconds is { } wall && (now - search.CreatedAt).TotalSeconds >= wall)
        {
            await SelectionJobs.CancelManyAsync(db, events, db.Set<TrainingJob>().Where(j => j.SearchId == searchId),
                ct);
            await FinishAsync(searchId, JobStatus.Succeeded, "wall_time", ct);
            return;
        }
        int unfinished = trials.Count(t => !t.Status.IsFinished());
        if (trials.Count >= search.MaxTrials)
        {
            if (unfinished == 0) await FinishAsync(searchId, JobStatus.Succeeded, "completed", ct);
            return;
        }
        if (unfinished >= request.MaxConcurrentTrials) return;

        var dataset = request.Job?["datasetId"]?.GetValue<string>() is { } text && Guid.TryParse(text,
            out var datasetId)
            ? await datasets.GetSummaryAsync(datasetId, ct) : null;
        if (dataset is null)
        {
            await FinishAsync(searchId, JobStatus.Failed, "failed", ct);
            logger.LogWarning("Search {SearchId} stopped: its dataset no longer exists.", searchId);
            return;
        }
        var (space, _) = SearchSpace.Parse(request, selection.Value.MaxTrials);
        int next = trials.Count == 0 ? 0 : trials.Max(t => t.TrialNumber ?? 0) + 1;
        for (; next < search.MaxTrials && unfinished < request.MaxConcurrentTrials; next++, unfinished++)
        {
            if (!await StartTrialAsync(search, space!, next, dataset, ct)) return;
        }
    }

    /// <summary>Stores trial <paramref name="trial"/> (its network and its job) within the tenant's quota; false when
    /// the quota or another coordinator got there first.</summary>
    private async Task<bool> StartTrialAsync(SearchEntity search, SearchSpace space, int trial, DatasetSummary dataset,
        CancellationToken ct)
    {
        var plan = Plan(space, trial, dataset, limits.Value);
        if (plan.Errors.Any || plan.Spec is null)
        {
            logger.LogWarning("Search {SearchId} stopped: trial {Trial} is invalid: {Errors}", search.Id, trial,
                string.Join(" ", plan.Errors.ToDictionary().SelectMany(e => e.Value)));
            await FinishAsync(search.Id, JobStatus.Failed, "failed", ct);
            return false;
        }
        var now = DateTime.UtcNow;
        var definition = plan.Network! with { Name = $"{search.Name ?? "search"} trial {trial}" };
        var network = new NetworkEntity
        {
            Id = Guid.CreateVersion7(), TenantId = search.TenantId, Name = definition.Name,
                InputWidth = plan.Spec.InputWidth,
            OutputWidth = plan.Spec.OutputWidth, LayerCount = plan.Spec.Layers.Count,
                ParameterCount = plan.Spec.ParameterCount,
            DefinitionJson = definition.ToJson(), CreatedAt = now,
        };
        // Stored with the defaults resolved as POST /api/jobs stores them (epochs omitted: up to the budget, stopping
        // early).
        var request = (plan.Job! with { NetworkId = network.Id, Refit = false }).ToStored();
        var job = TrainingJob.Queued(search.TenantId, network.Id, dataset.Id, network.DefinitionJson, request,
            request.Seed ?? plan.Spec.Seed, request.Epochs);
        job.SearchId = search.Id;
        job.TrialNumber = trial;
        db.Add(network);
        db.Add(job);
        try
        {
            long modelBytes = TenantQuotas.ModelBytesOf(network.ParameterCount);
            if (await quotas.CreateWithinAsync(q => TenantQuotas.FirstExceededAsync(
                    () => TenantQuotas.CheckJobsAsync(db, tenant, q, ct),
                    () => TenantQuotas.CheckHistoryRowsAsync(db, tenant, request.Epochs, q, ct),
                    () => TenantQuotas.CheckModelBytesAsync(db, tenant, modelBytes, q, ct)), () =>
                        db.SaveChangesAsync(ct), ct) is not null)
            {
                db.ChangeTracker.Clear(); // over the tenant's quota: the trial waits for one of its jobs to finish
                return false;
            }
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear(); // another replica's coordinator stored this trial first
            return false;
        }
        await events.PublishAsync(db, ClusterEvent.JobQueued, search.TenantId, ct);
        return true;
    }

    private Task<int> FinishAsync(Guid searchId, JobStatus status, string reason, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        return db.Set<SearchEntity>().Where(s => s.Id == searchId && s.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s
            .SetProperty(e => e.Status, status).SetProperty(e => e.StopReason, reason).SetProperty(e => e.FinishedAt,
                now), ct);
    }

    public static SearchRequest Read(SearchEntity search) =>
        JsonSerializer.Deserialize<SearchRequest>(search.RequestJson, StoredJson.Options)
            ?? throw new InvalidDataException("Empty search request.");
}
