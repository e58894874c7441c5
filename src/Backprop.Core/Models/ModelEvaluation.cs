namespace Backprop.Core.Models;

/// <summary>Precision, recall and F1 of one class (one-vs-rest), and how many rows have it.</summary>
/// <param name="Precision">Correct predictions of the class ÷ predictions of the class; null when it was never
/// predicted.</param>
/// <param name="Recall">Correct predictions of the class ÷ rows of the class; null when no row has it.</param>
/// <param name="F1">Harmonic mean of precision and recall; 0 when both are 0, null when either is undefined.</param>
/// <param name="Support">Rows whose actual class it is.</param>
public sealed record ClassMetrics(double? Precision, double? Recall, double? F1, int Support);

/// <summary>
/// Metrics of a model on labelled data, in raw units. Classification: accuracy, confusion matrix, per-class precision,
/// recall and F1, and log loss (mean −ln p of the actual class, probabilities renormalised per row and clipped to
/// [1e-15, 1], as scikit-learn's <c>log_loss</c>). Regression: RMSE, MAE and R² (RMSE and MAE over all outputs, R²
/// averaged over target columns).
/// </summary>
/// <param name="Rows">Rows evaluated.</param>
/// <param name="Accuracy">Share classified correctly.</param>
/// <param name="ConfusionMatrix">Counts, [actual][predicted].</param>
/// <param name="Rmse">Root-mean-square error over all outputs.</param>
/// <param name="R2">Coefficient of determination, averaged over target columns.</param>
/// <param name="LogLoss">Mean negative log-probability of the actual class (classification).</param>
/// <param name="PerClass">Precision, recall, F1 and support per class, in class order (classification).</param>
/// <param name="Mae">Mean absolute error over all outputs (regression).</param>
/// <param name="WeightedAccuracy">Σ_i w_i [ŷ_i = y_i] / Σ_i w_i with w_i = sample weight × class weight (equals
/// Accuracy when no weights apply).</param>
/// <param name="BalancedAccuracy">Mean of the per-class recalls (classes with rows).</param>
/// <param name="Recall">Per class index: rows of the class predicted as it / rows of the class (null for a class with
/// no rows).</param>
public sealed record ModelEvaluation(int Rows, double? Accuracy, int[][]? ConfusionMatrix, double? Rmse, double? R2,
    double? LogLoss = null, IReadOnlyList<ClassMetrics>? PerClass = null, double? Mae = null,
    double? WeightedAccuracy = null, double? BalancedAccuracy = null, double?[]? Recall = null)
{
    /// <summary>Probabilities are clipped to at least this before the logarithm (scikit-learn's eps for
    /// float64).</summary>
    public const double LogLossClip = 1e-15;

    /// <summary>Evaluates <paramref name="model"/> on <paramref name="data"/> (or the listed rows of it), a raw table
    /// going through the model's preparation; <paramref name="classWeights"/> (by class index) and the data's sample
    /// weights weight the weighted accuracy.</summary>
    public static ModelEvaluation Evaluate(TrainedModel model, TrainingData data, IReadOnlyList<int>? rows = null,
        IReadOnlyList<double>? classWeights = null)
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
        return data.Task == TaskKind.Classification
            ? Classification(model.ClassCount, indices.Select(i => data.Labels![i]).ToArray(), prediction,
                data.SampleWeights is { } sw ? indices.Select(i => (double)sw[i]).ToArray() : null, classWeights)
            : Regression(indices.Select(i => data.Targets.AsSpan(i * data.TargetWidth, data.TargetWidth).ToArray())
                .ToArray(), prediction);
    }

    private static ModelEvaluation Classification(int classes, int[] actual, PredictionBatch prediction,
        double[]? sampleWeights, IReadOnlyList<double>? classWeights)
    {
        int n = actual.Length;
        var confusion = Enumerable.Range(0, classes).Select(_ => new int[classes]).ToArray();
        int correct = 0;
        double logLoss = 0, weightSum = 0, weightedCorrect = 0;
        for (int i = 0; i < n; i++)
        {
            int predicted = prediction.PredictedClasses![i];
            confusion[actual[i]][predicted]++;
            double w = (sampleWeights?[i] ?? 1) * (classWeights?[actual[i]] ?? 1);
            weightSum += w;
            if (actual[i] == predicted) { correct++; weightedCorrect += w; }
            if (prediction.Probabilities is { } p)
            {
                double sum = 0;
                for (int c = 0; c < classes; c++) sum += p[i * classes + c];
                logLoss -= Math.Log(Math.Clamp(p[i * classes + actual[i]] / sum, LogLossClip, 1));
            }
        }
        var perClass = new ClassMetrics[classes];
        for (int c = 0; c < classes; c++)
        {
            int truePositives = confusion[c][c], support = confusion[c].Sum(), predictedAs = confusion.Sum(row =>
                row[c]);
            double? precision = predictedAs > 0 ? (double)truePositives / predictedAs : null;
            double? recall = support > 0 ? (double)truePositives / support : null;
            double? f1 = precision is { } pr && recall is { } re ? (pr + re > 0 ? 2 * pr * re / (pr + re) : 0) : null;
            perClass[c] = new ClassMetrics(precision, recall, f1, support);
        }
        var recalls = perClass.Select(m => m.Recall).ToArray();
        var present = recalls.Where(r => r.HasValue).Select(r => r!.Value).ToList();
        return new ModelEvaluation(n, (double)correct / n, confusion, null, null,
            prediction.Probabilities is null ? null : logLoss / n, perClass, null,
            weightSum > 0 ? weightedCorrect / weightSum : null, present.Count > 0 ? present.Average() : null, recalls);
    }

    private static ModelEvaluation Regression(float[][] targets, PredictionBatch prediction)
    {
        int n = targets.Length, outputs = targets[0].Length;
        double sse = 0, sae = 0, r2 = 0;
        for (int c = 0; c < outputs; c++)
        {
            double mean = 0, sst = 0, columnSse = 0;
            for (int i = 0; i < n; i++) mean += targets[i][c];
            mean /= n;
            for (int i = 0; i < n; i++)
            {
                double y = targets[i][c], d = prediction.Outputs[i * outputs + c] - y;
                columnSse += d * d;
                sae += Math.Abs(d);
                sst += (y - mean) * (y - mean);
            }
            sse += columnSse;
            r2 += sst > 0 ? 1 - columnSse / sst : 0;
        }
        return new ModelEvaluation(n, null, null, Math.Sqrt(sse / (n * outputs)), r2 / outputs,
            Mae: sae / (n * outputs));
    }
}
