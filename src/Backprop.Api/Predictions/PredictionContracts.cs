using System.Text.Json;

namespace Backprop.Api.Predictions;

/// <summary>Rows in raw units, either as arrays in feature order or as records keyed by feature name (give one of the
/// two).</summary>
/// <param name="Rows">e.g. [[5.1, 3.5, 1.4, 0.2]] in the order of the model's featureNames (models without a
/// preparation).</param>
/// <param name="Records">e.g. [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}]; for
/// a model with a preparation the raw columns as uploaded, e.g. [{"age": 39, "workclass": "State-gov", "hours": null}]:
/// strings for categorical levels, true/false for booleans, null (or an absent column) for a missing value, prepared
/// exactly as in training.</param>
public sealed record PredictionRequest(IReadOnlyList<double[]>? Rows = null,
    IReadOnlyList<Dictionary<string, JsonElement>>? Records = null);

/// <summary>One row's prediction.</summary>
/// <param name="Label">Predicted class name (classification).</param>
/// <param name="ClassIndex">Predicted class index (classification).</param>
/// <param name="Probabilities">Per-class probability by class name (sigmoid/softmax outputs).</param>
/// <param name="Values">Predicted targets in raw units, in targetNames order (regression).</param>
/// <remarks>Numbers are single precision, written as the shortest text that reads back to the same value (0.9999987,
/// not 0.9999986886978149).</remarks>
/// <param name="Warnings">What the preparation could not use, e.g. a level the training split never held (encoded as
/// all zeros); null when none.</param>
public sealed record RowPrediction(string? Label, int? ClassIndex, IReadOnlyDictionary<string, float>? Probabilities,
    IReadOnlyList<float?>? Values, IReadOnlyList<string>? Warnings = null);

public sealed record PredictionResponse(Guid ModelId, TaskKind Task, IReadOnlyList<string>? TargetNames,
    IReadOnlyList<RowPrediction> Predictions);
