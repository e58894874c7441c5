using Backprop.Api.Data;
using Backprop.Api.Networks;
using Backprop.Api.Predictions;
using Backprop.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Models;

/// <summary>/api/models: trained or imported models and their weights (predictions: Predictions/PredictionsApi.cs).</summary>
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
        await ModelLoader.LoadAsync(id, db, tenant, cache, ct) is { } model
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

    private static async Task<Results<NoContent, NotFound>> Delete(Guid id, BackpropDbContext db, ICurrentTenant tenant, ModelCache cache, ClusterEvents events, CancellationToken ct)
    {
        int deleted = await db.Set<ModelEntity>().OwnedBy(tenant).Where(m => m.Id == id).ExecuteDeleteAsync(ct);
        cache.Remove(id);
        if (deleted > 0) await events.PublishAsync(db, ClusterEvent.ModelDeleted, id.ToString(), CancellationToken.None);
        return deleted > 0 ? TypedResults.NoContent() : TypedResults.NotFound();
    }
}
