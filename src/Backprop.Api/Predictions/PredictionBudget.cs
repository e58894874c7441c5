namespace Backprop.Api.Predictions;

/// <summary>The per-request prediction budget (Limits:MaxPredictionValues), shared by every way to predict.</summary>
public static class PredictionBudget
{
    /// <summary>
    /// rows × the widest buffer the request needs (input features, outputs or class probabilities), in long arithmetic,
    /// against Limits:MaxPredictionValues: checked before anything is sized from the request. Null when within it.
    /// </summary>
    public static string? Exceeded(int rows, TrainedModel model, LimitsOptions limits)
    {
        long widest = Math.Max(model.Spec.InputWidth, Math.Max(model.Spec.OutputWidth, model.ClassCount));
        long values = rows * widest;
        if (values <= limits.MaxPredictionValues) return null;
        long fits = Math.Max(1, limits.MaxPredictionValues / widest);
        return $"{rows:N0} rows × {widest:N0} values per row (the model's widest of {model.Spec.InputWidth:N0} inputs "
            + $"and {model.Spec.OutputWidth:N0} outputs) = "
            + $"{values:N0} values, over this service's budget of {limits.MaxPredictionValues:N0} per request "
                + $"(Limits:MaxPredictionValues); "
            + $"send at most {fits:N0} rows per request.";
    }
}
