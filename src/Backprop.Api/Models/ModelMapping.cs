using System.Text.Json;
using Backprop.Api.Networks;

namespace Backprop.Api.Models;

/// <summary>Builds model rows from the core's <see cref="TrainedModel"/> and maps them to responses.</summary>
public static class ModelMapping
{
    public static (ModelEntity Entity, ModelBlob Blob) Create(TrainedModel model, string tenantId, string? name,
        ModelLineage lineage, ModelMetrics? metrics, byte[]? snapshot)
    {
        var id = Guid.CreateVersion7();
        var details = new ModelDetails(
            model.InputNormalizer.ToResponse(),
            model.TargetNormalizer?.ToResponse(),
            model.FeatureNamesOrDefault(),
            model.Task == TaskKind.Classification ? model.ClassNamesOrDefault() : null,
            model.TargetNames,
            metrics,
            model.Preparation?.ToResponse());
        var entity = new ModelEntity
        {
            Id = id,
            TenantId = tenantId,
            Name = name,
            Source = lineage.Source,
            Task = JsonNames.Of(model.Task),
            InputWidth = model.Spec.InputWidth,
            OutputWidth = model.Spec.OutputWidth,
            ParameterCount = model.Spec.ParameterCount,
            ArchitectureJson = model.Spec.ToDefinition().ToJson(),
            DetailsJson = JsonSerializer.Serialize(details, StoredJson.Options),
            JobId = lineage.JobId,
            DatasetId = lineage.DatasetId,
            NetworkId = lineage.NetworkId,
            WarmStartModelId = lineage.WarmStartModelId,
            Seed = lineage.Seed,
            Epochs = lineage.Epochs,
            CreatedAt = DateTime.UtcNow,
        };
        return (entity, new ModelBlob { ModelId = id, Model = ModelSerializer.ToBinary(model), Snapshot = snapshot });
    }

    public static IReadOnlyList<string> FeatureNamesOrDefault(this TrainedModel model) =>
        model.FeatureNames ?? Enumerable.Range(0, model.Spec.InputWidth).Select(i => $"x{i}").ToArray();

    public static IReadOnlyList<string> ClassNamesOrDefault(this TrainedModel model) =>
        model.ClassNames ?? Enumerable.Range(0, model.ClassCount)
            .Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    public static ModelMetrics ToMetrics(this ModelEvaluation e, string evaluatedOn) =>
        new(evaluatedOn, e.Rows, e.Accuracy.Finite(), e.ConfusionMatrix, e.Rmse.Finite(), e.R2.Finite(),
            e.WeightedAccuracy.Finite(), e.BalancedAccuracy.Finite(), e.Recall);

    public static PreparationResponse ToResponse(this TabularPreparation p) => new(p.Settings.Imputation,
        p.Settings.MissingIndicators,
        p.Settings.MinLevelCount, p.Settings.UnseenLevels, [.. p.Columns.Select(c => c.Kind == ColumnKind.Categorical
            ? new PreparedColumnResponse(c.Name, c.Kind, null, false, c.Levels, c.Grouped, c.MissingLevel, c.Width)
            : new PreparedColumnResponse(c.Name, c.Kind, c.Fill, c.Indicator, null, null, false, c.Width))]);

    public static NormalizationResponse ToResponse(this Normalizer n) => new(n.Kind, n.Offsets, n.Scales);

    public static ModelDetails ReadDetails(this ModelEntity e) =>
        JsonSerializer.Deserialize<ModelDetails>(e.DetailsJson, StoredJson.Options) ?? throw new InvalidDataException(
            "Empty model details.");

    public static TaskKind ReadTask(this ModelEntity e) => JsonNames.TryParse<TaskKind>(e.Task)
        ?? TaskKind.Classification;

    public static ModelResponse ToResponse(this ModelEntity e)
    {
        var d = e.ReadDetails();
        return new(e.Id, e.Name, e.ReadTask(), NetworkMapping.ReadDefinition(e.ArchitectureJson), e.ParameterCount,
            d.InputNormalization, d.TargetNormalization, d.FeatureNames, d.ClassNames, d.TargetNames, d.Metrics,
            new ModelLineage(e.Source, e.JobId, e.DatasetId, e.NetworkId, e.WarmStartModelId, e.Seed, e.Epochs),
            e.CreatedAt.AsUtc(), new ModelLinks($"/api/models/{e.Id}", $"/api/models/{e.Id}/weights",
                $"/api/models/{e.Id}/predict"), d.Preparation, e.ServingName);
    }

    public static ModelSummary ToSummary(this ModelEntity e)
    {
        var metrics = e.ReadDetails().Metrics;
        return new(e.Id, e.Name, e.ReadTask(), e.Source, e.InputWidth, e.OutputWidth, e.ParameterCount,
            metrics?.Accuracy, metrics?.Rmse, e.JobId, e.CreatedAt.AsUtc());
    }
}
