using Backprop.Api.Data;
using Backprop.Api.Datasets;
using Backprop.Api.Predictions;
using Backprop.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Backprop.Api.Models;

/// <summary>Evaluate a model on a stored dataset with the same columns.</summary>
/// <param name="DatasetId">A held-out test set (POST /api/datasets) whose feature columns have the model's feature
/// names (any order) and whose target holds the model's class names (classification) or target columns
/// (regression).</param>
public sealed record EvaluateModelRequest(Guid DatasetId);

/// <summary>Precision, recall and F1 of one class against the rest.</summary>
/// <param name="Label">The class name.</param>
/// <param name="Precision">Rows correctly predicted as the class ÷ rows predicted as it; null when it was never
/// predicted.</param>
/// <param name="Recall">Rows correctly predicted as the class ÷ rows of the class; null when no row has it.</param>
/// <param name="F1">2·precision·recall ÷ (precision + recall); null when either is null.</param>
/// <param name="Support">Rows of the class in the dataset.</param>
public sealed record ClassMetricsResponse(string Label, double? Precision, double? Recall, double? F1, int Support);

/// <summary>A model's metrics on a dataset, in raw units.</summary>
/// <param name="ModelId">The model evaluated.</param>
/// <param name="DatasetId">The dataset it was evaluated on.</param>
/// <param name="Task">classification or regression.</param>
/// <param name="Rows">Rows evaluated.</param>
/// <param name="Accuracy">Share of rows classified correctly (classification).</param>
/// <param name="ConfusionMatrix">Counts [actual][predicted], in the order of classNames (classification).</param>
/// <param name="ClassNames">The model's class names, the order of confusionMatrix and perClass
/// (classification).</param>
/// <param name="PerClass">Precision, recall, F1 and support per class (classification).</param>
/// <param name="LogLoss">Mean −ln of the probability given to the actual class, probabilities clipped to [1e-15, 1]
/// (scikit-learn's log_loss) (classification).</param>
/// <param name="Rmse">Root-mean-square error over all target columns, in raw units (regression).</param>
/// <param name="Mae">Mean absolute error over all target columns, in raw units (regression).</param>
/// <param name="R2">Coefficient of determination, averaged over target columns (regression).</param>
public sealed record ModelEvaluationResponse(Guid ModelId, Guid DatasetId, TaskKind Task, int Rows, double? Accuracy,
    int[][]? ConfusionMatrix,
    IReadOnlyList<string>? ClassNames, IReadOnlyList<ClassMetricsResponse>? PerClass, double? LogLoss, double? Rmse,
        double? Mae, double? R2);

/// <summary>POST /api/models/{id}/evaluate: the metrics of a model on a held-out dataset.</summary>
public static class ModelEvaluationApi
{
    public static RouteGroupBuilder MapModelEvaluation(this RouteGroupBuilder models)
    {
        models.MapPost("/{id:guid}/evaluate", Evaluate).WithName("EvaluateModel")
            .WithSummary("Metrics on a held-out dataset: accuracy, confusion matrix, per-class precision/recall/F1 " +
                "and log loss, or RMSE, MAE and R²")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return models;
    }

    private static async Task<Results<Ok<ModelEvaluationResponse>, ProblemHttpResult, ValidationProblem>> Evaluate(
        Guid id, EvaluateModelRequest request, BackpropDbContext db, ICurrentTenant tenant, ModelCache cache,
            DatasetLoader datasets, CancellationToken ct)
    {
        if (await ModelLoader.LoadAsync(id, db, tenant, cache, ct) is not { } cached) return NotFoundProblems.For(
            "Model", id);
        if (await datasets.LoadAsync(request.DatasetId, ct) is not { } dataset) return NotFoundProblems.For("Dataset",
            request.DatasetId);
        var model = cached.Model;
        var errors = new ProblemErrors();
        var data = Align(model, dataset, errors);
        if (data is null) return TypedResults.ValidationProblem(errors.ToDictionary());
        var e = ModelEvaluation.Evaluate(model, data);
        var classNames = model.Task == TaskKind.Classification ? model.ClassNamesOrDefault() : null;
        return TypedResults.Ok(new ModelEvaluationResponse(id, request.DatasetId, model.Task, e.Rows,
            e.Accuracy.Finite(), e.ConfusionMatrix, classNames,
            e.PerClass?.Select((c, i) => new ClassMetricsResponse(classNames![i], c.Precision.Finite(),
                c.Recall.Finite(), c.F1.Finite(), c.Support)).ToList(),
            e.LogLoss.Finite(), e.Rmse.Finite(), e.Mae.Finite(), e.R2.Finite()));
    }

    /// <summary>The dataset's rows in the model's feature order, with labels renumbered to the model's classes; null
    /// (with errors) when they do not fit.</summary>
    private static TrainingData? Align(TrainedModel model, LoadedDataset dataset, ProblemErrors errors)
    {
        var features = model.FeatureNamesOrDefault();
        var source = dataset.Data;
        if (dataset.Task != model.Task)
            return Fail(errors, $"The dataset is a {JsonNames.Of(dataset.Task)} dataset and the model a " +
                $"{JsonNames.Of(model.Task)} model.");
        var columns = features.Select(f => dataset.FeatureNames.ToList().IndexOf(f)).ToArray();
        if (columns.Any(c => c < 0) || dataset.FeatureNames.Count != features.Count)
            return Fail(errors, $"The dataset's feature columns ({string.Join(", ", dataset.FeatureNames)}) differ " +
                $"from the model's ({string.Join(", ", features)}).");
        int rows = source.Rows, width = features.Count;
        var x = new float[rows * width];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < width; c++) x[r * width + c] = source.Features[r * source.Width + columns[c]];
        if (model.Task == TaskKind.Regression)
        {
            if (source.TargetWidth != model.Spec.OutputWidth)
                return Fail(errors, $"The dataset has {source.TargetWidth} target columns; " +
                    $"the model predicts {model.Spec.OutputWidth}.");
            return TrainingData.Regression(x, rows, width, source.Targets!, source.TargetWidth);
        }
        var classes = model.ClassNamesOrDefault().ToList();
        var names = dataset.ClassNames ?? [];
        var map = names.Select(n => classes.IndexOf(n)).ToArray();
        if (map.Any(m => m < 0))
            return Fail(errors, $"The dataset has classes the model does not know: " +
                $"{string.Join(", ", names.Where(n => !classes.Contains(n)))} (the model's: " +
                $"{string.Join(", ", classes)}).");
        return TrainingData.Classification(x, rows, width, source.Labels!.Select(l => map[l]).ToArray(), classes.Count);
    }

    private static TrainingData? Fail(ProblemErrors errors, string message)
    {
        errors.Add("datasetId", message);
        return null;
    }
}
