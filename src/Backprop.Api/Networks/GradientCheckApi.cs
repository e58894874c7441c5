using Backprop.Api.Data;
using Backprop.Api.Datasets;
using Backprop.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Networks;

/// <summary>Rows of a dataset to check a network's gradients on.</summary>
/// <param name="DatasetId">The dataset whose first rows are used (normalised as training would).</param>
/// <param name="Rows">How many rows (small: each parameter costs two forward passes).</param>
public sealed record GradientCheckRequest(Guid DatasetId, int Rows = 4);

public sealed record LayerGradientErrorResponse(int Layer, double? MaxRelativeErrorWeights,
    double? MaxRelativeErrorBiases);

/// <summary>Backprop's gradient against central finite differences at the network's initial weights.</summary>
public sealed record GradientCheckResponse(Guid NetworkId, Guid DatasetId, int Rows, double? Loss,
    double? MaxRelativeError, string Verdict, IReadOnlyList<LayerGradientErrorResponse> Layers);

/// <summary>POST /api/networks/{id}/gradient-check: analytic against numerical gradients, the first check when
/// backpropagation misbehaves.</summary>
public static class GradientCheckApi
{
    public static RouteGroupBuilder MapGradientCheck(this RouteGroupBuilder networks)
    {
        networks.MapPost("/{id:guid}/gradient-check", Check).WithTags("Networks").WithName("GradientCheck")
            .WithSummary("Compare backprop's gradients with finite differences on a few dataset rows: " +
                "max relative error per layer, weights and biases separately")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(RateLimits.GradientChecks);
        return networks;
    }

    private static async Task<Results<Ok<GradientCheckResponse>, ProblemHttpResult, ValidationProblem>> Check(
        Guid id, GradientCheckRequest request, BackpropDbContext db, ICurrentTenant tenant, DatasetLoader datasets,
            IOptions<LimitsOptions> options, CancellationToken ct)
    {
        var limits = options.Value;
        if (request.DatasetId == Guid.Empty)
            return TypedResults.ValidationProblem(ProblemErrors.Single("datasetId",
                "datasetId is required: the dataset whose first rows are checked.").ToDictionary());
        if (request.Rows < 1 || request.Rows > limits.MaxGradientCheckRows)
            return TypedResults.ValidationProblem(ProblemErrors.Single("rows",
                $"rows must be between 1 and {limits.MaxGradientCheckRows}, got {request.Rows}.").ToDictionary());
        var network = await db.Set<NetworkEntity>().OwnedBy(tenant).AsNoTracking().SingleOrDefaultAsync(n =>
            n.Id == id, ct);
        if (network is null) return TypedResults.Problem($"Network {id} does not exist.", statusCode: 404,
            title: "Not found");
        if (network.ParameterCount > limits.MaxGradientCheckParameters)
            return TypedResults.ValidationProblem(ProblemErrors.Single("networkId",
                $"The network has {network.ParameterCount:N0} parameters; a gradient check perturbs each one and is " +
                $"limited to {limits.MaxGradientCheckParameters:N0}. Check a narrower copy of the network.")
                    .ToDictionary());
        if (OverCost(network.ParameterCount, request.Rows,
            limits) is { } tooCostly) return TypedResults.ValidationProblem(tooCostly.ToDictionary());
        var dataset = await datasets.LoadAsync(request.DatasetId, ct);
        if (dataset is null) return TypedResults.Problem($"Dataset {request.DatasetId} does not exist.",
            statusCode: 404, title: "Not found");
        var spec = NetworkMapping.ReadDefinition(network.DefinitionJson).ToSpec();
        var data = dataset.Data;
        var incompatible = new ProblemErrors().AddRange(data.CompatibilityWith(spec));
        if (incompatible.Any) return TypedResults.ValidationProblem(incompatible.ToDictionary());

        var model = UntrainedModel(spec, data);
        // stops between parameters when the client goes away
        var result = GradientCheck.Run(model, data, request.Rows, cancellationToken: ct);
        double max = result.MaxRelativeError;
        string verdict = !double.IsFinite(max) ? "The gradient is not finite at these weights."
            : max < 1e-6 ? "Backprop matches finite differences."
            : max < 1e-3 ? "Close: differences of this size usually come from kinks (relu at 0) or round-off."
            : "Suspicious: backprop and finite differences disagree.";
        return TypedResults.Ok(new GradientCheckResponse(id, request.DatasetId, Math.Min(request.Rows, data.Rows),
            result.Loss.Finite(), max.Finite(), verdict,
            result.Layers.Select(l => new LayerGradientErrorResponse(l.Layer, l.MaxRelativeErrorWeights.Finite(),
                l.MaxRelativeErrorBiases.Finite())).ToList()));
    }

    /// <summary>
    /// Each parameter is perturbed twice and each perturbation is a forward pass over the rows (about one multiply-add
    /// per parameter per row): parameters² × rows, in long arithmetic, against Limits:MaxGradientCheckCost.
    /// </summary>
    private static ProblemErrors? OverCost(long parameters, int rows, LimitsOptions limits)
    {
        long perRow = parameters > int.MaxValue ? long.MaxValue : parameters * parameters;
        long cost = perRow > long.MaxValue / rows ? long.MaxValue : perRow * rows;
        if (cost <= limits.MaxGradientCheckCost) return null;
        long fits = limits.MaxGradientCheckCost / Math.Max(1, perRow);
        return ProblemErrors.Single("rows",
            $"A gradient check of {parameters:N0} parameters on {rows} rows costs parameters² × rows = {cost:N0} " +
            "multiply-adds; this service allows "
            + $"{limits.MaxGradientCheckCost:N0} (Limits:MaxGradientCheckCost). "
            + (fits >= 1 ? $"Use rows = {fits} or fewer, or a narrower network."
                : "Check a narrower copy of the network."));
    }

    /// <summary>The network at its seeded initial weights, normalised as a training job would (z-score inputs,
    /// standardised targets).</summary>
    private static TrainedModel UntrainedModel(NetworkSpec spec, TrainingData data)
    {
        var all = Enumerable.Range(0, data.Rows).ToArray();
        var targets = data.Task == TaskKind.Regression ? Normalizer.Fit(NormalizationKind.ZScore, data.Targets,
            data.TargetWidth, all) : null;
        return new TrainedModel(spec, Network<float>.Create(spec).Parameters, data.Task,
            Normalizer.Fit(NormalizationKind.ZScore, data.Features, data.Width, all),
            targets, data.FeatureNames, data.ClassNames, data.TargetNames);
    }
}
