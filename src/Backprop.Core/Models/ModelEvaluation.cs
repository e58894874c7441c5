namespace Backprop.Core.Models;

/// <summary>Metrics of a model on labelled data: accuracy and confusion matrix (classification) or RMSE and R² (regression), raw units.</summary>
/// <param name="Rows">Rows evaluated.</param>
/// <param name="Accuracy">Share classified correctly.</param>
/// <param name="ConfusionMatrix">Counts, [actual][predicted].</param>
/// <param name="Rmse">Root-mean-square error over all outputs.</param>
/// <param name="R2">Coefficient of determination, averaged over target columns.</param>
/// <param name="WeightedAccuracy">Σ_i w_i [ŷ_i = y_i] / Σ_i w_i with w_i = sample weight × class weight (equals Accuracy when no weights apply).</param>
/// <param name="BalancedAccuracy">Mean of the per-class recalls (classes with rows).</param>
/// <param name="Recall">Per class index: rows of the class predicted as it / rows of the class (null for a class with no rows).</param>
public sealed record ModelEvaluation(int Rows, double? Accuracy, int[][]? ConfusionMatrix, double? Rmse, double? R2,
    double? WeightedAccuracy = null, double? BalancedAccuracy = null, double?[]? Recall = null)
{
    /// <summary>Evaluates <paramref name="model"/> on <paramref name="data"/> (or the listed rows of it), a raw table going through
    /// the model's preparation; <paramref name="classWeights"/> (by class index) and the data's sample weights weight the weighted accuracy.</summary>
    public static ModelEvaluation Evaluate(TrainedModel model, TrainingData data, IReadOnlyList<int>? rows = null, IReadOnlyList<double>? classWeights = null)
    {
        var indices = rows ?? Enumerable.Range(0, data.Rows).ToArray();
        var features = data.Features;
        int width = data.Width, n = indices.Count;
        if (model.Preparation is { } preparation && data.Columns is { } columns)
        {
            features = preparation.EncodeTable(columns, data.Features, data.Rows);
            width = preparation.EncodedWidth;
        }
        if (n == 0) return new ModelEvaluation(0, null, null, null, null);
        var x = new float[n * width];
        for (int i = 0; i < n; i++) features.AsSpan(indices[i] * width, width).CopyTo(x.AsSpan(i * width));
        var prediction = model.CreatePredictor(Math.Min(n, 1024)).Predict(x, n);
        if (data.Task == TaskKind.Classification)
        {
            int classes = model.ClassCount;
            var confusion = Enumerable.Range(0, classes).Select(_ => new int[classes]).ToArray();
            int correct = 0;
            double weightSum = 0, weightedCorrect = 0;
            for (int i = 0; i < n; i++)
            {
                int actual = data.Labels![indices[i]], predicted = prediction.PredictedClasses![i];
                confusion[actual][predicted]++;
                double w = (data.SampleWeights?[indices[i]] ?? 1) * (classWeights?[actual] ?? 1);
                weightSum += w;
                if (actual == predicted) { correct++; weightedCorrect += w; }
            }
            var recall = new double?[classes];
            for (int c = 0; c < classes; c++)
                recall[c] = confusion[c].Sum() is var count and > 0 ? (double)confusion[c][c] / count : null;
            var present = recall.Where(r => r.HasValue).Select(r => r!.Value).ToList();
            return new ModelEvaluation(n, (double)correct / n, confusion, null, null,
                weightSum > 0 ? weightedCorrect / weightSum : null, present.Count > 0 ? present.Average() : null, recall);
        }
        int outputs = data.TargetWidth;
        double sse = 0, r2 = 0;
        for (int c = 0; c < outputs; c++)
        {
            double mean = 0, sst = 0, columnSse = 0;
            for (int i = 0; i < n; i++) mean += data.Targets![indices[i] * outputs + c];
            mean /= n;
            for (int i = 0; i < n; i++)
            {
                double y = data.Targets![indices[i] * outputs + c], d = prediction.Outputs[i * outputs + c] - y;
                columnSse += d * d;
                sst += (y - mean) * (y - mean);
            }
            sse += columnSse;
            r2 += sst > 0 ? 1 - columnSse / sst : 0;
        }
        return new ModelEvaluation(n, null, null, Math.Sqrt(sse / (n * outputs)), r2 / outputs);
    }
}
