using System.Text.Json;
using System.Text.Json.Nodes;
using Backprop.Api.Data;
using Backprop.Api.Datasets;
using Backprop.Api.Jobs;
using Backprop.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Selection;

/// <summary>/api/searches: hyperparameter searches whose trials are ordinary training jobs.</summary>
public static class SearchesApi
{
    public static RouteGroupBuilder MapSearchesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/searches").WithTags("Hyperparameter searches");
        group.MapPost("/", Create).WithName("StartSearch")
            .WithSummary("Start a hyperparameter search (202 with its Location): random or grid trials of a job " +
                "template, with optional early termination")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimits.Jobs);
        group.MapGet("/", List).WithName("ListSearches").WithSummary("List searches, newest first");
        group.MapGet("/{id:guid}", Get).WithName("GetSearch")
            .WithSummary("Status, budget used and the leaderboard of trials, best first");
        group.MapPost("/{id:guid}/cancel", Cancel).WithName("CancelSearch")
            .WithSummary(
                "Cancel a search: no more trials, unfinished ones cancelled (finished trials and their models stay)")
            .ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<Results<Accepted<SearchResponse>, ProblemHttpResult, ValidationProblem>> Create(
        SearchRequest request, BackpropDbContext db, ICurrentTenant tenant, DatasetLoader datasets,
            SelectionSignal signal,
        IOptions<LimitsOptions> limits, IOptions<SelectionOptions> selection, CancellationToken ct)
    {
        var (space, errors) = SearchSpace.Parse(request, selection.Value.MaxTrials);
        if (space is null) return TypedResults.ValidationProblem(errors.ToDictionary());
        if (request.Job!["datasetId"] is not JsonValue value || !value.TryGetValue<string>(out var text)
            || !Guid.TryParse(text, out var datasetId))
            return TypedResults.ValidationProblem(ProblemErrors.Single("job.datasetId",
                "The job template needs the datasetId of an uploaded dataset.").ToDictionary());
        var dataset = await datasets.GetSummaryAsync(datasetId, ct);
        if (dataset is null) return TypedResults.Problem($"Dataset {datasetId} does not exist.",
            statusCode: StatusCodes.Status404NotFound, title: "Not found");
        // Every trial is checked now (they are a function of the request), so a search never stops halfway on a bad
        // draw.
        for (int trial = 0; trial < space.TrialCount; trial++)
        {
            var plan = SearchRunner.Plan(space, trial, dataset, limits.Value);
            if (plan.Errors.Any)
                return TypedResults.ValidationProblem(plan.Errors.ToDictionary().ToDictionary(e => e.Key, e =>
                    e.Value.Select(m => $"Trial {trial}: {m}").ToArray()));
        }
        var search = new SearchEntity
        {
            Id = Guid.CreateVersion7(), TenantId = tenant.Id, Name = request.Name, Status = JobStatus.Running,
            RequestJson = JsonSerializer.Serialize(request, StoredJson.Options), MaxTrials = space.TrialCount,
                Metric = request.Metric,
            CreatedAt = DateTime.UtcNow,
        };
        db.Add(search);
        await db.SaveChangesAsync(ct);
        signal.Notify();
        return TypedResults.Accepted($"/api/searches/{search.Id}", await ToResponseAsync(db, search, ct));
    }

    private static async Task<Results<Ok<Paged<SearchSummary>>, ValidationProblem>> List(
        BackpropDbContext db, ICurrentTenant tenant, IOptions<LimitsOptions> limits, CancellationToken ct,
            int page = 1, int pageSize = 20)
    {
        if (Paging.Check(page, pageSize, limits.Value) is { } errors) return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(await db.Set<SearchEntity>().OwnedBy(tenant).AsNoTracking()
            .OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id)
            .ToPageAsync(page, pageSize, s => new SearchSummary(s.Id, s.Name, s.Status, s.Metric, s.MaxTrials,
                s.CreatedAt.AsUtc(), s.FinishedAt.AsUtc()), ct));
    }

    private static async Task<Results<Ok<SearchResponse>, NotFound>> Get(Guid id, BackpropDbContext db,
        ICurrentTenant tenant, CancellationToken ct) =>
        await db.Set<SearchEntity>().OwnedBy(tenant).AsNoTracking().SingleOrDefaultAsync(s => s.Id == id,
            ct) is { } search
            ? TypedResults.Ok(await ToResponseAsync(db, search, ct)) : TypedResults.NotFound();

    private static async Task<Results<Ok<SearchResponse>, NotFound, ProblemHttpResult>> Cancel(
        Guid id, BackpropDbContext db, ICurrentTenant tenant, ClusterEvents events, CancellationToken ct)
    {
        if (await db.Set<SearchEntity>().OwnedBy(tenant).AsNoTracking().SingleOrDefaultAsync(s => s.Id == id,
            ct) is not { } search) return TypedResults.NotFound();
        var now = DateTime.UtcNow;
        int cancelled = await db.Set<SearchEntity>().Where(s => s.Id == id && s.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s
            .SetProperty(e => e.Status, JobStatus.Cancelled).SetProperty(e => e.StopReason, "cancelled")
            .SetProperty(e => e.FinishedAt, now), ct);
        if (cancelled == 0)
            return TypedResults.Problem($"The search has already finished ({JsonNames.Of(search.Status)}).",
                statusCode: StatusCodes.Status409Conflict, title: "Search finished");
        await SelectionJobs.CancelManyAsync(db, events, db.Set<TrainingJob>().Where(j => j.SearchId == id), ct);
        var fresh = await db.Set<SearchEntity>().AsNoTracking().SingleAsync(s => s.Id == id, ct);
        return TypedResults.Ok(await ToResponseAsync(db, fresh, ct));
    }

    /// <summary>The search with its leaderboard: trials with a value ranked by it (ties by trial number), then the
    /// others by trial number.</summary>
    internal static async Task<SearchResponse> ToResponseAsync(BackpropDbContext db, SearchEntity search,
        CancellationToken ct)
    {
        var request = SearchRunner.Read(search);
        var (space, _) = SearchSpace.Parse(request, int.MaxValue);
        bool maximize = SearchSpace.Maximizes(request);
        var metric = SearchSpace.MetricOf(request.Metric)!.Value;
        var trials = await db.Set<TrainingJob>().AsNoTracking().Where(j => j.SearchId == search.Id)
            .OrderBy(j => j.TrialNumber).ToListAsync(ct);
        var ids = trials.Select(t => t.Id).ToList();
        var lastEpochs = await db.Set<EpochEntity>().AsNoTracking()
            .Where(e => ids.Contains(e.JobId) && e.Epoch == db.Set<EpochEntity>().Where(x => x.JobId == e.JobId)
            .Max(x => x.Epoch)).ToListAsync(ct);
        var values = lastEpochs.ToDictionary(e => e.JobId, e => metric.Value(e));
        var ranked = trials.Where(t => values.GetValueOrDefault(t.Id) is not null)
            .OrderBy(t => maximize ? -values[t.Id]!.Value : values[t.Id]!.Value).ThenBy(t => t.TrialNumber).ToList();
        var best = ranked.FirstOrDefault(t => t.Status == JobStatus.Succeeded);
        var leaderboard = ranked.Select((t, i) => (Rank: (int?)(i + 1), Trial: t))
            .Concat(trials.Where(t => !ranked.Contains(t)).Select(t => (Rank: (int?)null, Trial: t)))
            .Select(x => new TrialResponse(x.Rank, x.Trial.TrialNumber ?? 0, x.Trial.Id, x.Trial.Status,
                x.Trial.StopReason, x.Trial.Epoch, x.Trial.Epochs,
                values.GetValueOrDefault(x.Trial.Id), space!.Parameters(x.Trial.TrialNumber ?? 0), x.Trial == best,
                new TrialLinks($"/api/jobs/{x.Trial.Id}", $"/api/jobs/{x.Trial.Id}/history", x.Trial.ModelId is { } m
                    ? $"/api/models/{m}" : null)))
            .ToList();
        double elapsed = ((search.FinishedAt ?? DateTime.UtcNow) - search.CreatedAt).TotalSeconds;
        var budget = new SearchBudget(search.MaxTrials, trials.Count, trials.Count(t => t.Status.IsFinished()),
            trials.Count(t => t.StopReason == JobStopReason.Pruned),
            request.MaxConcurrentTrials, request.MaxWallSeconds, elapsed);
        return new SearchResponse(search.Id, search.Name, search.Status, search.StopReason, request.Strategy,
            request.Metric,
            maximize ? OptimizationDirection.Maximize : OptimizationDirection.Minimize, search.CreatedAt.AsUtc(),
                search.FinishedAt.AsUtc(), budget,
            best?.Id, best?.ModelId, best is null ? null : values[best.Id], leaderboard);
    }
}
