using System.Globalization;

namespace Backprop.Core.Tests.Training;

/// <summary>The iris and digits splits shipped in samples/ (copied to the test output under data/).</summary>
internal static class SampleData
{
    public static (TrainingData Train, TrainingData Test) Load(string name)
    {
        var train = Read(Path.Combine(AppContext.BaseDirectory, "data", name, "train.csv"));
        var test = Read(Path.Combine(AppContext.BaseDirectory, "data", name, "test.csv"));
        int classes = Math.Max(train.Labels.Max(), test.Labels.Max()) + 1;
        return (TrainingData.Classification(train.X, train.Labels.Length, train.Width, train.Labels, classes),
                TrainingData.Classification(test.X, test.Labels.Length, test.Width, test.Labels, classes));
    }

    private static (float[] X, int[] Labels, int Width) Read(string path)
    {
        var lines = File.ReadAllLines(path).Skip(1).Where(l => l.Length > 0).ToArray();
        int width = lines[0].Split(',').Length - 1;
        var x = new float[lines.Length * width];
        var labels = new int[lines.Length];
        for (int r = 0; r < lines.Length; r++)
        {
            var cells = lines[r].Split(',');
            for (int c = 0; c < width; c++) x[r * width + c] = float.Parse(cells[c], CultureInfo.InvariantCulture);
            labels[r] = int.Parse(cells[width], CultureInfo.InvariantCulture);
        }
        return (x, labels, width);
    }

    public static NetworkSpec Classifier(int inputs, int hidden, int classes, ulong seed = 7) => new(
        inputs, [new LayerSpec(hidden, ActivationKind.Relu), new LayerSpec(classes, ActivationKind.Softmax)],
        LossKind.CategoricalCrossEntropy, Seed: seed);

    /// <summary>y = 3·x0 − 2·x1 + 100 + small noise, with raw-scale inputs (x0 in [0, 1000), x1 in [−5, 5)).</summary>
    public static TrainingData Linear(int rows, ulong seed = 11)
    {
        var x = new float[rows * 2];
        var y = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            x[2 * r] = (float)(1000 * SplitMix64.NextDouble(seed, (ulong)(3 * r)));
            x[2 * r + 1] = (float)(10 * SplitMix64.NextDouble(seed, (ulong)(3 * r + 1)) - 5);
            y[r] = (float)(3 * x[2 * r] - 2 * x[2 * r + 1] + 100 + (SplitMix64.NextDouble(seed, (ulong)(3 * r + 2))
                - 0.5));
        }
        return TrainingData.Regression(x, rows, 2, y, 1);
    }
}
