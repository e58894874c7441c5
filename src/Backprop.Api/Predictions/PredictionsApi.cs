using System.Diagnostics;
using Backprop.Api.Data;
using Backprop.Api.Models;
using Backprop.Api.Security;
using Backprop.Api.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Backprop.Api.Predictions;

/// <summary>POST /api/models/{id}/predict: rows or records in raw units in; labels, probabilities or raw values
/// out.</summary>
public static class PredictionsApi
{
    public static RouteGroupBuilder MapPredictionsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/models").WithTags("Predictions");
        group.MapPost("/{id:guid}/predict", Predict).WithName("Predict").WithTags("Predictions")
            .WithSummary(
                "Predict rows given in raw units: class label and probabilities, or values in raw target units")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .Accepts<PredictionRequest>("application/json")
            .RequireRateLimiting(RateLimits.Predictions)
            .DisableValidation(); // the body is read and checked by the handler (PredictionBody, PredictionInput)
        return group;
    }

    private static async Task<Results<PredictionResult, NotFound, ValidationProblem, ProblemHttpResult>> Predict(
        Guid id, HttpContext http, ICurrentTenant tenant, ModelCache cache, IOptions<LimitsOptions> limits,
            IOptions<JsonOptions> json, BackpropMetrics metrics, CancellationToken ct)
    {
        // Read here rather than bound by the framework (see PredictionBody); PredictionInput checks every row itself.
        var body = await PredictionBody.ReadAsync(http.Request, json.Value.SerializerOptions,
            limits.Value.MaxPredictionValues, ct);
        long started = Stopwatch.GetTimestamp();
        int count = body.RowCount;
        if (count > limits.Value.MaxPredictionRows)
            return TypedResults.Problem($"{count} rows exceed this service's limit of " +
                $"{limits.Value.MaxPredictionRows} per request; split the batch.",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Too many rows");
        // The database is only needed on a cache miss: a warm prediction never rents a context.
        if (await ModelLoader.LoadAsync(id, () => http.RequestServices.GetRequiredService<BackpropDbContext>(), tenant,
            cache, ct) is not { } cached) return TypedResults.NotFound();
        var model = cached.Model;
        if (OverBudget(count, model, limits.Value) is { } tooLarge) return tooLarge;
        var errors = new ProblemErrors();
        List<string>?[]? warnings = null;
        // Plain rows of the model's width are already its feature matrix; anything else goes through the checks.
        var features = body.Dense is { } dense && model.Preparation is null
            && dense.Width == (model.FeatureNames?.Count ?? model.Spec.InputWidth) ? dense.Values
            : PredictionInput.Read(body.AsRequest(), model, errors, out warnings);
        if (features is null) return TypedResults.ValidationProblem(errors.ToDictionary());
        var batch = cached.Predict(features, count);
        metrics.Predicted(Stopwatch.GetElapsedTime(started), count);
        return new PredictionResult(batch.ToResponse(id, model, model.Task == TaskKind.Classification
            ? model.ClassNamesOrDefault() : [], warnings));
    }

    private static ProblemHttpResult? OverBudget(int rows, TrainedModel model, LimitsOptions limits) =>
        PredictionBudget.Exceeded(rows, model, limits) is { } message
            ? TypedResults.Problem(message, statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "Prediction too large")
            : null;
}
