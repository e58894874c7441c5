namespace Backprop.Client;

/// <summary>The model's answer for each row, in the order sent.</summary>
/// <param name="TargetNames">Regression targets' names, in the order of each row's values.</param>
public sealed record PredictionResult(Guid ModelId, TaskKind Task, IReadOnlyList<string>? TargetNames,
    IReadOnlyList<RowPrediction> Predictions);

/// <summary>One row's prediction.</summary>
/// <param name="Label">Classification: the most probable class's name.</param>
/// <param name="ClassIndex">Classification: its index.</param>
/// <param name="Probabilities">Classification: every class's probability by name.</param>
/// <param name="Values">Regression: the predicted values in the target's raw units.</param>
/// <param name="Warnings">What the service noticed in the row (an unseen category, a value outside training's
/// range).</param>
public sealed record RowPrediction(string? Label, int? ClassIndex, IReadOnlyDictionary<string, float>? Probabilities,
    IReadOnlyList<float?>? Values, IReadOnlyList<string>? Warnings);
