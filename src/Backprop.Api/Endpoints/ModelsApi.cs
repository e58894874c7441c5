using Backprop.Api.Data;
using Backprop.Api.Models;
using Backprop.Api.Networks;
using Backprop.Api.Predictions;
using Backprop.Api.Security;
using Backprop.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Endpoints;

/// <summary>/api/models: trained or imported models, their weights, and predictions.</summary>
public static class ModelsApi
{
    public static RouteGroupBuilder MapModelsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/models").WithTags("Models");
        group.MapGet("/", List).WithName("ListModels").WithSummary("List models, newest first");
        group.MapGet("/{id:guid}", Get).WithName("GetModel")
            .WithSummary("Architecture, normalisation, label names, final metrics and lineage");
        group.MapGet("/{id:guid}/weights", Weights).WithName("ExportModelWeights")
            .WithSummary("Export the model as JSON: spec, per-layer weights [units][inputs] and biases, normalisation, names (re-importable)")
            .Produces<object>(StatusCodes.Status200OK, "application/json");
        group.MapPost("/import", Import).WithName("ImportModel")
            .WithSummary("Import a model from JSON weights + spec (e.g. from another framework) to predict with or continue training")
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteModel").WithSummary("Delete a model and its weights");
        group.MapPost("/{id:guid}/predict", Predict).WithName("Predict").WithTags("Predictions")
            .WithSummary("Predict rows given in raw units: class label and probabilities, or values in raw target units")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(SecurityExtensions.PredictionsRateLimit)
            .DisableValidation(); // PredictionInput checks every row itself; the generic validator would walk every number first
        return group;
    }

    private static async Task<Results<Ok<Paged<ModelSummary>>, ValidationProblem>> List(
        BackpropDbContext db, ICurrentTenant tenant, IOptions<LimitsOptions> limits, CancellationToken ct, int page = 1, int pageSize = 20)
    {
        if (Paging.Check(page, pageSize, limits.Value) is { } errors) return TypedResults.ValidationProblem(errors);
        var query = db.Set<ModelEntity>().OwnedBy(tenant).AsNoTracking().OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id);
        return TypedResults.Ok(await query.ToPageAsync(page, pageSize, m => m.ToSummary(), ct));
    }

    private static async Task<Results<Ok<ModelResponse>, NotFound>> Get(Guid id, BackpropDbContext db, ICurrentTenant tenant, CancellationToken ct) =>
        await db.Set<ModelEntity>().OwnedBy(tenant).AsNoTracking().SingleOrDefaultAsync(m => m.Id == id, ct) is { } model
            ? TypedResults.Ok(model.ToResponse())
            : TypedResults.NotFound();

    private static async Task<Results<ContentHttpResult, NotFound>> Weights(Guid id, BackpropDbContext db, ICurrentTenant tenant, ModelCache cache, CancellationToken ct) =>
        await Load(id, db, tenant, cache, ct) is { } model
            ? TypedResults.Text(ModelSerializer.ToJson(model.Model), "application/json")
            : TypedResults.NotFound();

    private static async Task<Results<Created<ModelResponse>, ValidationProblem, ProblemHttpResult>> Import(
        ImportModelRequest request, BackpropDbContext db, ICurrentTenant tenant, IOptions<LimitsOptions> limits, TenantQuotas quotas, CancellationToken ct)
    {
        if (request.Model.ValueKind != System.Text.Json.JsonValueKind.Object)
            return TypedResults.ValidationProblem(ProblemErrors.Single("model", "Give the model as a JSON object (the format of GET /api/models/{id}/weights).").ToDictionary());
        TrainedModel model;
        try
        {
            model = ModelSerializer.FromJson(request.Model.GetRawText());
        }
        catch (InvalidDataException e)
        {
            return TypedResults.ValidationProblem(ProblemErrors.Single("model", e.Message).ToDictionary());
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json defers UTF-8 validation of strings inside a JsonElement until their text is read.
            return TypedResults.ValidationProblem(ProblemErrors.Single("model", "The model JSON contains text that is not valid UTF-8.").ToDictionary());
        }
        var outcome = NetworkRules.Check(model.Spec.ToDefinition(), limits.Value);
        if (outcome.Spec is null) return TypedResults.ValidationProblem(outcome.Problems.Select(p => p with { Path = "model.spec." + p.Path }).ToProblemErrors());

        var (entity, blob) = ModelRecords.Create(model, tenant.Id, request.Name, new ModelLineage("import", null, null, null, null, model.Spec.Seed, null), null, null);
        db.AddRange(entity, blob);
        if (await quotas.CreateWithinAsync(q => TenantQuotas.CheckModelsAsync(db, tenant, q, ct), () => db.SaveChangesAsync(ct), ct) is { } exceeded)
            return exceeded;
        return TypedResults.Created($"/api/models/{entity.Id}", entity.ToResponse());
    }

    private static async Task<Results<NoContent, NotFound>> Delete(Guid id, BackpropDbContext db, ICurrentTenant tenant, ModelCache cache, CancellationToken ct)
    {
        int deleted = await db.Set<ModelEntity>().OwnedBy(tenant).Where(m => m.Id == id).ExecuteDeleteAsync(ct);
        cache.Remove(id);
        return deleted > 0 ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<PredictionResponse>, NotFound, ValidationProblem, ProblemHttpResult>> Predict(
        Guid id, PredictionRequest request, HttpContext http, ICurrentTenant tenant, ModelCache cache, IOptions<LimitsOptions> limits, CancellationToken ct)
    {
        int count = request.RowCount();
        if (count > limits.Value.MaxPredictionRows)
            return TypedResults.Problem($"{count} rows exceed this service's limit of {limits.Value.MaxPredictionRows} per request; split the batch.",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Too many rows");
        // The database is only needed on a cache miss: a warm prediction never rents a context.
        if (await Load(id, () => http.RequestServices.GetRequiredService<BackpropDbContext>(), tenant, cache, ct) is not { } cached) return TypedResults.NotFound();
        var model = cached.Model;
        var errors = new ProblemErrors();
        var features = PredictionInput.Read(request, model.FeatureNamesOrDefault(), errors);
        if (features is null) return TypedResults.ValidationProblem(errors.ToDictionary());
        var batch = cached.Predict(features, count);
        return TypedResults.Ok(batch.ToResponse(id, model, model.Task == TaskKind.Classification ? model.ClassNamesOrDefault() : []));
    }

    /// <summary>The model from the cache, loading its blob on a miss; null when it doesn't exist or isn't the tenant's.</summary>
    private static Task<CachedModel?> Load(Guid id, BackpropDbContext db, ICurrentTenant tenant, ModelCache cache, CancellationToken ct) =>
        Load(id, () => db, tenant, cache, ct);

    private static async Task<CachedModel?> Load(Guid id, Func<BackpropDbContext> database, ICurrentTenant tenant, ModelCache cache, CancellationToken ct)
    {
        var cached = await cache.GetAsync(id, async () =>
        {
            var db = database();
            var row = await db.Set<ModelEntity>().AsNoTracking().Where(m => m.Id == id).Select(m => new { m.TenantId }).SingleOrDefaultAsync(CancellationToken.None);
            if (row is null) return null;
            var blob = await db.Set<ModelBlob>().AsNoTracking().SingleAsync(b => b.ModelId == id, CancellationToken.None);
            return new CachedModel(ModelSerializer.FromBinary(blob.Model), row.TenantId);
        });
        return cached?.TenantId == tenant.Id ? cached : null;
    }
}
