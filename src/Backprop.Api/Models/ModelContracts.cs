using System.Text.Json;
using Backprop.Api.Networks;

namespace Backprop.Api.Models;

/// <summary>Per-column affine map x' = (x − offset) / scale, applied by the service before the forward pass.</summary>
public sealed record NormalizationResponse(NormalizationKind Kind, IReadOnlyList<double> Offsets,
    IReadOnlyList<double> Scales);

/// <summary>Metrics on the validation split when the job had one, else on the training data (<paramref
/// name="EvaluatedOn"/> says which).</summary>
/// <param name="EvaluatedOn">validation_split, training_data, or none (imported models).</param>
/// <param name="Rows">Rows evaluated.</param>
/// <param name="Accuracy">Share classified correctly (classification).</param>
/// <param name="ConfusionMatrix">Counts [actual][predicted], in class-name order (classification).</param>
/// <param name="Rmse">Root-mean-square error in raw target units (regression).</param>
/// <param name="R2">Coefficient of determination (regression).</param>
/// <param name="WeightedAccuracy">Σ w_i [predicted_i = actual_i] / Σ w_i, w_i = sample weight × class weight (equals
/// accuracy without weights).</param>
/// <param name="BalancedAccuracy">Mean of the per-class recalls.</param>
/// <param name="Recall">Per class, in class-name order: share of the class's rows predicted as it (null for a class
/// with no rows).</param>
public sealed record ModelMetrics(string EvaluatedOn, int Rows, double? Accuracy, int[][]? ConfusionMatrix,
    double? Rmse, double? R2,
    double? WeightedAccuracy = null, double? BalancedAccuracy = null, IReadOnlyList<double?>? Recall = null);

/// <summary>One raw column as a prediction record gives it, and how it becomes network inputs.</summary>
/// <param name="Type">numeric, categorical or boolean.</param>
/// <param name="Fill">Numeric or boolean: the value that fills a missing cell (training-split mean or median).</param>
/// <param name="MissingIndicator">Numeric or boolean: a 0/1 input follows, 1 where the cell was missing.</param>
/// <param name="Levels">Categorical: one input per level, in this order.</param>
/// <param name="Grouped">Categorical: rare training levels sharing one "(other)" input after the levels.</param>
/// <param name="MissingLevel">Categorical: a missing cell has its own "(missing)" input, last.</param>
/// <param name="Inputs">Network inputs this column gives.</param>
public sealed record PreparedColumnResponse(string Name, ColumnKind Type, double? Fill, bool MissingIndicator,
    IReadOnlyList<string>? Levels, IReadOnlyList<string>? Grouped, bool MissingLevel, int Inputs);

/// <summary>The preparation fitted on the training split: raw columns in, <c>featureNames</c> (the network's inputs)
/// out; normalisation follows.</summary>
/// <param name="Imputation">mean or median: what filled a missing numeric or boolean cell (from the training
/// split).</param>
/// <param name="MissingIndicators">Whether a 0/1 input marks each numeric or boolean column's missing cells.</param>
/// <param name="MinLevelCount">Levels with fewer training rows share one "(other)" input; 1 = no grouping.</param>
/// <param name="UnseenLevels">At prediction, a level the training split never held: ignore (all-zero encoding and a
/// warning) or refuse.</param>
/// <param name="Columns">Each raw column: its type, fill, levels and how many inputs it gives.</param>
public sealed record PreparationResponse(ImputationKind Imputation, bool MissingIndicators, int MinLevelCount,
    UnseenLevelPolicy UnseenLevels, IReadOnlyList<PreparedColumnResponse> Columns);

/// <summary>Where a model came from.</summary>
public sealed record ModelLineage(string Source, Guid? JobId, Guid? DatasetId, Guid? NetworkId, Guid? WarmStartModelId,
    ulong? Seed, int? Epochs);

/// <summary>Stored alongside the model row.</summary>
public sealed record ModelDetails(
    NormalizationResponse InputNormalization,
    NormalizationResponse? TargetNormalization,
    IReadOnlyList<string> FeatureNames,
    IReadOnlyList<string>? ClassNames,
    IReadOnlyList<string>? TargetNames,
    ModelMetrics? Metrics,
    PreparationResponse? Preparation = null);

public sealed record ModelLinks(string Self, string Weights, string Predict);

/// <summary>A stored model.</summary>
/// <param name="ServingName">The tenant-unique name the Open Inference Protocol (/v2/models/{name}) also serves the
/// model by; null when none is set (PUT /api/models/{id}/serving-name).</param>
public sealed record ModelResponse(
    Guid Id,
    string? Name,
    TaskKind Task,
    NetworkDefinition Architecture,
    long ParameterCount,
    NormalizationResponse InputNormalization,
    NormalizationResponse? TargetNormalization,
    IReadOnlyList<string> FeatureNames,
    IReadOnlyList<string>? ClassNames,
    IReadOnlyList<string>? TargetNames,
    ModelMetrics? Metrics,
    ModelLineage Lineage,
    DateTime CreatedAt,
    ModelLinks Links,
    PreparationResponse? Preparation,
    string? ServingName);

public sealed record ModelSummary(Guid Id, string? Name, TaskKind Task, string Source, int InputWidth, int OutputWidth,
    long ParameterCount, double? Accuracy, double? Rmse, Guid? JobId, DateTime CreatedAt);

/// <summary>Import a model from the JSON weights format (the same document GET /api/models/{id}/weights
/// returns).</summary>
/// <param name="Name">Optional label.</param>
/// <param name="Model">{format, version, task, spec{inputWidth, loss, init, seed, huberDelta, layers[{units,
/// activation, ...}]}, layers[{weights [units][inputs], biases [units]}], inputNormalization{kind, offsets,
/// scales}|null, targetNormalization, featureNames, classNames, targetNames, preparation{imputation, missingIndicators,
/// minLevelCount, unseenLevels, columns[{name, kind, fill, indicator, levels, grouped, missingLevel}]}|null}.</param>
public sealed record ImportModelRequest([property: System.ComponentModel.DataAnnotations.MaxLength(200)] string? Name,
    JsonElement Model);

/// <summary>Set the name the Open Inference Protocol serves a model by.</summary>
/// <param name="ServingName">1–64 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or
/// digit, not in the form of an id (GUID); unique among the tenant's models, e.g. "iris-prod".</param>
public sealed record ServingNameRequest(string? ServingName);
