using System.Text.Json;
using Backprop.Api.Networks;

namespace Backprop.Api.Models;

/// <summary>Per-column affine map x' = (x − offset) / scale, applied by the service before the forward pass.</summary>
public sealed record NormalizationResponse(NormalizationKind Kind, IReadOnlyList<double> Offsets, IReadOnlyList<double> Scales);

/// <summary>Metrics on the validation split when the job had one, else on the training data (<paramref name="EvaluatedOn"/> says which).</summary>
/// <param name="EvaluatedOn">validation_split, training_data, or none (imported models).</param>
/// <param name="Rows">Rows evaluated.</param>
/// <param name="Accuracy">Share classified correctly (classification).</param>
/// <param name="ConfusionMatrix">Counts [actual][predicted], in class-name order (classification).</param>
/// <param name="Rmse">Root-mean-square error in raw target units (regression).</param>
/// <param name="R2">Coefficient of determination (regression).</param>
public sealed record ModelMetrics(string EvaluatedOn, int Rows, double? Accuracy, int[][]? ConfusionMatrix, double? Rmse, double? R2);

/// <summary>Where a model came from.</summary>
public sealed record ModelLineage(string Source, Guid? JobId, Guid? DatasetId, Guid? NetworkId, Guid? WarmStartModelId, ulong? Seed, int? Epochs);

/// <summary>Stored alongside the model row.</summary>
public sealed record ModelDetails(
    NormalizationResponse InputNormalization,
    NormalizationResponse? TargetNormalization,
    IReadOnlyList<string> FeatureNames,
    IReadOnlyList<string>? ClassNames,
    IReadOnlyList<string>? TargetNames,
    ModelMetrics? Metrics);

public sealed record ModelLinks(string Self, string Weights, string Predict);

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
    ModelLinks Links);

public sealed record ModelSummary(Guid Id, string? Name, TaskKind Task, string Source, int InputWidth, int OutputWidth, long ParameterCount,
    double? Accuracy, double? Rmse, Guid? JobId, DateTime CreatedAt);

/// <summary>Import a model from the JSON weights format (the same document GET /api/models/{id}/weights returns).</summary>
/// <param name="Name">Optional label.</param>
/// <param name="Model">{format, version, task, spec{inputWidth, loss, init, seed, huberDelta, layers[{units, activation, ...}]},
/// layers[{weights [units][inputs], biases [units]}], inputNormalization{kind, offsets, scales}|null, targetNormalization, featureNames, classNames, targetNames}.</param>
public sealed record ImportModelRequest([property: System.ComponentModel.DataAnnotations.MaxLength(200)] string? Name, JsonElement Model);
