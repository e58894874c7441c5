using Backprop.Api.Data;
using Backprop.Api.Models;
using Backprop.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
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
            .RequireRateLimiting(RateLimits.Predictions)
            // PredictionInput checks every row itself; the generic validator would walk every number first
            .DisableValidation();
        return group;
    }

    private static async Task<Results<Ok<PredictionResponse>, NotFound, ValidationProblem, ProblemHttpResult>> Predict(
        Guid id, PredictionRequest request, HttpContext http, ICurrentTenant tenant, ModelCache cache,
            IOptions<LimitsOptions> limits, CancellationToken ct)
    {
        int count = request.RowCount();
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
        var features = PredictionInput.Read(request, model, errors, out var warnings);
        if (features is null) return TypedResults.ValidationProblem(errors.ToDictionary());
        var batch = cached.Predict(features, count);
        return TypedResults.Ok(batch.ToResponse(id, model, model.Task == TaskKind.Classification
            ? model.ClassNamesOrDefault() : [], warnings));
    }

    /// <summary>
    /// rows × the widest buffer the request needs (input features, outputs or class probabilities), in long arithmetic,
    /// against Limits:MaxPredictionValues: checked before anything is sized from the request.
    /// </summary>
    private static ProblemHttpResult? OverBudget(int rows, TrainedModel model, LimitsOptions limits)
    {
        long widest = Math.Max(model.Spec.InputWidth, Math.Max(model.Spec.OutputWidth, model.ClassCount));
        long values = rows * widest;
        if (values <= limits.MaxPredictionValues) return null;
        long fits = Math.Max(1, limits.MaxPredictionValues / widest);
        return TypedResults.Problem(
            $"{rows:N0} rows × {widest:N0} values per row (the model's widest of {model.Spec.InputWidth:N0} inputs " +
            $"and {model.Spec.OutputWidth:N0} outputs) = "
            + $"{values:N0} values, over this service's budget of {limits.MaxPredictionValues:N0} per request "
            + "(Limits:MaxPredictionValues); "
            + $"send at most {fits:N0} rows per request.",
            statusCode: StatusCodes.Status413PayloadTooLarge, title: "Prediction too large");
    }
}
