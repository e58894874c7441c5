using Backprop.Api.Data;
using Backprop.Api.Jobs;
using Backprop.Api.Models.Onnx;
using Backprop.Api.Networks;
using Backprop.Api.Predictions;
using Backprop.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Models;

/// <summary>/api/models: trained or imported models and their weights (predictions:
/// Predictions/PredictionsApi.cs).</summary>
public static class ModelsApi
{
    public static RouteGroupBuilder MapModelsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/models").WithTags("Models");
        group.MapGet("/", List).WithName("ListModels").WithSummary("List models, newest first");
        group.MapGet("/{id:guid}", Get).WithName("GetModel")
            .WithSummary("Architecture, normalisation, label names, final metrics and lineage");
        group.MapGet("/{id:guid}/weights", Weights).WithName("ExportModelWeights")
            .WithSummary("Export the model as JSON: spec, per-layer weights [units][inputs] and biases, " +
                "normalisation, names (re-importable)")
            .Produces<object>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status429TooManyRequests).RequireRateLimiting(RateLimits.Exports);
        group.MapPost("/import", Import).WithName("ImportModel")
            .WithSummary("Import a model from JSON weights + spec (e.g. from another framework) to predict with or "
                + "continue training")
            .WithDescription("The body is { name?, model } with model in the format of GET /api/models/{id}/weights."
                + IdempotencyKeys.Description)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimits.Imports);
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteModel")
            .WithSummary("Delete a model and its weights (409 while an unfinished training job warm-starts from or " +
                "continues it)");
        group.MapModelEvaluation();
        group.MapServingNames();
        group.MapOnnxExport();
        return group;
    }

    private static async Task<Results<Ok<Paged<ModelSummary>>, ValidationProblem>> List(
        BackpropDbContext db, ICurrentTenant tenant, IOptions<LimitsOptions> limits, CancellationToken ct,
            int page = 1, int pageSize = 20)
    {
        if (Paging.Check(page, pageSize, limits.Value) is { } errors) return TypedResults.ValidationProblem(errors);
        var query = db.Set<ModelEntity>().OwnedBy(tenant).AsNoTracking().OrderByDescending(m => m.CreatedAt)
            .ThenByDescending(m => m.Id);
        return TypedResults.Ok(await query.ToPageAsync(page, pageSize, m => m.ToSummary(), ct));
    }

    private static async Task<Results<Ok<ModelResponse>, NotFound>> Get(Guid id, BackpropDbContext db,
        ICurrentTenant tenant, CancellationToken ct) =>
        await db.Set<ModelEntity>().OwnedBy(tenant).AsNoTracking().SingleOrDefaultAsync(m => m.Id == id,
            ct) is { } model
            ? TypedResults.Ok(model.ToResponse())
            : TypedResults.NotFound();

    private static async Task<Results<ContentHttpResult, NotFound>> Weights(Guid id, BackpropDbContext db,
        ICurrentTenant tenant, ModelCache cache, CancellationToken ct) =>
        await ModelLoader.LoadAsync(id, db, tenant, cache, ct) is { } model
            ? TypedResults.Text(ModelSerializer.ToJson(model.Model), "application/json")
            : TypedResults.NotFound();

    private static async Task<Results<Created<ModelResponse>, ValidationProblem, ProblemHttpResult>> Import(
        ImportModelRequest request, HttpContext http, BackpropDbContext db, ICurrentTenant tenant,
            IOptions<LimitsOptions> limits, TenantQuotas quotas,
        CancellationToken ct)
    {
        var (key, keyProblem) = IdempotencyKeys.Read(http.Request);
        if (keyProblem is not null) return keyProblem;
        if (request.Model.ValueKind != System.Text.Json.JsonValueKind.Object)
            return TypedResults.ValidationProblem(ProblemErrors.Single("model",
                "Give the model as a JSON object (the format of GET /api/models/{id}/weights).").ToDictionary());
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
            return TypedResults.ValidationProblem(ProblemErrors.Single("model",
                "The model JSON contains text that is not valid UTF-8.").ToDictionary());
        }
        var outcome = NetworkValidation.Check(model.Spec.ToDefinition(), limits.Value);
        if (outcome.Spec is null) return TypedResults.ValidationProblem(outcome.Problems.Select(p =>
            p with { Path = "model.spec." + p.Path }).ToProblemErrors());
        if (!PredictsFinitely(model))
            return TypedResults.ValidationProblem(ProblemErrors.Single("model.layers",
                "At the centre of its input normalisation or one scale from it, the model's outputs are not finite "
                + "(weights near the limits of single precision overflow), so it cannot predict; "
                + "check the weights' scale.").ToDictionary());

        var (entity, blob) = ModelMapping.Create(model, tenant.Id, request.Name, new ModelLineage("import", null, null,
            null, null, model.Spec.Seed, null), null, null);
        // A retry of an import that was stored (its response lost) answers the stored model, fingerprinted by what was
        // stored.
        var once = key is null ? null : new IdempotentCreation(db, tenant.Id, "models", key,
            IdempotencyKeys.Fingerprint(request.Name, blob.Model));
        if (once is not null)
        {
            if (await ReplayImportAsync(once, http, db, tenant, ct) is { } earlier) return earlier;
            once.Record(entity.Id, entity.CreatedAt);
        }
        db.AddRange(entity, blob);
        try
        {
            if (await quotas.CreateWithinAsync(q => TenantQuotas.FirstExceededAsync(
                    () => TenantQuotas.CheckModelsAsync(db, tenant, q, ct),
                    () => TenantQuotas.CheckModelBytesAsync(db, tenant, blob.Model.Length, q, ct)),
                        () => db.SaveChangesAsync(ct), ct) is { } exceeded)
                return exceeded;
        }
        catch (DbUpdateException) when (once is not null)
        {
            db.ChangeTracker.Clear(); // a request with the same key stored its model first: answer that one
            if (await ReplayImportAsync(once, http, db, tenant, ct) is { } earlier) return earlier;
            throw;
        }
        return TypedResults.Created($"/api/models/{entity.Id}", entity.ToResponse());
    }

    /// <summary>The model an earlier import with the key stored (201, marked replayed), a 422 for a key reused on other
    /// content, or null.</summary>
    private static async Task<Results<Created<ModelResponse>, ValidationProblem, ProblemHttpResult>?> ReplayImportAsync(
        IdempotentCreation once, HttpContext http, BackpropDbContext db, ICurrentTenant tenant, CancellationToken ct)
    {
        var (earlier, problem) = await once.EarlierAsync(id => db.Set<ModelEntity>().AsNoTracking().OwnedBy(tenant)
            .SingleOrDefaultAsync(m => m.Id == id, ct), ct);
        if (problem is not null) return problem;
        if (earlier is null) return null;
        IdempotentCreation.MarkReplayed(http.Response);
        return TypedResults.Created($"/api/models/{earlier.Id}", earlier.ToResponse());
    }

    /// <summary>Predictions at the input normalisation's centre and one scale either side (normalised features 0, +1,
    /// −1) must be finite.</summary>
    private static bool PredictsFinitely(TrainedModel model)
    {
        var n = model.InputNormalizer;
        var probes = new[] { 0.0, 1.0, -1.0 }.SelectMany(z => n.Offsets.Select((offset, c) =>
            (float)(offset + z * n.Scales[c]))).ToArray();
        var batch = model.CreatePredictor(3).Predict(probes, 3);
        return batch.Outputs.All(float.IsFinite) && (batch.Probabilities?.All(float.IsFinite) ?? true);
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> Delete(Guid id, BackpropDbContext db,
        ICurrentTenant tenant, ModelCache cache, ClusterEvents events, CancellationToken ct)
    {
        // One statement: a job that warm-starts from or continues the model and is not finished keeps it (no
        // check-then-delete gap).
        var needed = db.Set<TrainingJob>().Where(j => (j.WarmStartModelId == id || j.ContinuesModelId == id)
            && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running));
        int deleted = await db.Set<ModelEntity>().OwnedBy(tenant).Where(m => m.Id == id && !needed.Any())
            .ExecuteDeleteAsync(ct);
        cache.Remove(id);
        if (deleted > 0)
        {
            await events.PublishAsync(db, ClusterEvent.ModelDeleted, id.ToString(), CancellationToken.None);
            return TypedResults.NoContent();
        }
        if (!await db.Set<ModelEntity>().OwnedBy(tenant).AnyAsync(m => m.Id == id, ct)) return TypedResults.NotFound();
        return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Model in use",
            detail: $"Model {id} is needed by a training job that has not finished (a warm start or a " +
                "continuation); cancel the job or wait for it to end, then delete the model.");
    }
}
