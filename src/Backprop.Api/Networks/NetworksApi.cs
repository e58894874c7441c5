using Backprop.Api.Data;
using Backprop.Api.Datasets;
using Backprop.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Networks;

/// <summary>/api/networks: network configurations (layers, activations, loss, initialisation, seed).</summary>
public static class NetworksApi
{
    public static RouteGroupBuilder MapNetworksApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/networks").WithTags("Networks");
        group.MapPost("/", Create).WithName("CreateNetwork").WithSummary("Store a network configuration")
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/validate", Validate).WithName("ValidateNetwork")
            .WithSummary("Dry run: check a configuration without storing it (problems, warnings, parameter count)");
        group.MapGet("/", List).WithName("ListNetworks").WithSummary("List network configurations, newest first");
        group.MapGet("/{id:guid}", Get).WithName("GetNetwork").WithSummary("Get a network configuration");
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteNetwork").WithSummary("Delete a network configuration");
        group.MapPost("/suggest", Suggest).WithName("SuggestNetwork")
            .WithSummary("Propose a network for a dataset: its input width, 100 relu units, and the output units, " +
                "activation and loss its task needs (stores nothing)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGradientCheck();
        group.MapSanityCheck();
        return group;
    }

    private static async Task<Results<Ok<NetworkDefinition>, ProblemHttpResult>> Suggest(SuggestNetworkRequest request,
        DatasetLoader datasets, CancellationToken ct)
    {
        if (await datasets.LoadAsync(request.DatasetId, ct) is not { } dataset) return NotFoundProblems.For("Dataset",
            request.DatasetId);
        var data = dataset.Data;
        var spec = NetworkSuggestion.For(data.Width, data.Task, data.ClassCount, data.TargetWidth, request.Seed ?? 0);
        return TypedResults.Ok(spec.ToDefinition($"{dataset.Name} mlp"));
    }

    private static async Task<Results<Created<NetworkResponse>, ValidationProblem, ProblemHttpResult>> Create(
        NetworkDefinition request, BackpropDbContext db, ICurrentTenant tenant, IOptions<LimitsOptions> limits,
            TenantQuotas quotas, CancellationToken ct)
    {
        var outcome = NetworkValidation.Check(request, limits.Value);
        if (outcome.Spec is not { } spec) return TypedResults.ValidationProblem(outcome.Problems.ToProblemErrors());
        var entity = new NetworkEntity
        {
            Id = Guid.CreateVersion7(),
            TenantId = tenant.Id,
            Name = request.Name,
            InputWidth = spec.InputWidth,
            OutputWidth = spec.OutputWidth,
            LayerCount = spec.Layers.Count,
            ParameterCount = spec.ParameterCount,
            DefinitionJson = spec.ToDefinition(request.Name).ToJson(),
            CreatedAt = DateTime.UtcNow,
        };
        db.Add(entity);
        if (await quotas.CreateWithinAsync(q => TenantQuotas.CheckNetworksAsync(db, tenant, q, ct), () =>
            db.SaveChangesAsync(ct), ct) is { } exceeded)
            return exceeded;
        return TypedResults.Created($"/api/networks/{entity.Id}", entity.ToResponse());
    }

    private static Ok<NetworkCheckResponse> Validate(NetworkDefinition request, IOptions<LimitsOptions> limits)
    {
        var outcome = NetworkValidation.Check(request, limits.Value);
        return TypedResults.Ok(new NetworkCheckResponse(outcome.Spec is not null, outcome.Problems, outcome.Warnings,
            outcome.Spec?.ParameterCount));
    }

    private static async Task<Results<Ok<Paged<NetworkSummary>>, ValidationProblem>> List(
        BackpropDbContext db, ICurrentTenant tenant, IOptions<LimitsOptions> limits, CancellationToken ct,
            int page = 1, int pageSize = 20)
    {
        if (Paging.Check(page, pageSize, limits.Value) is { } errors) return TypedResults.ValidationProblem(errors);
        var query = db.Set<NetworkEntity>().OwnedBy(tenant).OrderByDescending(n => n.CreatedAt)
            .ThenByDescending(n => n.Id);
        return TypedResults.Ok(await query.ToPageAsync(page, pageSize, n => n.ToSummary(), ct));
    }

    private static async Task<Results<Ok<NetworkResponse>, NotFound>> Get(Guid id, BackpropDbContext db,
        ICurrentTenant tenant, CancellationToken ct) =>
        await db.Set<NetworkEntity>().OwnedBy(tenant).AsNoTracking().SingleOrDefaultAsync(n => n.Id == id,
            ct) is { } network
            ? TypedResults.Ok(network.ToResponse())
            : TypedResults.NotFound();

    private static async Task<Results<NoContent, NotFound>> Delete(Guid id, BackpropDbContext db,
        ICurrentTenant tenant, CancellationToken ct) =>
        await db.Set<NetworkEntity>().OwnedBy(tenant).Where(n => n.Id == id).ExecuteDeleteAsync(ct) > 0
            ? TypedResults.NoContent()
            : TypedResults.NotFound();
}
