using Backprop.Api.Data;
using Backprop.Api.Datasets;
using Backprop.Api.Security;
using Backprop.Core.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Networks;

/// <summary>A network and a few of a dataset's rows to test it on.</summary>
/// <param name="DatasetId">The dataset whose rows are sampled (with the network's seed).</param>
/// <param name="Rows">How many rows (default 32, at most 256).</param>
/// <param name="Epochs">Full-batch epochs at most (default 300, at most 5000); the check stops as soon as it
/// passes.</param>
public sealed record SanityCheckRequest(Guid DatasetId, int Rows = 32, int Epochs = 300);

/// <summary>Whether the network can over-fit a handful of rows.</summary>
/// <param name="NetworkId">The network checked.</param>
/// <param name="DatasetId">The dataset its rows came from.</param>
/// <param name="Passed">True when the training loss fell to 5 % of its first epoch's or every row was classified
/// correctly.</param>
/// <param name="Rows">Rows trained on.</param>
/// <param name="Epochs">Epochs run.</param>
/// <param name="InitialLoss">Training loss of the first epoch.</param>
/// <param name="FinalLoss">Training loss of the last epoch.</param>
/// <param name="FinalAccuracy">Training accuracy of the last epoch (classification).</param>
/// <param name="Losses">The loss curve, one value per epoch.</param>
/// <param name="Verdict">What it means and what to check.</param>
public sealed record SanityCheckResponse(Guid NetworkId, Guid DatasetId, bool Passed, int Rows, int Epochs,
    double? InitialLoss, double? FinalLoss, double? FinalAccuracy, IReadOnlyList<double?> Losses, string Verdict);

/// <summary>POST /api/networks/{id}/sanity-check: "test on simple data first", as an endpoint.</summary>
public static class SanityCheckApi
{
    public const int MaxRows = 256, MaxEpochs = 5000;

    public static RouteGroupBuilder MapSanityCheck(this RouteGroupBuilder networks)
    {
        networks.MapPost("/{id:guid}/sanity-check", Check).WithName("SanityCheck")
            .WithSummary("Train the network on a few dataset rows without regularisation: can it drive the training " +
                "loss near zero?")
            .WithDescription(
                "Samples rows with the network's seed, trains full-batch with adam at 0.01, no L2, inputs z-scored and "
                + "regression targets standardised, and stops as soon as the loss is at 5 % of its first epoch's or "
                + "every row is "
                + "classified correctly. A network that cannot over-fit a handful of rows has a problem more data "
                + "will not fix. "
                + "Bounded: rows × epochs × parameters is limited by Limits:MaxSanityCheckCost; "
                + "cancelled with the request.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return networks;
    }

    private static async Task<Results<Ok<SanityCheckResponse>, ProblemHttpResult, ValidationProblem>> Check(
        Guid id, SanityCheckRequest request, BackpropDbContext db, ICurrentTenant tenant, DatasetLoader datasets,
            IOptions<LimitsOptions> options,
        CancellationToken ct)
    {
        var errors = new ProblemErrors();
        if (request.Rows is < 2 or > MaxRows) errors.Add("rows",
            $"rows must be between 2 and {MaxRows}, got {request.Rows}.");
        if (request.Epochs is < 1 or > MaxEpochs) errors.Add("epochs",
            $"epochs must be between 1 and {MaxEpochs}, got {request.Epochs}.");
        if (errors.Any) return TypedResults.ValidationProblem(errors.ToDictionary());
        var network = await db.Set<NetworkEntity>().OwnedBy(tenant).AsNoTracking().SingleOrDefaultAsync(n =>
            n.Id == id, ct);
        if (network is null) return TypedResults.Problem($"Network {id} does not exist.", statusCode: 404,
            title: "Not found");
        var spec = NetworkMapping.ReadDefinition(network.DefinitionJson).ToSpec();
        double cost = SanityCheck.Cost(spec, request.Rows, request.Epochs), limit = options.Value.MaxSanityCheckCost;
        if (cost > limit)
            return TypedResults.ValidationProblem(ProblemErrors.Single("epochs",
                $"{request.Rows} rows × {request.Epochs} epochs on {spec.ParameterCount:N0} parameters is {cost:G3} " +
                "multiply-adds, over this "
                + $"service's {limit:G3}; use fewer rows or epochs, or check a narrower copy of the network.")
                    .ToDictionary());
        var dataset = await datasets.LoadAsync(request.DatasetId, ct);
        if (dataset is null) return TypedResults.Problem($"Dataset {request.DatasetId} does not exist.",
            statusCode: 404, title: "Not found");
        var incompatible = new ProblemErrors().AddRange(dataset.Data.CompatibilityWith(spec));
        if (incompatible.Any) return TypedResults.ValidationProblem(incompatible.ToDictionary());

        var result = await Task.Run(() => SanityCheck.Run(spec, dataset.Data, request.Rows, request.Epochs, ct), ct);
        return TypedResults.Ok(new SanityCheckResponse(id, request.DatasetId, result.Passed, result.Rows,
            result.Epochs, result.InitialLoss.Finite(),
            result.FinalLoss.Finite(), result.FinalAccuracy.Finite(), result.Losses.Select(l => l.Finite()).ToList(),
                result.Verdict));
    }
}
