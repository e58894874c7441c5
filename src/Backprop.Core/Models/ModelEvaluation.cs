namespace Backprop.Core.Models;

/// <summary>Metrics of a model on labelled data: accuracy and confusion matrix (classification) or RMSE and R² (regression), raw units.</summary>
/// <param name="Rows">Rows evaluated.</param>
/// <param name="Accuracy">Share classified correctly.</param>
/// <param name="ConfusionMatrix">Counts, [actual][predicted].</param>
/// <param name="Rmse">Root-mean-square error over all outputs.</param>
/// <param name="R2">Coefficient of determination, averaged over target columns.</param>
public sealed record ModelEvaluation(int Rows, double? Accuracy, int[][]? ConfusionMatrix, double? Rmse, double? R2)
{
    /// <summary>Evaluates <paramref name="model"/> on <paramref name="data"/> (or the listed rows of it).</summary>
    public static ModelEvaluation Evaluate(TrainedModel model, TrainingData data, IReadOnlyList<int>? rows = null)
    {
        var indices = rows ?? Enumerable.Range(0, data.Rows).ToArray();
        int width = data.Width, n = indices.Count;
        if (n == 0) return new ModelEvaluation(0, null, null, null, null);
        var x = new float[n * width];
        for (int i = 0; i < n; i++) data.Features.AsSpan(indices[i] * width, width).CopyTo(x.AsSpan(i * width));
        var prediction = model.CreatePredictor(Math.Min(n, 1024)).Predict(x, n);
        if (data.Task == TaskKind.Classification)
        {
            int classes = model.ClassCount;
            var confusion = Enumerable.Range(0, classes).Select(_ => new int[classes]).ToArray();
            int correct = 0;
            for (int i = 0; i < n; i++)
            {
                int actual = data.Labels![indices[i]], predicted = prediction.PredictedClasses![i];
                confusion[actual][predicted]++;
                if (actual == predicted) correct++;
            }
            return new ModelEvaluation(n, (double)correct / n, confusion, null, null);
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
